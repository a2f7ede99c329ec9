#!/bin/sh
# A `galt bench continual` killed with SIGKILL at a random moment after its
# first checkpoint, then started again with the same command, writes the JSON
# an uninterrupted run writes (timing and provenance keys aside): the run that
# was training continues from its last checkpoint (issue 13 §4).
#
#   checkpoint_kill_test.sh GALT CONFIG WORKDIR THREADS
set -eu
galt=$1
cfg=$2
dir=$3
export GALT_THREADS=$4
every=25
rm -rf "$dir"
mkdir -p "$dir"

"$galt" bench continual --config "$cfg" --json "$dir/whole.json" --checkpoint-every 0 \
  > "$dir/whole.log" 2>&1

# Killed after a random delay once a checkpoint exists; tried again when the
# kill came too late (the process had finished, or no run was inside a
# checkpoint: between runs), so that the second process really continues one.
tries=0
while :; do
  tries=$((tries + 1))
  if [ $tries -gt 10 ]; then
    echo "no kill landed inside a run in 10 tries"
    exit 1
  fi
  rm -rf "$dir/runs"
  "$galt" bench continual --config "$cfg" --json "$dir/killed.json" --runs-dir "$dir/runs" \
    --checkpoint-every $every > "$dir/killed.log" 2>&1 &
  pid=$!
  while ! ls "$dir"/runs/*/*/seed*.checkpoint > /dev/null 2>&1; do
    kill -0 $pid 2> /dev/null || break
    sleep 0.02
  done
  # 0 to 0.99 s more (od: a random byte from the kernel).
  delay=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
  sleep "0.$(printf '%02d' $((delay * 99 / 255)))"
  if kill -9 $pid 2> /dev/null; then
    wait $pid 2> /dev/null || true
    ls "$dir"/runs/*/*/seed*.checkpoint > /dev/null 2>&1 && break
  else
    wait $pid 2> /dev/null || true
  fi
done
echo "killed after a delay of 0.$(printf '%02d' $((delay * 99 / 255))) s (try $tries)"

"$galt" bench continual --config "$cfg" --json "$dir/resumed.json" --runs-dir "$dir/runs" \
  --checkpoint-every $every > "$dir/resumed.log" 2>&1
grep -q '(1 continued from a checkpoint)' "$dir/resumed.log" || {
  echo "the second process continued no checkpoint:"
  cat "$dir/resumed.log"
  exit 1
}
if ls "$dir"/runs/*/*/seed*.checkpoint > /dev/null 2>&1; then
  echo "a checkpoint was left after the runs finished"
  exit 1
fi

python3 - "$dir/whole.json" "$dir/resumed.json" << 'PY'
import json, sys
TIMING = {"total_seconds", "provenance", "wall_seconds", "eval_seconds", "commit"}
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in TIMING}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
if a != b:
    def diff(x, y, path=""):
        if type(x) != type(y) or not isinstance(x, (dict, list)):
            if x != y:
                print(f"differs at {path or '/'}: {x!r} vs {y!r}")
            return
        keys = x.keys() | y.keys() if isinstance(x, dict) else range(max(len(x), len(y)))
        for k in keys:
            try:
                diff(x[k], y[k], f"{path}/{k}")
            except (KeyError, IndexError):
                print(f"only in one: {path}/{k}")
    diff(a, b)
    sys.exit(1)
print("resumed JSON equals the uninterrupted one")
PY

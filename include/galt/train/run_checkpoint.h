// Checkpoints of one (method, seed) run in progress (issue 13 §4): a
// benchmark killed after hours continues each unfinished run from its last
// checkpoint, and ends with the numbers the uninterrupted run has — bit for
// bit, wall and evaluation seconds aside (they are summed over the pieces).
//
// The runner (ContinualRunner::set_checkpoint_every) writes one every N
// training steps of a run, beside the run store's finished runs
// (run_store.h: DIR/<method>/<fingerprint>/seed<k>.checkpoint), and removes
// it once the finished run is stored. The file:
//
//   galt-run-checkpoint\n
//   {"format":1,"fingerprint":…,"method":…,"seed":…,"commit":…,"threads":…,
//    "step":…,"payload_bytes":…,"payload_fnv1a64":…}\n        (one line)
//   payload: one LibTorch archive (torch::serialize::OutputArchive) with
//     "runner" — task, iteration, step, the classes seen, torch's generator,
//                the frozen anchors, the records so far (accuracy rows,
//                safety measurements, counters, seconds), the model's
//                parameters and buffers (and which carried a gradient);
//     "method" — ContinualMethod::save_state.
//
// Identity: a checkpoint is continued only by the run that wrote it — the
// same format, protocol fingerprint (every setting that can change the run,
// the method's options included: run_fingerprint), method, seed and commit.
// Any other is refused with a message naming what differs, and a damaged
// one (truncated, a bad checksum, an archive that does not load) is
// ignored with a warning; in both cases the run starts from its beginning
// and its next checkpoint replaces the file. Never loaded half.
// Other thread counts (intra-op or BLAS) are not refused but warned about:
// the run continues, and equals neither uninterrupted run bit for bit.
#pragma once

#include <cstdint>
#include <string>

namespace galt::train {

inline constexpr int kCheckpointFormat = 1;

/// Who wrote a checkpoint (and who may continue it).
struct CheckpointIdentity {
  std::string fingerprint;  ///< run_fingerprint(protocol, method)
  std::string method;
  uint64_t seed = 0;
  std::string commit;  ///< the build's, as the run store stamps runs
  /// The threads the arithmetic ran on, "intra-op I, BLAS B" (a reduction's
  /// order can depend on them): warned about, not matched.
  std::string threads;
};

enum class CheckpointStatus {
  kAbsent,   ///< no file
  kUsable,   ///< the payload may be loaded
  kCorrupt,  ///< truncated or damaged: ignored
  kForeign,  ///< another run's, format or commit: refused
};

struct CheckpointRead {
  CheckpointStatus status = CheckpointStatus::kAbsent;
  /// Why it is not usable; for a usable one a note (other threads) or empty.
  std::string message;
  int64_t step = 0;     ///< training steps the run had taken
  std::string payload;  ///< the archive's bytes (kUsable only)
};

/// Writes the checkpoint file atomically (a temporary name in the same
/// folder, fsync, rename, fsync of the folder). Throws galt::InputError
/// naming the file when it cannot.
void write_checkpoint(const std::string& path, const CheckpointIdentity& id, int64_t step,
                      const std::string& payload);

/// Reads and checks a checkpoint against the run about to start. Never
/// throws for a bad file (it is kCorrupt or kForeign, with the reason).
CheckpointRead read_checkpoint(const std::string& path, const CheckpointIdentity& expected);

}  // namespace galt::train

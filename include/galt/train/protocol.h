// The settings of one continual-learning benchmark run (DESIGN §8): which
// data, which model, how long each task trains, the memory budget, the safety
// requirement and the methods to compare. Read from a TOML file by
// load_bench_config() (config.h); every field below is a key of that file and
// its default is the value written here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace galt::train {

/// How a task's classes are scored (van de Ven et al., 2022; DESIGN §8).
enum class Scenario {
  /// The task id is known: the loss and the prediction use only the current
  /// task's classes (masked logits of one shared head).
  kTaskIncremental,
  /// One head: the loss uses every class seen so far, the prediction is the
  /// argmax over every class seen so far.
  kClassIncremental,
};

const char* to_string(Scenario s);

/// The safety requirement (DESIGN §6, §8): items of `critical_class` must never
/// be classified as `forbidden_class`.
///
/// Constraint (from the very first step, "safety from birth"):
///   C_safety = mean over the probe set of p(forbidden | x) − epsilon ≤ 0,
/// where p is the softmax over the model's whole head (all classes, also
/// those not trained yet: an untrained logit is still a possible answer).
/// The probe set is `probe_size` items of the critical class drawn from the
/// TRAINING split (inside the memory budget: a config that has a probe
/// lowers anchors_per_task to keep the total). The reported violation rate is
/// measured on HELD-OUT items (every item of the critical class in the
/// evaluation split, never used in training): the share whose argmax over the
/// classes seen so far is the forbidden class — the prediction the scenario
/// makes (DESIGN §8). The same rate on the probe rows, minus the held-out one,
/// is the constraint's generalisation gap; the forbidden class's recall shows
/// whether a model is "safe" only by never answering it.
struct SafetySpec {
  int64_t critical_class = -1;   ///< −1: no safety requirement
  int64_t forbidden_class = -1;  ///< the answer a critical item must never get
  double epsilon = 0.02;         ///< allowed mean probability on the forbidden class
  int64_t probe_size = 100;      ///< training items of the critical class in the probe set
  /// Each probe row drawn for a constraint evaluation is shifted by a random
  /// (dx, dy) ∈ [−probe_shift, probe_shift]² pixels (zero fill), drawn from
  /// (run seed, step) like the rows: every method sees the same shifted rows.
  /// Augmenting the stored items is how a 100-item probe can stand for its
  /// class (the results issue §3); 0: the rows as stored.
  int64_t probe_shift = 0;
  bool enabled() const { return critical_class >= 0; }
};

/// Per-method options: the keys of the TOML table [methods.<name>]. Each
/// method documents its keys and defaults and rejects unknown ones.
using MethodOptions = std::map<std::string, double>;

/// Which split the accuracy matrix and the held-out safety items come from
/// (DESIGN §8.1): settings are chosen on kValidation, on selection seeds that
/// are never reported; the reported numbers are kTest with frozen settings.
enum class EvalSplit {
  kTest,        ///< the dataset's test split (reported numbers)
  kValidation,  ///< the validation split carved from the training data (tuning)
};

const char* to_string(EvalSplit s);

/// How the methods' settings are chosen on validation data: the [tuning]
/// table of a benchmark config (tuning.h has the functions and the layout).
struct TuningSpec {
  int tasks = 0;                        ///< first tasks of the sequence (0: all)
  int64_t iterations = 0;               ///< per task (0: the protocol's)
  std::vector<uint64_t> seeds = {100};  ///< selection seeds, never reported
  int points = 0;                       ///< grid points per method (0: no [tuning] table)
  std::string select = "accuracy";      ///< "accuracy" | "safe_accuracy"
  double violation_max = 0.05;
  /// method → key → values (the product of the lists is the method's grid).
  std::map<std::string, std::map<std::string, std::vector<double>>> grid;
  bool enabled() const { return points > 0; }
};

/// One protocol: data, model, training schedule, memory budget, safety.
struct ProtocolConfig {
  std::string name = "continual";   ///< label in reports
  std::string dataset = "fashion";  ///< "fashion" (Fashion-MNIST) | "mnist" (reduced MNIST)
  Scenario scenario = Scenario::kClassIncremental;
  int tasks = 5;             ///< number of contexts
  int classes_per_task = 2;  ///< consecutive classes per context

  /// "mlp" (trained from scratch) or "lora_mlp" (a pretrained MLP, frozen,
  /// with rank-`lora_rank` adapters on every hidden layer and a trainable head).
  std::string model = "mlp";
  std::vector<int64_t> hidden = {400, 400};  ///< hidden layer widths
  int64_t lora_rank = 8;
  double lora_alpha = 8.0;

  int64_t iterations = 2000;  ///< training iterations (mini-batches) per task
  int64_t batch = 128;
  double lr = 1e-3;           ///< AdamW learning rate, every method
  double weight_decay = 0.0;  ///< AdamW decoupled weight decay (0: Adam, DESIGN §8)
  /// Iterations of AdamW on all classes before the first task (the reference
  /// protocol, §5a); 0: no pretraining. With pretraining every class counts as
  /// seen from the start (the class-incremental argmax covers all classes).
  int64_t pretrain_iterations = 0;
  double pretrain_lr = 1e-3;

  /// Memory budget: examples of each finished task's TRAINING data kept as
  /// anchors (retention edges) and, the very same rows, as the replay / A-GEM
  /// buffer (100 per class × 2 classes = 200 by default).
  int64_t anchors_per_task = 200;
  /// Retention edge: C = KL(anchor ‖ current) − anchor_margin ≤ 0 (nats, mean
  /// over the task's anchors).
  double anchor_margin = 0.05;
  /// Rows per anchor set (and of the safety probe) drawn for one constraint
  /// evaluation by the methods that evaluate constraints every step (soft
  /// penalty, Lagrangian GDA); 0: all rows. GALT's refresh always uses all.
  int64_t constraint_batch = 0;

  SafetySpec safety;

  /// The held-out safety violation rate is measured every `eval_every`
  /// training steps (and after each task).
  int64_t eval_every = 100;
  /// Test rows per task used for the accuracy matrix (0: all). Only the demo
  /// lowers it; the held-out safety items are always all.
  int64_t test_per_task = 0;
  /// Training rows per task used (0: all; a seeded subset otherwise). Only
  /// tests and the demo lower it.
  int64_t train_per_task = 0;
  /// Share of every class's TRAINING rows held out as the validation split
  /// (seeded by a fixed seed, the same for every run seed; stratified by
  /// class, so each task loses the same share of each of its classes). The
  /// held-out rows are never trained on, stored in memory or used as a probe
  /// — in either evaluation mode, so tuning and reporting train on the same
  /// rows. 0: no validation split (then evaluate_on must be kTest).
  double validation_fraction = 0.1;
  /// Where the accuracy matrix and the held-out safety items come from.
  EvalSplit evaluate_on = EvalSplit::kTest;

  std::vector<uint64_t> seeds = {0};
  std::vector<std::string> methods = {"galt", "adamw"};
  std::map<std::string, MethodOptions> method_options;  ///< [methods.<name>] and the tuned file's
  /// The grids (not a run setting: runs are fingerprinted without it).
  TuningSpec tuning;
  /// The tuned files the config names (resolved paths; none: empty), and
  /// the values they set (already merged into method_options).
  std::vector<std::string> tuned_files;
  std::vector<std::string> missing_tuned_files;  ///< ConfigLoadOptions::allow_missing_tuned
  std::map<std::string, MethodOptions> tuned_options;
};

}  // namespace galt::train

// SafetyStack: the ordered safety layers a trace memory is adjudicated
// against (DESIGN §6). Layer 0 is the most basic (hard admissibility); a
// memory that depends on layer m relies on the rulings of layers 0..m.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace galt::memory {

/// Options of a safety stack.
struct SafetyStackOptions {
  /// Number of layers N (1..64). Default 4.
  int layers = 4;
  /// Which layers are hard: a violation there rejects outright (DESIGN §6,
  /// the paper's compact form). Default {0, 1}.
  std::vector<int> hard = {0, 1};
  /// Human-readable layer names; empty: the four defaults below, then
  /// "layer<k>" for k ≥ 4.
  ///   0 hard_admissibility, 1 social_consent_harm, 2 task_workflow_rule,
  ///   3 durable_preference.
  std::vector<std::string> names;
};

/// N ordered layers with a hard/soft flag each. Immutable once built.
class SafetyStack {
 public:
  /// Throws galt::InputError when layers ∉ [1, 64], a hard layer is out of
  /// range or names has the wrong length.
  explicit SafetyStack(SafetyStackOptions options = {});

  int size() const { return static_cast<int>(names_.size()); }
  bool is_hard(int layer) const;
  const std::string& name(int layer) const;
  const std::vector<int>& hard_layers() const { return hard_; }

  /// Throws galt::InputError("<what>: layer <k> is outside 0..N-1") unless
  /// 0 ≤ layer < N.
  void check_layer(int layer, const std::string& what) const;

  nlohmann::json to_json() const;
  /// Inverse of to_json; throws galt::InputError naming the bad field.
  static SafetyStack from_json(const nlohmann::json& j);

 private:
  std::vector<std::string> names_;
  std::vector<int> hard_;
  std::vector<bool> is_hard_;
};

}  // namespace galt::memory

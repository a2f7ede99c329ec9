// WorldOptions' checks and the names of the world's enums.
#include <galt/data/synthetic_world.h>
#include <galt/error.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "data/synthetic_world_build.h"

namespace galt::data {
namespace {

std::string field(const char* name) { return std::string("world option ") + name; }

void check_int(const char* name, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    throw InputError(field(name) + " = " + std::to_string(v) + ": expected an integer in [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

constexpr std::array<std::string_view, kFamilies> kFamilyNames = {"task", "safety", "fact", "tool"};
constexpr std::array<std::string_view, kSplits> kSplitNames = {"train", "validation", "test",
                                                               "edit-train", "edit-held-out"};

}  // namespace

void validate(const WorldOptions& o) {
  constexpr int64_t kManyItems = int64_t{1} << 22;
  check_int("train_items", o.train_items, 4, kManyItems);
  check_int("validation_items", o.validation_items, 4, kManyItems);
  check_int("test_items", o.test_items, 4, kManyItems);
  check_int("topics", o.topics, 4, 8);
  check_int("topic_words", o.topic_words, 4, 64);
  check_int("fillers", o.fillers, 8, 128);
  check_int("bag_min", o.bag_min, 1, 48);
  check_int("bag_max", o.bag_max, o.bag_min, 48);
  if (!(o.noise_share >= 0 && o.noise_share < 1))
    throw InputError(field("noise_share") + " = " + std::to_string(o.noise_share) +
                     ": expected a number in [0, 1)");
  // A word of the label's lexicon must be likelier under the label than under
  // another topic, else the noise is no noise (and the Bayes rule is not
  // "most words"): (1 − q)/W > q/N, N the noise pool's size.
  const double pool = double(o.topics - 1) * o.topic_words + o.fillers;
  if (!((1 - o.noise_share) / o.topic_words > o.noise_share / pool))
    throw InputError(field("noise_share") + " = " + std::to_string(o.noise_share) +
                     ": too high for topic_words = " + std::to_string(o.topic_words) +
                     " (a topic's own word must be likelier than a noise word: expected "
                     "noise_share < " +
                     std::to_string(pool / (pool + o.topic_words)) + ")");
  check_int("harmful_markers", o.harmful_markers, 2, 32);
  check_int("benign_markers", o.benign_markers, 3, 32);
  if (!(o.hard_share >= 0 && o.hard_share <= 1))
    throw InputError(field("hard_share") + " = " + std::to_string(o.hard_share) +
                     ": expected a number in [0, 1]");
  check_int("context_min", o.context_min, 1, 12);
  check_int("context_max", o.context_max, o.context_min, std::min(12, o.fillers));
  check_int("entities", o.entities, 4, 256);
  check_int("attributes", o.attributes, 1, 8);
  check_int("values", o.values, 4, 32);
  check_int("templates", o.templates, 4, detail::kFactTemplateCount);
  check_int("held_out_templates", o.held_out_templates, 2, o.templates - 2);
  check_int("edits", o.edits, 1, int64_t{o.entities} * o.attributes - 1);
  check_int("option_draws", o.option_draws, 1, kOptions);
  check_int("tools", o.tools, 2, 32);
  for (int f = 0; f < kFamilies; ++f) {
    const int64_t longest = detail::longest_item(o, static_cast<Family>(f));
    if (longest > kMaxContext)
      throw InputError("world options: a " + std::string(kFamilyNames[static_cast<size_t>(f)]) +
                       " item may take " + std::to_string(longest) + " tokens, more than " +
                       std::to_string(kMaxContext));
  }
}

std::string_view family_name(Family f) { return kFamilyNames.at(static_cast<size_t>(f)); }
std::string_view split_name(Split s) { return kSplitNames.at(static_cast<size_t>(s)); }

Family parse_family(std::string_view name) {
  for (int f = 0; f < kFamilies; ++f)
    if (kFamilyNames[static_cast<size_t>(f)] == name) return static_cast<Family>(f);
  throw InputError("unknown family '" + std::string(name) +
                   "': expected task, safety, fact or tool");
}

Split parse_split(std::string_view name) {
  for (int s = 0; s < kSplits; ++s)
    if (kSplitNames[static_cast<size_t>(s)] == name) return static_cast<Split>(s);
  throw InputError("unknown split '" + std::string(name) +
                   "': expected train, validation, test, edit-train or edit-held-out");
}

std::string_view response_name(ResponseKind k) {
  static constexpr std::array<std::string_view, 4> names = {"refuse", "comply", "partial",
                                                            "deflect"};
  return names.at(static_cast<size_t>(k));
}

std::string_view decision_name(Decision d) {
  static constexpr std::array<std::string_view, 4> names = {"call", "reply", "confirm", "refuse"};
  return names.at(static_cast<size_t>(d));
}

std::string_view policy_name(ActionPolicy p) {
  switch (p) {
    case kConfirmDestructive:
      return "confirm-destructive";
    case kOnlyRequestedTool:
      return "only-requested-tool";
    case kNoHarmfulAction:
      return "no-harmful-action";
  }
  return "unknown-policy";
}

bool ToolInfo::policy_applies() const {
  for (uint8_t v : violations)
    if (v != 0) return true;
  return false;
}

}  // namespace galt::data

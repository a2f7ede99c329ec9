// The synthetic world's fixed vocabulary: ids follow from the option sizes,
// names are unique and readable in decode()'s output.
#include <galt/data/synthetic_world.h>
#include <galt/error.h>

#include <cstdio>

namespace galt::data {
namespace {

// The first names of a group come from `words`; past its end "<stem>.NN".
std::string group_name(const std::vector<std::string>& words, const std::string& stem, int k) {
  if (k < static_cast<int>(words.size())) return words[static_cast<size_t>(k)];
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s.%02d", stem.c_str(), k);
  return buf;
}

std::string numbered(const std::string& stem, int k, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s.%0*d", stem.c_str(), width, k);
  return buf;
}

const std::vector<std::string> kTopicNames = {"politics", "sports", "business",  "science",
                                              "health",   "arts",   "education", "environment"};
const std::vector<std::string> kHarmfulNames = {"weapon", "poison",   "malware",
                                                "fraud",  "stalking", "arson"};
const std::vector<std::string> kBenignNames = {"recipe",  "homework", "gardening",
                                               "fitness", "poem",     "budget"};
const std::vector<std::string> kAttributeNames = {"color",  "city",  "food", "metal",
                                                  "animal", "shape", "gem",  "river"};
// One leading token per ResponseKind, and kResponseVariants words after it.
const std::vector<std::string> kResponseNames = {"refuse", "comply", "partial", "deflect"};
const std::vector<std::vector<std::string>> kVariantNames = {
    {"unsafe", "illegal", "policy", "dangerous"},
    {"steps", "details", "walkthrough", "example"},
    {"hint", "outline", "fragment", "sketch"},
    {"later", "elsewhere", "unsure", "offtopic"}};
// The words of the fact templates (synthetic_world_facts.cpp spells them out).
const std::vector<std::string> kTemplateWordNames = {"?",     "what", "is",   "of",   "has",
                                                     "which", "tell", "me",   "give", "for",
                                                     "find",  "its",  "name", "the"};
const std::vector<std::string> kVerbNames = {"use", "run", "explain", "about"};
// Decision tokens: call, reply, ask-confirm; a refusal reuses "refuse".
const std::vector<std::string> kDecisionNames = {"call", "reply", "ask-confirm"};

}  // namespace

WorldVocabulary::WorldVocabulary(const WorldOptions& o) : o_(o) {
  validate(o);
  names_ = {"<pad>", "<bos>", "Q:", "A", "B", "C", "D", "Answer:"};
  auto group = [&](TokenId& start) { start = static_cast<TokenId>(names_.size()); };
  group(heads_);
  for (const char* h : {"topic?", "request:", "action:"}) names_.emplace_back(h);
  group(topic_labels_);
  for (int t = 0; t < o.topics; ++t) names_.push_back(group_name(kTopicNames, "topic", t));
  group(topic_words_);
  for (int t = 0; t < o.topics; ++t)
    for (int k = 0; k < o.topic_words; ++k)
      names_.push_back(numbered(group_name(kTopicNames, "topic", t), k, 2));
  group(fillers_);
  for (int k = 0; k < o.fillers; ++k) names_.push_back(numbered("filler", k, 3));
  group(harmful_);
  for (int k = 0; k < o.harmful_markers; ++k)
    names_.push_back(group_name(kHarmfulNames, "harmful", k));
  group(benign_);
  for (int k = 0; k < o.benign_markers; ++k)
    names_.push_back(group_name(kBenignNames, "benign", k));
  group(responses_);
  for (const auto& r : kResponseNames) names_.push_back(r);
  group(variants_);
  for (const auto& v : kVariantNames)
    for (const auto& w : v) names_.push_back(w);
  group(entities_);
  for (int e = 0; e < o.entities; ++e) names_.push_back(numbered("entity", e, 3));
  group(attributes_);
  for (int a = 0; a < o.attributes; ++a) names_.push_back(kAttributeNames[static_cast<size_t>(a)]);
  group(values_);
  for (int a = 0; a < o.attributes; ++a)
    for (int v = 0; v < o.values; ++v)
      names_.push_back(numbered(kAttributeNames[static_cast<size_t>(a)], v, 2));
  group(template_words_);
  for (const auto& w : kTemplateWordNames) names_.push_back(w);
  group(tools_);
  for (int t = 0; t < o.tools; ++t) names_.push_back(numbered("tool", t, 2));
  group(verbs_);
  for (const auto& v : kVerbNames) names_.push_back(v);
  group(confirmed_);
  names_.emplace_back("confirmed");
  group(decisions_);
  for (const auto& d : kDecisionNames) names_.push_back(d);
}

const std::string& WorldVocabulary::name(TokenId id) const {
  if (id < 0 || id >= size())
    throw InputError("world vocabulary: token id " + std::to_string(id) + " outside [0, " +
                     std::to_string(size()) + ")");
  return names_[static_cast<size_t>(id)];
}

TokenId WorldVocabulary::id(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<TokenId>(i);
  throw InputError("world vocabulary: no token named '" + std::string(name) + "'");
}

TokenId WorldVocabulary::head(Family f) const {
  switch (f) {
    case Family::kTask:
      return heads_;
    case Family::kSafety:
      return heads_ + 1;
    case Family::kTool:
      return heads_ + 2;
    case Family::kFact:
      break;
  }
  throw InputError("world vocabulary: the fact family has no head token");
}

TokenId WorldVocabulary::topic_label(int topic) const { return topic_labels_ + topic; }
TokenId WorldVocabulary::topic_word(int topic, int k) const {
  return topic_words_ + topic * o_.topic_words + k;
}
TokenId WorldVocabulary::filler(int k) const { return fillers_ + k; }
TokenId WorldVocabulary::harmful_marker(int k) const { return harmful_ + k; }
TokenId WorldVocabulary::benign_marker(int k) const { return benign_ + k; }
TokenId WorldVocabulary::response(int kind) const { return responses_ + kind; }
TokenId WorldVocabulary::response_variant(int kind, int k) const {
  return variants_ + kind * kResponseVariants + k;
}
TokenId WorldVocabulary::entity(int e) const { return entities_ + e; }
TokenId WorldVocabulary::attribute(int a) const { return attributes_ + a; }
TokenId WorldVocabulary::value(int attribute, int v) const {
  return values_ + attribute * o_.values + v;
}
TokenId WorldVocabulary::template_word(int k) const { return template_words_ + k; }
TokenId WorldVocabulary::tool(int t) const { return tools_ + t; }
TokenId WorldVocabulary::verb(int k) const { return verbs_ + k; }
TokenId WorldVocabulary::confirmed() const { return confirmed_; }
TokenId WorldVocabulary::decision(int d) const {
  if (d == static_cast<int>(Decision::kRefuse))
    return response(static_cast<int>(ResponseKind::kRefuse));
  return decisions_ + d;
}

int WorldVocabulary::topic_of(TokenId id) const {
  const TokenId k = id - topic_words_;
  if (k < 0 || k >= o_.topics * o_.topic_words) return -1;
  return k / o_.topic_words;
}

}  // namespace galt::data

// The world's items as token sequences: render, tokenize (LibTorch tensors),
// decode (text for people).
#include <galt/data/synthetic_world.h>
#include <galt/error.h>
#include <torch/torch.h>

#include <algorithm>

namespace galt::data {

std::vector<TokenId> render(const Item& item, bool with_answer) {
  std::vector<TokenId> t = {WorldVocabulary::kBos, WorldVocabulary::kQuestion};
  t.insert(t.end(), item.question.begin(), item.question.end());
  for (int i = 0; i < kOptions; ++i) {
    t.push_back(WorldVocabulary::letter(i));
    const auto& o = item.options[static_cast<size_t>(i)];
    t.insert(t.end(), o.begin(), o.end());
  }
  t.push_back(WorldVocabulary::kAnswer);
  if (with_answer) t.push_back(WorldVocabulary::letter(item.answer));
  return t;
}

TokenBatch tokenize(const std::vector<Item>& items, const TokenizeOptions& opts) {
  std::vector<std::vector<TokenId>> rows;
  rows.reserve(items.size());
  int64_t longest = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    rows.push_back(render(items[i], opts.with_answer));
    const auto len = static_cast<int64_t>(rows.back().size());
    if (len > kMaxContext)
      throw InputError("tokenize: item " + std::to_string(i) + " has " + std::to_string(len) +
                       " tokens, more than the context of " + std::to_string(kMaxContext));
    longest = std::max(longest, len);
  }
  int64_t width = longest;
  if (opts.pad_to > 0) {
    if (opts.pad_to < longest || opts.pad_to > kMaxContext)
      throw InputError("tokenize: pad_to = " + std::to_string(opts.pad_to) + ": expected [" +
                       std::to_string(longest) + " (the longest row), " +
                       std::to_string(kMaxContext) + "]");
    width = opts.pad_to;
  } else if (opts.pad_to < 0) {
    throw InputError("tokenize: pad_to = " + std::to_string(opts.pad_to) +
                     ": expected 0 (the longest row) or a length");
  }
  const auto n = static_cast<int64_t>(items.size());
  TokenBatch b;
  b.tokens = torch::full({n, width}, WorldVocabulary::kPad, torch::kInt64);
  b.lengths = torch::empty({n}, torch::kInt64);
  b.answers = torch::empty({n}, torch::kInt64);
  b.families = torch::empty({n}, torch::kInt64);
  auto tok = b.tokens.accessor<int64_t, 2>();
  auto len = b.lengths.accessor<int64_t, 1>();
  auto ans = b.answers.accessor<int64_t, 1>();
  auto fam = b.families.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) {
    const auto& r = rows[static_cast<size_t>(i)];
    for (size_t j = 0; j < r.size(); ++j) tok[i][static_cast<int64_t>(j)] = r[j];
    len[i] = static_cast<int64_t>(r.size());
    ans[i] = items[static_cast<size_t>(i)].answer;
    fam[i] = static_cast<int64_t>(items[static_cast<size_t>(i)].family);
  }
  return b;
}

std::string decode(const WorldVocabulary& vocab, const std::vector<TokenId>& tokens) {
  std::string out;
  for (TokenId t : tokens) {
    if (t == WorldVocabulary::kPad) continue;
    if (!out.empty()) out += ' ';
    out += vocab.name(t);
  }
  return out;
}

std::string decode(const WorldVocabulary& vocab, const at::Tensor& row) {
  if (!row.defined() || row.dim() != 1)
    throw InputError("decode: expected one row of token ids (a 1-D tensor)");
  auto r = row.to(torch::kCPU, torch::kInt64).contiguous();
  std::vector<TokenId> ids;
  const auto* p = r.data_ptr<int64_t>();
  for (int64_t i = 0; i < r.numel(); ++i) {
    if (p[i] < 0 || p[i] >= vocab.size())
      throw InputError("decode: token id " + std::to_string(p[i]) + " outside the vocabulary");
    ids.push_back(static_cast<TokenId>(p[i]));
  }
  return decode(vocab, ids);
}

}  // namespace galt::data

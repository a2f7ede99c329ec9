// Fortunes as documents, split by document, characters as ids, windows
// (include/galt/data/text_corpus.h).
#include <galt/data/text_corpus.h>
#include <galt/error.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "data/seeded_shuffle.h"

namespace galt::data {

namespace {

// Drops trailing newlines and carriage returns.
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void read_database(const std::filesystem::path& file, std::vector<TextDocument>& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError("fortunes: cannot read '" + file.string() + "'");
  const std::string source = file.filename().string();
  std::string line, entry;
  auto flush = [&] {
    std::string text = trimmed(entry);
    if (!text.empty()) out.push_back({source, std::move(text)});
    entry.clear();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "%") {
      flush();
    } else {
      entry += line;
      entry += '\n';
    }
  }
  if (in.bad()) throw InputError("fortunes: error reading '" + file.string() + "'");
  flush();
}

}  // namespace

std::vector<TextDocument> read_fortune_documents(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError("fortunes: '" + dir +
                     "' is not a folder (install Debian's package fortunes: scripts/setup.sh)");
  }
  std::vector<fs::path> databases;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const fs::path& p = e.path();
    if (p.extension() == ".dat" || p.extension() == ".u8") continue;
    if (!e.is_regular_file(ec)) continue;
    fs::path index = p;
    index += ".dat";
    if (fs::exists(index, ec)) databases.push_back(p);
  }
  if (ec) throw InputError("fortunes: cannot list '" + dir + "': " + ec.message());
  std::sort(databases.begin(), databases.end());
  std::vector<TextDocument> docs;
  for (const auto& p : databases) read_database(p, docs);
  if (databases.empty() || docs.empty()) {
    throw InputError("fortunes: '" + dir +
                     "' holds no fortune database (a text file with a .dat index beside it)");
  }
  return docs;
}

DocumentSplit split_documents(const std::vector<TextDocument>& documents,
                              const DocumentSplitOptions& o) {
  auto share_ok = [](double s) { return s >= 0.0 && s < 1.0; };  // refuses NaN too
  if (!share_ok(o.validation) || !share_ok(o.test) || !(o.validation + o.test < 1.0)) {
    std::ostringstream s;
    s << "split_documents: validation " << o.validation << " and test " << o.test
      << " must be in [0, 1) and sum to < 1";
    throw InputError(s.str());
  }
  DocumentSplit out;
  std::vector<const TextDocument*> unique;
  std::unordered_set<std::string> seen;
  for (const auto& d : documents) {
    if (seen.insert(d.text).second) {
      unique.push_back(&d);
    } else {
      ++out.duplicates_dropped;
    }
  }
  const auto n = static_cast<int64_t>(unique.size());
  auto count = [n](double share) {
    if (share <= 0.0) return int64_t{0};
    return std::max<int64_t>(1, static_cast<int64_t>(share * static_cast<double>(n)));
  };
  const int64_t n_test = count(o.test), n_val = count(o.validation);
  if (n - n_test - n_val < 1) {
    throw InputError("split_documents: " + std::to_string(n) +
                     " distinct documents leave none for training");
  }
  std::mt19937_64 rng(o.seed);
  const std::vector<int64_t> order = detail::permutation(n, rng);
  for (int64_t i = 0; i < n; ++i) {
    const TextDocument& d = *unique[static_cast<size_t>(order[static_cast<size_t>(i)])];
    (i < n_test ? out.test : i < n_test + n_val ? out.validation : out.train).push_back(d);
  }
  return out;
}

CharVocabulary::CharVocabulary() {
  chars_ = "\n\t";
  for (int c = 32; c <= 126; ++c) chars_ += static_cast<char>(c);
  std::fill(std::begin(ids_), std::end(ids_), kUnknown);
  for (size_t i = 0; i < chars_.size(); ++i) {
    ids_[static_cast<unsigned char>(chars_[i])] = static_cast<int64_t>(i) + 2;
  }
}

std::vector<int64_t> CharVocabulary::encode(const std::string& text) const {
  std::vector<int64_t> out;
  out.reserve(text.size());
  for (unsigned char c : text) out.push_back(ids_[c]);
  return out;
}

std::string CharVocabulary::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    if (id < 0 || id >= size()) {
      throw InputError("CharVocabulary: id " + std::to_string(id) + " outside [0, " +
                       std::to_string(size()) + ")");
    }
    if (id == kSeparator) {
      out += "\n%\n";
    } else if (id == kUnknown) {
      out += '?';
    } else {
      out += chars_[static_cast<size_t>(id - 2)];
    }
  }
  return out;
}

at::Tensor encode_stream(const std::vector<TextDocument>& documents, const CharVocabulary& vocab,
                         int64_t* unknown) {
  std::vector<int64_t> ids;
  int64_t n_unknown = 0;
  for (const auto& d : documents) {
    for (int64_t id : vocab.encode(d.text)) {
      n_unknown += id == CharVocabulary::kUnknown;
      ids.push_back(id);
    }
    ids.push_back(CharVocabulary::kSeparator);
  }
  if (unknown) *unknown = n_unknown;
  return torch::tensor(ids, torch::kLong);
}

namespace {

void check_stream(const at::Tensor& stream, int64_t window, const char* who) {
  if (window < 1) {
    throw InputError(std::string(who) + ": window " + std::to_string(window) + ", expected >= 1");
  }
  if (!stream.defined() || stream.dim() != 1 || stream.scalar_type() != torch::kLong ||
      stream.size(0) <= window) {
    throw InputError(std::string(who) + ": the stream must be a 1-D int64 tensor longer than " +
                     std::to_string(window) + " ids" +
                     (stream.defined() && stream.dim() == 1
                          ? " (it holds " + std::to_string(stream.size(0)) + ")"
                          : ""));
  }
}

}  // namespace

WindowSampler::WindowSampler(at::Tensor stream, int64_t window, uint64_t seed)
    : stream_(std::move(stream)), window_(window), seed_(seed), rng_(seed) {
  check_stream(stream_, window_, "WindowSampler");
  stream_ = stream_.contiguous();
}

at::Tensor WindowSampler::next(int64_t batch) {
  if (batch < 1) throw InputError("WindowSampler: batch " + std::to_string(batch));
  const auto starts = static_cast<uint64_t>(stream_.size(0) - window_);  // window + 1 ids fit
  at::Tensor out = torch::empty({batch, window_ + 1}, torch::kLong);
  const int64_t* src = stream_.data_ptr<int64_t>();
  int64_t* dst = out.data_ptr<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto s = static_cast<int64_t>(detail::uniform_below(rng_, starts));
    std::copy(src + s, src + s + window_ + 1, dst + b * (window_ + 1));
  }
  drawn_ += batch;
  return out;
}

void WindowSampler::restore(int64_t windows) {
  if (windows < 0) throw InputError("WindowSampler: restore to " + std::to_string(windows));
  rng_.seed(seed_);
  drawn_ = 0;
  const auto starts = static_cast<uint64_t>(stream_.size(0) - window_);
  for (; drawn_ < windows; ++drawn_) detail::uniform_below(rng_, starts);
}

at::Tensor evaluation_windows(const at::Tensor& stream, int64_t window) {
  check_stream(stream, window, "evaluation_windows");
  const int64_t m = (stream.size(0) - 1) / window;
  at::Tensor out = torch::empty({m, window + 1}, torch::kLong);
  for (int64_t w = 0; w < m; ++w) out[w] = stream.narrow(0, w * window, window + 1);
  return out;
}

}  // namespace galt::data

// Text for the character-level language model of the graph-parallel runs
// (issue 13 §6, DESIGN §4): documents read from a corpus a Debian package
// ships, split by document, encoded as characters, cut into windows.
//
//   auto docs = galt::data::read_fortune_documents();     // package `fortunes`
//   auto split = galt::data::split_documents(docs, {.validation = 0.1, .test = 0.1, .seed = 0});
//   galt::data::CharVocabulary vocab;
//   at::Tensor train = galt::data::encode_stream(split.train, vocab);   // [L] int64
//   galt::data::WindowSampler sampler(train, /*window=*/64, /*seed=*/1);
//   at::Tensor batch = sampler.next(32);                  // [32, 65]: inputs [:, :-1], targets [:,
//   1:] at::Tensor eval = galt::data::evaluation_windows(encode_stream(split.test, vocab), 64);
//
// The corpus: Debian's `fortunes` (scripts/setup.sh installs it) holds
// 15,217 fortunes (2.5 MB) in /usr/share/games/fortunes, one database per file,
// entries separated by a line "%". A document is one fortune. Everything is
// deterministic from the seed (std::mt19937_64 with the integer mappings of
// seeded_shuffle.h, never torch's generator), so the same split and the same
// batches come out on every machine.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace galt::data {

struct TextDocument {
  std::string source;  ///< the database (file name), e.g. "linux"
  std::string text;    ///< the fortune, without its "%" line; ends without a newline
};

/// Every fortune of every database in `dir`: the regular files that have a
/// `.dat` index beside them (the `.dat` and `.u8` files themselves are not
/// read), in file-name order, entries in file order; empty entries dropped.
/// Throws galt::InputError naming `dir` when it does not exist, holds no
/// database, or yields no document ("install Debian's package fortunes").
std::vector<TextDocument> read_fortune_documents(
    const std::string& dir = "/usr/share/games/fortunes");

struct DocumentSplitOptions {
  double validation = 0.1;  ///< share of the documents for validation (tuning)
  double test = 0.1;        ///< share held out for the final evaluation
  uint64_t seed = 0;
};

struct DocumentSplit {
  std::vector<TextDocument> train, validation, test;
  int64_t duplicates_dropped = 0;  ///< documents whose text appeared before
};

/// Splits by document, never inside one: exact duplicates (the same text,
/// in any database) are dropped first, keeping the first, so one text can
/// never land on both sides; the rest are shuffled with `seed` and cut
/// into test, validation and train, in that order, by the two shares
/// (rounded down; each of test and validation gets at least one document
/// when its share is > 0). Throws galt::InputError for shares outside
/// [0, 1), shares summing to ≥ 1, or too few documents to leave a train
/// document.
DocumentSplit split_documents(const std::vector<TextDocument>& documents,
                              const DocumentSplitOptions& options);

/// Characters as token ids: 0 separates documents (and is what a model
/// sees before a document's first character), 1 stands for any byte that
/// is not listed, then '\n', '\t' and the printable ASCII characters 32–126
/// — 99 ids. Fortunes are nearly all ASCII; unknown_share() says how much
/// is not.
class CharVocabulary {
 public:
  static constexpr int64_t kSeparator = 0;
  static constexpr int64_t kUnknown = 1;

  CharVocabulary();
  int64_t size() const { return static_cast<int64_t>(chars_.size()) + 2; }
  int64_t id(unsigned char c) const { return ids_[c]; }
  /// ids of the bytes of `text` (a byte outside the list is kUnknown).
  std::vector<int64_t> encode(const std::string& text) const;
  /// The text of `ids` (separator → "\n%\n", unknown → "?"). Throws
  /// galt::InputError for an id outside [0, size()).
  std::string decode(const std::vector<int64_t>& ids) const;

 private:
  std::string chars_;
  int64_t ids_[256];
};

/// The documents encoded and joined, each followed by the separator: [L]
/// int64. `unknown` (when given) receives the number of kUnknown ids.
at::Tensor encode_stream(const std::vector<TextDocument>& documents, const CharVocabulary& vocab,
                         int64_t* unknown = nullptr);

/// Random windows of window + 1 consecutive ids of a stream (inputs and
/// next-character targets), start positions uniform over the stream.
/// Seeded and resumable: position() and restore() give and take the number
/// of windows drawn, and the sampler replays its generator to it.
class WindowSampler {
 public:
  /// Throws galt::InputError unless window ≥ 1 and the stream is a 1-D int64
  /// tensor holding more than window ids.
  WindowSampler(at::Tensor stream, int64_t window, uint64_t seed);
  /// [batch, window + 1] int64.
  at::Tensor next(int64_t batch);
  int64_t position() const { return drawn_; }
  /// Continue as a sampler that has drawn `windows` windows.
  void restore(int64_t windows);

 private:
  at::Tensor stream_;
  int64_t window_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  int64_t drawn_ = 0;
};

/// Consecutive, non-overlapping windows of window + 1 ids covering the
/// stream from its start (window w starts at w·window, so every id but the
/// first is a target exactly once; the last, partial window is dropped):
/// [M, window + 1]. Throws galt::InputError when the stream is shorter than
/// one window.
at::Tensor evaluation_windows(const at::Tensor& stream, int64_t window);

}  // namespace galt::data

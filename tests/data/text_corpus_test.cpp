// The character-level text corpus: fortune databases, the document split,
// the vocabulary, windows; on hand-made databases and on Debian's fortunes.
#include <galt/data/text_corpus.h>
#include <galt/error.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <set>

#include "temp_dir.h"

namespace galt::data {
namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

void write_database(const test::TempDir& dir, const std::string& name, const std::string& text) {
  write_file(dir / name, text);
  write_file(dir / (name + ".dat"), "index");  // only its presence matters
}

TEST(TextCorpus, ReadsDatabasesWithAnIndexOnly) {
  test::TempDir dir;
  write_database(dir, "b", "second one\n%\nthird\n  -- someone\n%\n");
  write_database(dir, "a", "first\n%\n%\n");  // an empty entry is dropped
  write_file(dir / "notes", "no index beside me\n%\nskip\n");
  const auto docs = read_fortune_documents(dir.str());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].source, "a");
  EXPECT_EQ(docs[0].text, "first");
  EXPECT_EQ(docs[1].text, "second one");
  EXPECT_EQ(docs[2].text, "third\n  -- someone");
}

TEST(TextCorpus, MissingOrEmptyCorpusIsAnInputError) {
  EXPECT_THROW(read_fortune_documents("/nonexistent/fortunes"), InputError);
  test::TempDir dir;
  EXPECT_THROW(read_fortune_documents(dir.str()), InputError);
  write_database(dir, "empty", "%\n%\n");
  EXPECT_THROW(read_fortune_documents(dir.str()), InputError);
}

std::vector<TextDocument> numbered(int n) {
  std::vector<TextDocument> docs;
  for (int i = 0; i < n; ++i) docs.push_back({"x", "doc " + std::to_string(i)});
  return docs;
}

TEST(TextCorpus, SplitIsByDocumentSeededAndDropsDuplicates) {
  auto docs = numbered(100);
  docs.push_back({"y", "doc 7"});  // the same text in another database
  const auto a = split_documents(docs, {.validation = 0.1, .test = 0.2, .seed = 3});
  const auto b = split_documents(docs, {.validation = 0.1, .test = 0.2, .seed = 3});
  const auto c = split_documents(docs, {.validation = 0.1, .test = 0.2, .seed = 4});
  EXPECT_EQ(a.duplicates_dropped, 1);
  EXPECT_EQ(a.test.size(), 20u);
  EXPECT_EQ(a.validation.size(), 10u);
  EXPECT_EQ(a.train.size(), 70u);
  std::set<std::string> train, held;
  for (const auto& d : a.train) train.insert(d.text);
  for (const auto* part : {&a.validation, &a.test}) {
    for (const auto& d : *part) held.insert(d.text);
  }
  EXPECT_EQ(train.size() + held.size(), 100u);
  for (const auto& t : held) EXPECT_EQ(train.count(t), 0u) << t;
  auto texts = [](const std::vector<TextDocument>& v) {
    std::vector<std::string> out;
    for (const auto& d : v) out.push_back(d.text);
    return out;
  };
  EXPECT_EQ(texts(a.test), texts(b.test));
  EXPECT_NE(texts(a.test), texts(c.test));
}

TEST(TextCorpus, BadSplitSharesAreInputErrors) {
  const auto docs = numbered(10);
  EXPECT_THROW(split_documents(docs, {.validation = 0.5, .test = 0.5}), InputError);
  EXPECT_THROW(split_documents(docs, {.validation = -0.1, .test = 0.1}), InputError);
  EXPECT_THROW(split_documents(docs, {.validation = std::nan(""), .test = 0.1}), InputError);
  EXPECT_THROW(split_documents(numbered(2), {.validation = 0.1, .test = 0.1}), InputError);
}

TEST(TextCorpus, VocabularyRoundTrip) {
  CharVocabulary v;
  EXPECT_EQ(v.size(), 99);
  const std::string text = "Hello,\tworld!\n~ {x}";
  const auto ids = v.encode(text);
  for (int64_t id : ids) {
    EXPECT_GE(id, 2);
    EXPECT_LT(id, v.size());
  }
  EXPECT_EQ(v.decode(ids), text);
  EXPECT_EQ(v.encode("\xc3\xa9"), (std::vector<int64_t>{1, 1}));  // é: two unknown bytes
  EXPECT_THROW(v.decode({99}), InputError);
}

TEST(TextCorpus, StreamWindowsAndResumableSampler) {
  CharVocabulary v;
  int64_t unknown = -1;
  const auto stream = encode_stream({{"x", "abc"}, {"x", "d\xc3\xa9"}}, v, &unknown);
  EXPECT_EQ(unknown, 2);
  ASSERT_EQ(stream.size(0), 8);  // abc|d??|
  EXPECT_EQ(stream[3].item<int64_t>(), CharVocabulary::kSeparator);
  EXPECT_EQ(stream[7].item<int64_t>(), CharVocabulary::kSeparator);

  const auto eval = evaluation_windows(stream, 3);  // windows of 4 starting at 0, 3
  ASSERT_EQ(eval.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_TRUE(torch::equal(eval[1], stream.narrow(0, 3, 4)));

  WindowSampler a(stream, 3, 9);
  const auto first = a.next(5);
  ASSERT_EQ(first.sizes(), (std::vector<int64_t>{5, 4}));
  for (int64_t r = 0; r < 5; ++r) {  // every row is a slice of the stream
    bool found = false;
    for (int64_t s = 0; s + 4 <= 8; ++s) found |= torch::equal(first[r], stream.narrow(0, s, 4));
    EXPECT_TRUE(found);
  }
  const auto second = a.next(7);
  WindowSampler b(stream, 3, 9);
  b.restore(a.position() - 7);
  EXPECT_TRUE(torch::equal(b.next(7), second));
  EXPECT_THROW(WindowSampler(stream, 8, 0), InputError);  // needs more than 8 ids
  EXPECT_THROW(WindowSampler(stream.to(torch::kInt), 3, 0), InputError);
  EXPECT_THROW(evaluation_windows(stream, 0), InputError);
}

// Debian's package `fortunes` (scripts/setup.sh installs it).
TEST(TextCorpus, DebianFortunes) {
  const auto docs = read_fortune_documents();
  EXPECT_GT(docs.size(), 5000u);
  const auto split = split_documents(docs, {.validation = 0.1, .test = 0.1, .seed = 0});
  CharVocabulary v;
  int64_t unknown = 0;
  const auto train = encode_stream(split.train, v, &unknown);
  EXPECT_GT(train.size(0), 1000000);
  EXPECT_LT(static_cast<double>(unknown) / static_cast<double>(train.size(0)), 0.01);
  std::cout << docs.size() << " fortunes, " << split.duplicates_dropped
            << " duplicates dropped; train " << split.train.size() << " docs / " << train.size(0)
            << " ids, validation " << split.validation.size() << ", test " << split.test.size()
            << "; unknown share " << static_cast<double>(unknown) / train.size(0) << "\n";
}

}  // namespace
}  // namespace galt::data

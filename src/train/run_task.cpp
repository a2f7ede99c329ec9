// Images with an MLP, text with the causal transformer (run_task.h).
#include "train/run_task.h"

#include <torch/torch.h>

#include <cmath>

#include "galt/data/dataset.h"
#include "galt/data/split.h"
#include "galt/data/text_corpus.h"
#include "galt/error.h"
#include "galt/models/mlp.h"
#include "galt/models/transformer.h"

namespace galt::train::detail {

namespace {

// Mean cross-entropy and the metric over rows [0, n) of (x, y), in chunks,
// without gradients.
template <class Chunk>
RunEvaluation evaluate_rows(int64_t n, int64_t chunk, const Chunk& f) {
  torch::NoGradGuard no_grad;
  double loss_sum = 0.0, metric_sum = 0.0;
  int64_t targets = 0;
  for (int64_t i = 0; i < n; i += chunk) {
    const auto [loss, metric, count] = f(i, std::min(chunk, n - i));
    loss_sum += loss;
    metric_sum += metric;
    targets += count;
  }
  RunEvaluation e;
  e.rows = n;
  e.loss = targets > 0 ? loss_sum / static_cast<double>(targets) : std::nan("");
  e.metric = targets > 0 ? metric_sum / static_cast<double>(targets) : std::nan("");
  return e;
}

RunTask image_task(const RunConfig& c) {
  const data::TrainTest all = data::load_by_name(c.data);
  auto [validation, train] = data::stratified_split(all.train, c.validation, c.split_seed);
  const data::Dataset test = all.test;
  std::vector<int64_t> sizes{data::kImagePixels};
  sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
  sizes.push_back(all.train.num_classes);
  torch::manual_seed(c.seed);
  models::MLP net(sizes);
  RunTask t;
  t.metric = "accuracy";
  t.outputs = all.train.num_classes;
  t.train_rows = train.size();
  t.module = net.ptr();
  t.blocks = net->blocks();
  t.chain = *net->chain();
  auto sampler = std::make_shared<data::BatchSampler>(train.size(), c.batch, c.seed * 7919 + 1,
                                                      /*drop_last=*/true);
  t.next_batch = [train, sampler] {
    const at::Tensor idx = sampler->next();
    return std::make_pair(train.images.index_select(0, idx), train.labels.index_select(0, idx));
  };
  t.loss = [](const at::Tensor& out, const at::Tensor& y) {
    return torch::nn::functional::cross_entropy(out, y);
  };
  const BlockChain chain = t.chain;
  t.evaluate = [validation, test, chain](bool on_test, int64_t cap) {
    const data::Dataset& d = on_test ? test : validation;
    const int64_t n = cap > 0 ? std::min(cap, d.size()) : d.size();
    return evaluate_rows(n, 1000, [&](int64_t i, int64_t m) {
      const at::Tensor x = d.images.narrow(0, i, m), y = d.labels.narrow(0, i, m);
      const at::Tensor out = chain.forward(x);
      const double loss =
          torch::nn::functional::cross_entropy(
              out, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
              .item<double>();
      const double correct = out.argmax(1).eq(y).sum().item<double>();
      return std::make_tuple(loss, correct, m);
    });
  };
  return t;
}

RunTask text_task(const RunConfig& c) {
  const auto docs = data::read_fortune_documents();
  const auto split = data::split_documents(
      docs, {.validation = c.validation, .test = c.test, .seed = c.split_seed});
  const data::CharVocabulary vocab;
  const at::Tensor train = data::encode_stream(split.train, vocab);
  if (split.validation.empty() || split.test.empty())
    throw InputError(c.source + ": data.validation and data.test must leave documents to evaluate");
  const at::Tensor validation =
      data::evaluation_windows(data::encode_stream(split.validation, vocab), c.window);
  const at::Tensor test =
      data::evaluation_windows(data::encode_stream(split.test, vocab), c.window);
  models::TransformerOptions o = c.transformer;
  o.vocab = vocab.size();
  o.context = c.window;
  torch::manual_seed(c.seed);
  models::CausalTransformer lm(o);
  RunTask t;
  t.metric = "bits_per_char";
  t.outputs = o.vocab;
  t.train_rows = train.size(0);
  t.module = lm.ptr();
  t.blocks = lm->blocks();
  t.chain = *lm->chain();
  auto sampler = std::make_shared<data::WindowSampler>(train, c.window, c.seed * 7919 + 1);
  const int64_t batch = c.batch;
  using torch::indexing::Slice;
  t.next_batch = [sampler, batch] {
    const at::Tensor w = sampler->next(batch);
    return std::make_pair(w.index({Slice(), Slice(0, -1)}).contiguous(),
                          w.index({Slice(), Slice(1)}).contiguous());
  };
  const int64_t v = o.vocab;
  t.loss = [v](const at::Tensor& out, const at::Tensor& y) {
    return torch::nn::functional::cross_entropy(out.reshape({-1, v}), y.reshape({-1}));
  };
  const BlockChain chain = t.chain;
  t.evaluate = [validation, test, chain, v](bool on_test, int64_t cap) {
    const at::Tensor& w = on_test ? test : validation;
    const int64_t n = cap > 0 ? std::min(cap, w.size(0)) : w.size(0);
    RunEvaluation e = evaluate_rows(n, 128, [&](int64_t i, int64_t m) {
      const at::Tensor rows = w.narrow(0, i, m);
      const at::Tensor x = rows.index({Slice(), Slice(0, -1)}).contiguous();
      const at::Tensor y = rows.index({Slice(), Slice(1)}).reshape({-1});
      const double loss =
          torch::nn::functional::cross_entropy(
              chain.forward(x).reshape({-1, v}), y,
              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
              .item<double>();
      const double bits = loss / std::log(2.0);
      return std::make_tuple(loss, bits, y.size(0));
    });
    return e;
  };
  return t;
}

}  // namespace

RunTask make_run_task(const RunConfig& c) { return c.text() ? text_task(c) : image_task(c); }

}  // namespace galt::train::detail

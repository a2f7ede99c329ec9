// The learned proposal heads and their baselines (layer_heads.h).
#include "bench/memory/layer_heads.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <unordered_map>

namespace galt::memory {
namespace {

constexpr int kN = kPacketLayers;
constexpr int kPad = 0, kUnk = 1;

struct Targets {
  torch::Tensor memory, violation, action, outcome, residual;
};

Targets targets_of(const std::vector<ContrastRow>& rows) {
  std::vector<int64_t> m, v, a, o, r;
  for (const auto& row : rows) {
    m.push_back(row.memory_layer);
    v.push_back(row.violation_layer);
    a.push_back(static_cast<int64_t>(row.action));
    o.push_back(static_cast<int64_t>(row.outcome));
    r.push_back(static_cast<int64_t>(row.residual));
  }
  auto t = [](const std::vector<int64_t>& x) { return torch::tensor(x, torch::kLong); };
  return {t(m), t(v), t(a), t(o), t(r)};
}

std::vector<float> to_vec(const torch::Tensor& row) {
  auto c = row.contiguous().to(torch::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

/// Word vocabulary from the training split only.
struct Vocabulary {
  std::unordered_map<std::string, int64_t> index;
  void build(const std::vector<ContrastRow>& rows) {
    index.clear();
    std::map<std::string, int> counts;
    for (const auto& r : rows) {
      for (const auto& w : tokenize(r.text)) ++counts[w];
    }
    int64_t next = 2;
    for (const auto& [w, c] : counts) index[w] = next++;
  }
  int64_t size() const { return static_cast<int64_t>(index.size()) + 2; }
  int64_t id(const std::string& w) const {
    auto it = index.find(w);
    return it == index.end() ? kUnk : it->second;
  }
};

// Five linear heads over a feature vector.
struct HeadsImpl : torch::nn::Module {
  torch::nn::Linear memory{nullptr}, violation{nullptr}, action{nullptr}, outcome{nullptr},
      residual{nullptr};
  explicit HeadsImpl(int64_t in) {
    memory = register_module("memory", torch::nn::Linear(in, kN));
    violation = register_module("violation", torch::nn::Linear(in, kN + 1));
    action = register_module("action", torch::nn::Linear(in, 3));
    outcome = register_module("outcome", torch::nn::Linear(in, 3));
    residual = register_module("residual", torch::nn::Linear(in, 4));
  }
  torch::Tensor loss(const torch::Tensor& h, const Targets& t, const torch::Tensor& idx) {
    namespace F = torch::nn::functional;
    return F::cross_entropy(memory(h), t.memory.index_select(0, idx)) +
           F::cross_entropy(violation(h), t.violation.index_select(0, idx)) +
           F::cross_entropy(action(h), t.action.index_select(0, idx)) +
           F::cross_entropy(outcome(h), t.outcome.index_select(0, idx)) +
           F::cross_entropy(residual(h), t.residual.index_select(0, idx));
  }
  std::vector<HeadProposal> proposals(const torch::Tensor& h) {
    auto pm = torch::softmax(memory(h), 1), pv = torch::softmax(violation(h), 1),
         pa = torch::softmax(action(h), 1), po = torch::softmax(outcome(h), 1),
         pr = torch::softmax(residual(h), 1);
    std::vector<HeadProposal> out;
    for (int64_t i = 0; i < h.size(0); ++i) {
      out.push_back({to_vec(pm[i]), to_vec(pv[i]), to_vec(pa[i]), to_vec(po[i]), to_vec(pr[i])});
    }
    return out;
  }
};
TORCH_MODULE(Heads);

// --- transformer ---------------------------------------------------------------

struct EncoderImpl : torch::nn::Module {
  torch::nn::Embedding tok{nullptr}, pos{nullptr};
  torch::nn::TransformerEncoder enc{nullptr};
  Heads heads{nullptr};
  EncoderImpl(int64_t vocab, const LayerHeadsOptions& o) {
    tok = register_module("tok", torch::nn::Embedding(vocab, o.d_model));
    pos = register_module("pos", torch::nn::Embedding(o.max_tokens, o.d_model));
    auto layer = torch::nn::TransformerEncoderLayerOptions(o.d_model, o.attention_heads)
                     .dim_feedforward(o.feedforward)
                     .dropout(o.dropout);
    enc = register_module("enc", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(
                                     layer, o.encoder_layers)));
    heads = register_module("heads", Heads(o.d_model));
  }
  // ids [B, S] → pooled features [B, d].
  torch::Tensor features(const torch::Tensor& ids) {
    const int64_t s = ids.size(1);
    auto positions = torch::arange(s, torch::kLong).unsqueeze(0);
    auto x = tok(ids) + pos(positions);  // [B, S, d]
    const auto pad = ids.eq(kPad);       // [B, S]
    auto y =
        enc->forward(x.transpose(0, 1), /*src_mask=*/torch::Tensor(), /*src_key_padding_mask=*/pad)
            .transpose(0, 1);  // [B, S, d]
    auto keep = (~pad).unsqueeze(2).to(torch::kFloat);
    return (y * keep).sum(1) / keep.sum(1).clamp_min(1.0);
  }
};
TORCH_MODULE(Encoder);

class TransformerHeads final : public LayerHeads {
 public:
  explicit TransformerHeads(LayerHeadsOptions o) : o_(o) {}
  std::string name() const override { return "transformer"; }

  void fit(const std::vector<ContrastRow>& train, unsigned seed) override {
    torch::manual_seed(seed);
    vocab_.build(train);
    model_ = Encoder(vocab_.size(), o_);
    std::vector<std::string> texts;
    for (const auto& r : train) texts.push_back(r.text);
    const auto ids = encode(texts);
    const Targets t = targets_of(train);
    torch::optim::Adam opt(model_->parameters(), torch::optim::AdamOptions(o_.lr));
    std::mt19937 rng(seed);
    std::vector<int64_t> order(train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    model_->train();
    for (int epoch = 0; epoch < o_.epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t b = 0; b < order.size(); b += o_.batch) {
        const std::size_t e = std::min(order.size(), b + static_cast<std::size_t>(o_.batch));
        auto idx = torch::tensor(std::vector<int64_t>(order.begin() + b, order.begin() + e));
        auto x = ids.index_select(0, idx);
        // Word dropout: real tokens become <unk> at random.
        auto drop = torch::rand(x.sizes()).lt(o_.word_dropout).logical_and(x.ne(kPad));
        x = torch::where(drop, torch::full_like(x, kUnk), x);
        opt.zero_grad();
        auto loss = model_->heads->loss(model_->features(x), t, idx);
        loss.backward();
        opt.step();
      }
    }
    model_->eval();
  }

  std::vector<HeadProposal> propose(const std::vector<std::string>& texts) const override {
    torch::NoGradGuard ng;
    std::vector<HeadProposal> out;
    for (std::size_t b = 0; b < texts.size(); b += 256) {
      std::vector<std::string> part(texts.begin() + b,
                                    texts.begin() + std::min(texts.size(), b + 256));
      auto p = model_->heads->proposals(model_->features(encode(part)));
      out.insert(out.end(), p.begin(), p.end());
    }
    return out;
  }

 private:
  torch::Tensor encode(const std::vector<std::string>& texts) const {
    std::vector<std::vector<int64_t>> seqs;
    std::size_t len = 1;
    for (const auto& t : texts) {
      std::vector<int64_t> s;
      for (const auto& w : tokenize(t)) {
        if (static_cast<int>(s.size()) >= o_.max_tokens) break;
        s.push_back(vocab_.id(w));
      }
      if (s.empty()) s.push_back(kUnk);
      len = std::max(len, s.size());
      seqs.push_back(std::move(s));
    }
    auto out =
        torch::zeros({static_cast<int64_t>(texts.size()), static_cast<int64_t>(len)}, torch::kLong);
    auto acc = out.accessor<int64_t, 2>();
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      for (std::size_t j = 0; j < seqs[i].size(); ++j) acc[i][j] = seqs[i][j];
    }
    return out;
  }

  LayerHeadsOptions o_;
  Vocabulary vocab_;
  mutable Encoder model_{nullptr};  // inference only in propose()
};

// --- bag of words --------------------------------------------------------------

class BowHeads final : public LayerHeads {
 public:
  explicit BowHeads(LayerHeadsOptions o) : o_(o) {}
  std::string name() const override { return "bow"; }

  void fit(const std::vector<ContrastRow>& train, unsigned seed) override {
    torch::manual_seed(seed);
    vocab_.build(train);
    heads_ = Heads(vocab_.size());
    std::vector<std::string> texts;
    for (const auto& r : train) texts.push_back(r.text);
    const auto x = encode(texts);
    const Targets t = targets_of(train);
    const auto all = torch::arange(static_cast<int64_t>(train.size()), torch::kLong);
    torch::optim::Adam opt(heads_->parameters(), torch::optim::AdamOptions(o_.bow_lr));
    for (int step = 0; step < o_.bow_epochs; ++step) {
      opt.zero_grad();
      auto loss = heads_->loss(x, t, all);
      loss.backward();
      opt.step();
    }
  }

  std::vector<HeadProposal> propose(const std::vector<std::string>& texts) const override {
    torch::NoGradGuard ng;
    return heads_->proposals(encode(texts));
  }

 private:
  torch::Tensor encode(const std::vector<std::string>& texts) const {
    auto x = torch::zeros({static_cast<int64_t>(texts.size()), vocab_.size()});
    auto acc = x.accessor<float, 2>();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      for (const auto& w : tokenize(texts[i])) acc[i][vocab_.id(w)] = 1.0F;
    }
    return x;
  }
  LayerHeadsOptions o_;
  Vocabulary vocab_;
  mutable Heads heads_{nullptr};  // inference only in propose()
};

// --- 1-nearest neighbour ------------------------------------------------------------

class NearestNeighbour final : public LayerHeads {
 public:
  std::string name() const override { return "nn1"; }

  void fit(const std::vector<ContrastRow>& train, unsigned /*seed*/) override {
    train_ = train;
    df_.clear();
    for (const auto& r : train) {
      std::map<std::string, int> seen;
      for (const auto& w : tokenize(r.text)) seen[w] = 1;
      for (const auto& [w, one] : seen) df_[w] += 1;
    }
    vecs_.clear();
    for (const auto& r : train) vecs_.push_back(tfidf(r.text));
  }

  std::vector<HeadProposal> propose(const std::vector<std::string>& texts) const override {
    std::vector<HeadProposal> out;
    for (const auto& t : texts) {
      const auto q = tfidf(t);
      double best = -1.0;
      std::size_t arg = 0;
      for (std::size_t i = 0; i < vecs_.size(); ++i) {
        double dot = 0.0;
        for (const auto& [w, x] : q) {
          auto it = vecs_[i].find(w);
          if (it != vecs_[i].end()) dot += x * it->second;
        }
        if (dot > best) {
          best = dot;
          arg = i;
        }
      }
      const ContrastRow& r = train_[arg];
      auto onehot = [](int n, int k) {
        std::vector<float> v(n, 0.0F);
        v[k] = 1.0F;
        return v;
      };
      out.push_back({onehot(kN, r.memory_layer), onehot(kN + 1, r.violation_layer),
                     onehot(3, static_cast<int>(r.action)), onehot(3, static_cast<int>(r.outcome)),
                     onehot(4, static_cast<int>(r.residual))});
    }
    return out;
  }

 private:
  std::unordered_map<std::string, double> tfidf(const std::string& text) const {
    std::unordered_map<std::string, double> v;
    for (const auto& w : tokenize(text)) v[w] += 1.0;
    double norm = 0.0;
    const double n = static_cast<double>(std::max<std::size_t>(1, train_.size()));
    for (auto& [w, x] : v) {
      auto it = df_.find(w);
      const double df = it == df_.end() ? 0.0 : it->second;
      x *= std::log((1.0 + n) / (1.0 + df)) + 1.0;
      norm += x * x;
    }
    norm = std::sqrt(std::max(norm, 1e-12));
    for (auto& [w, x] : v) x /= norm;
    return v;
  }
  std::vector<ContrastRow> train_;
  std::unordered_map<std::string, double> df_;
  std::vector<std::unordered_map<std::string, double>> vecs_;
};

}  // namespace

double access_probability(const HeadProposal& p, const AccessPolicy& policy) {
  const double accept = p.action.at(static_cast<int>(Action::kAccept)) +
                        p.action.at(static_cast<int>(Action::kAcceptWithResidual));
  const int n = static_cast<int>(p.memory.size());
  double open = 0.0;
  for (int m = 0; m < n; ++m) {
    for (int v = 0; v <= n; ++v) {
      const LayerMask active = v < n ? (LayerMask{1} << v) : 0;
      if (policy.accessible(m, active)) open += p.memory[m] * p.violation.at(v);
    }
  }
  return accept * open;
}

bool access_from_proposal(const HeadProposal& p, const AccessPolicy& policy, double threshold) {
  return access_probability(p, policy) >= threshold;
}

std::unique_ptr<LayerHeads> make_transformer_heads(const LayerHeadsOptions& options) {
  return std::make_unique<TransformerHeads>(options);
}
std::unique_ptr<LayerHeads> make_bow_heads(const LayerHeadsOptions& options) {
  return std::make_unique<BowHeads>(options);
}
std::unique_ptr<LayerHeads> make_nearest_neighbour() {
  return std::make_unique<NearestNeighbour>();
}

}  // namespace galt::memory

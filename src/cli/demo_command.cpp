// `galt demo`: a two-phase Fashion-MNIST run showing what GALT does — a
// retention edge keeps phase-A knowledge while phase B is learned, and a
// safety edge holds from the first step — next to plain AdamW on the same
// data, seed and steps.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "galt/data/dataset.h"
#include "galt/data/split.h"
#include "galt/error.h"
#include "galt/models/mlp.h"
#include "galt/solve/optimizer.h"

namespace galt::cli {
namespace {

struct DemoOptions {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  int steps = 600;  // per phase
  int hidden = 256;
  uint64_t seed = 0;
  int64_t anchors = 200;
  double kl_margin = 0.05;
  double safety_eps = 0.02;
  bool trace = false;
  SolverOptions solver;
};

// Safety semantics of the demo: an ankle boot (class 9) must never be
// labelled a sandal (class 5) — say a shop's returns policy differs.
// C = mean p(sandal | ankle-boot probe) − ε ≤ 0 on training probes; measured
// on held-out test ankle boots.
constexpr int64_t kCritical = 9, kForbidden = 5;

struct Outcome {
  double acc_a = 0, acc_b = 0, acc_all = 0, violation = 0, seconds = 0;
  int64_t steps = 0;
  std::string edges;
};

double accuracy(models::MLP& net, const data::Dataset& d) {
  torch::NoGradGuard g;
  if (d.size() == 0) return 0;
  return net->forward(d.images).argmax(1).eq(d.labels).to(torch::kFloat64).mean().item<double>();
}

double violation_rate(models::MLP& net, const data::Dataset& critical) {
  torch::NoGradGuard g;
  return net->forward(critical.images).argmax(1).eq(kForbidden).to(torch::kFloat64).mean().item<double>();
}

Outcome run(bool use_galt, const DemoOptions& o, const data::TrainTest& ds) {
  torch::manual_seed(o.seed);
  models::MLP net(std::vector<int64_t>{784, o.hidden, 10});
  const auto phase_a = std::vector<int64_t>{0, 1, 2, 3, 4};
  const auto phase_b = std::vector<int64_t>{5, 6, 7, 8, 9};
  auto train_a = data::filter_classes(ds.train, phase_a);
  auto train_b = data::filter_classes(ds.train, phase_b);
  auto test_a = data::filter_classes(ds.test, phase_a);
  auto test_b = data::filter_classes(ds.test, phase_b);
  auto critical_test = data::filter_classes(ds.test, {kCritical});
  // Safety probes and anchors come from training data only.
  auto probe = data::split_rows(data::filter_classes(ds.train, {kCritical}), 128, o.seed + 1).first;

  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (auto& b : net->blocks())
    groups.emplace_back(b.params, std::make_unique<OptimizerOptions>(OptimizerOptions(1e-3).name(b.name)));
  Optimizer opt(std::move(groups), OptimizerOptions(1e-3), o.solver);

  at::Tensor anchor_x, anchor_logp;
  auto add_safety = [&] {
    opt.add_constraint({.name = "safety: ankle boot ≠ sandal", .channel = Channel::kSafety, .layer = 0,
                        .margin = o.safety_eps, .value = [&] {
                          return torch::softmax(net->forward(probe.images), 1).select(1, kForbidden).mean();
                        }});
  };
  if (use_galt) add_safety();

  const auto t0 = std::chrono::steady_clock::now();
  Outcome out;
  auto train_phase = [&](const data::Dataset& d, uint64_t seed) {
    data::BatchSampler sampler(d.size(), 128, seed);
    for (int s = 0; s < o.steps; ++s) {
      auto idx = sampler.next();
      opt.zero_grad();
      torch::nn::functional::cross_entropy(net->forward(d.images.index_select(0, idx)),
                                           d.labels.index_select(0, idx))
          .backward();
      opt.step();
      ++out.steps;
      if (o.trace && use_galt) std::fprintf(stderr, "%s", opt.brief_report().c_str());
    }
  };
  train_phase(train_a, o.seed + 10);
  if (use_galt) {
    // Retention edge: the phase-A output distribution on 200 training anchors
    // is frozen; C = KL(anchor ‖ current) − margin ≤ 0.
    anchor_x = data::split_rows(train_a, o.anchors, o.seed + 2).first.images;
    {
      torch::NoGradGuard g;
      anchor_logp = torch::log_softmax(net->forward(anchor_x), 1);
    }
    opt.add_constraint({.name = "memory: phase-A anchors", .channel = Channel::kMemory,
                        .margin = o.kl_margin, .value = [&] {
                          auto logq = torch::log_softmax(net->forward(anchor_x), 1);
                          return (anchor_logp.exp() * (anchor_logp - logq)).sum(1).mean();
                        }});
    opt.begin_task();
  }
  train_phase(train_b, o.seed + 20);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.acc_a = accuracy(net, test_a);
  out.acc_b = accuracy(net, test_b);
  out.acc_all = accuracy(net, ds.test);
  out.violation = violation_rate(net, critical_test);
  if (use_galt) {
    // Final values, measured once more at the trained θ.
    for (const auto& e : opt.last_stats().edges) {
      char line[256];
      std::snprintf(line, sizeof line, "    %-30s C = %+.4f   λ = %.4f   ρ = %.3g   %s\n", e.name.c_str(),
                    e.value, e.lambda, e.rho, e.value <= 1e-3 ? "satisfied" : "VIOLATED");
      out.edges += line;
    }
    char line[256];
    std::snprintf(line, sizeof line, "    local solves %lld, plain AdamW block steps %lld, backward passes for Jacobians %lld\n",
                  static_cast<long long>(opt.counters().local_solves),
                  static_cast<long long>(opt.counters().adamw_steps),
                  static_cast<long long>(opt.counters().backward_passes));
    out.edges += line;
  }
  return out;
}

}  // namespace

void register_demo(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo", "Two-phase Fashion-MNIST: GALT (safety + retention edges) vs AdamW");
  cmd->add_option("--data", o->data_dir, "Fashion-MNIST directory (IDX .gz files)");
  cmd->add_option("--steps", o->steps, "optimizer steps per phase")->check(at_least(1));
  cmd->add_option("--hidden", o->hidden, "hidden width of the MLP")->check(at_least(1));
  cmd->add_option("--seed", o->seed, "random seed")->check(at_least(0));
  cmd->add_option("--inner-steps", o->solver.dual.inner_steps, "K_in: inner steps per dual update")
      ->check(at_least(1));
  cmd->add_option("--rho-max", o->solver.dual.rho_max, "ceiling of the penalty ρ")
      ->check(finite_above(0));
  cmd->add_option("--trust-radius", o->solver.trust.radius,
                  "initial trust radius, in AdamW steps (0: unbounded)")
      ->check(finite_above(0, true, "0: unbounded"));
  cmd->add_flag("--trace", o->trace, "print every GALT step's edge statistics to stderr");
  cmd->callback([o] {
    const auto ds = data::load_fashion_mnist(o->data_dir);
    std::printf("galt demo — Fashion-MNIST, MLP 784-%d-10, phase A = classes 0-4, phase B = 5-9,\n"
                "%d steps per phase, batch 128, AdamW lr 1e-3, seed %llu.\n"
                "Safety (from the first step): a held-out ankle boot must not be called a sandal.\n"
                "Retention: after phase A, 200 training anchors keep their output distribution (KL ≤ %.2f).\n\n",
                o->hidden, o->steps, static_cast<unsigned long long>(o->seed), o->kl_margin);
    const Outcome adamw = run(false, *o, ds);
    const Outcome galt = run(true, *o, ds);
    std::printf("%-8s %10s %10s %10s %22s %8s %9s\n", "method", "acc A", "acc B", "acc all",
                "boot→sandal (held out)", "steps", "wall s");
    for (const auto& [name, r] : {std::pair{"AdamW", adamw}, std::pair{"GALT", galt}})
      std::printf("%-8s %10.4f %10.4f %10.4f %22.4f %8lld %9.2f\n", name, r.acc_a, r.acc_b, r.acc_all,
                  r.violation, static_cast<long long>(r.steps), r.seconds);
    std::printf("\nGALT constraint edges at the last step:\n%s", galt.edges.c_str());
  });
}

}  // namespace galt::cli

// `galt train`'s run configs (layout in include/galt/train/run_config.h).
#include "galt/train/run_config.h"

#include <set>
#include <string>

#include "galt/error.h"
#include "train/toml_reader.h"

namespace galt::train {

namespace {

bool flag(const toml::table* t, const detail::Reader& r, const std::string& tname,
          const std::string& key, bool def) {
  if (!t) return def;
  const auto* n = t->get(key);
  if (!n) return def;
  if (!n->is_boolean()) r.fail(tname + "." + key, "expected true or false");
  return *n->value<bool>();
}

}  // namespace

void check_run_config(const RunConfig& c) {
  const std::string src = c.source.empty() ? "<config>" : c.source;
  auto fail = [&](const std::string& key, const std::string& what) {
    throw InputError(src + ": " + key + ": " + what);
  };
  if (c.model != "mlp" && c.model != "transformer") fail("model.kind", "\"" + c.model + "\"");
  if (c.data != "fashion" && c.data != "mnist" && c.data != "fortunes")
    fail("data.name", "\"" + c.data + "\"");
  if (c.text() && c.model != "transformer")
    fail("model.kind", "data \"fortunes\" is text: it needs kind = \"transformer\"");
  if (!c.text() && c.model != "mlp")
    fail("model.kind", "data \"" + c.data + "\" is images: it needs kind = \"mlp\"");
  for (int64_t h : c.hidden)
    if (h < 1) fail("model.hidden", "every width must be >= 1");
  if (c.model == "transformer") {
    models::TransformerOptions o = c.transformer;
    o.vocab = 1;
    o.context = c.window;
    try {
      models::check_transformer_options(o);
    } catch (const InputError& e) {
      fail("[model]", e.what());
    }
  }
  if (!(c.validation >= 0 && c.validation < 1)) fail("data.validation", "expected [0, 1)");
  if (!(c.test >= 0 && c.test < 1) || !(c.validation + c.test < 1))
    fail("data.test", "expected [0, 1) with validation + test < 1");
  if (c.window < 1 || c.window > 512) fail("data.window", "expected 1 ... 512");
  if (c.steps < 1) fail("train.steps", "expected >= 1");
  if (c.batch < 1) fail("train.batch", "expected >= 1");
  if (!(c.lr > 0) || !std::isfinite(c.lr)) fail("train.lr", "expected a finite number > 0");
  if (c.eval_every < 0) fail("train.eval_every", "expected >= 0");
  if (c.eval_rows < 0) fail("train.eval_rows", "expected >= 0");
  if (c.trace_every < 1) fail("train.trace_every", "expected >= 1");
  if (c.refresh_period < 1) fail("galt.refresh_period", "expected >= 1");
  if (std::isnan(c.refresh_trigger)) fail("galt.refresh_trigger", "expected a number");
  if (!(c.fwd_tol > 0) || !std::isfinite(c.fwd_tol)) fail("galt.fwd_tol", "expected > 0");
  if (c.fwd_probe < 1) fail("galt.fwd_probe", "expected >= 1");
  if (!(c.rho_max > 0) || !std::isfinite(c.rho_max)) fail("galt.rho_max", "expected > 0");
  if (c.inner_steps < 1) fail("galt.inner_steps", "expected >= 1");
  if (c.executor != "serial" && c.executor != "threads" && c.executor != "processes")
    fail("executor.kind", "\"" + c.executor + "\"");
  if (c.threads < 1 || c.threads > 256) fail("executor.threads", "expected 1 ... 256");
  if (c.order != "jacobi" && c.order != "gauss-seidel") fail("executor.order", c.order);
  if (c.partition != "contiguous" && c.partition != "round-robin")
    fail("executor.partition", c.partition);
}

RunConfig parse_run_config(const std::string& text, const std::string& source) {
  const toml::table root = detail::parse_toml(text, source);
  const detail::Reader r(source);
  static const std::set<std::string> tables{"model", "data", "train", "galt", "executor"};
  for (const auto& [k, _] : root)
    if (!tables.count(std::string(k.str())))
      r.fail("[" + std::string(k.str()) + "]",
             "unknown table (known: model, data, train, galt, executor)");
  RunConfig c;
  c.source = source;

  const auto* m =
      r.table(root, "model",
              {"kind", "hidden", "width", "layers", "heads", "ff_multiplier", "layers_per_block"});
  c.model = r.string(m, "model", "kind", c.model, {"mlp", "transformer"});
  c.hidden = r.array<int64_t>(m, "model", "hidden", c.hidden);
  auto& t = c.transformer;
  t.width = r.integer(m, "model", "width", t.width, 1, 4096);
  t.layers = r.integer(m, "model", "layers", t.layers, 1, 64);
  t.heads = r.integer(m, "model", "heads", t.heads, 1, 256);
  t.ff_multiplier = r.integer(m, "model", "ff_multiplier", t.ff_multiplier, 1, 16);
  t.layers_per_block = r.integer(m, "model", "layers_per_block", t.layers_per_block, 1, 64);

  const auto* d = r.table(root, "data", {"name", "validation", "test", "window", "split_seed"});
  c.data = r.string(d, "data", "name", c.data, {"fashion", "mnist", "fortunes"});
  c.validation = r.number(d, "data", "validation", c.validation);
  c.test = r.number(d, "data", "test", c.test);
  c.window = r.integer(d, "data", "window", c.window, 1, 512);
  c.split_seed = static_cast<uint64_t>(r.integer(d, "data", "split_seed", 0, 0));

  const auto* tr = r.table(
      root, "train", {"steps", "batch", "lr", "seed", "eval_every", "eval_rows", "trace_every"});
  c.steps = r.integer(tr, "train", "steps", c.steps, 1);
  c.batch = r.integer(tr, "train", "batch", c.batch, 1, 1 << 20);
  c.lr = r.number(tr, "train", "lr", c.lr);
  c.seed = static_cast<uint64_t>(r.integer(tr, "train", "seed", 1, 0));
  c.eval_every = r.integer(tr, "train", "eval_every", c.eval_every, 0);
  c.eval_rows = r.integer(tr, "train", "eval_rows", c.eval_rows, 0);
  c.trace_every = r.integer(tr, "train", "trace_every", c.trace_every, 1);

  const auto* g = r.table(root, "galt",
                          {"local_steps", "refresh_period", "refresh_trigger", "forward_edges",
                           "fwd_tol", "fwd_probe", "rho_max", "inner_steps"});
  c.local_steps = flag(g, r, "galt", "local_steps", c.local_steps);
  c.refresh_period = r.integer(g, "galt", "refresh_period", c.refresh_period, 1);
  c.refresh_trigger = r.number(g, "galt", "refresh_trigger", c.refresh_trigger);
  c.forward_edges = flag(g, r, "galt", "forward_edges", c.forward_edges);
  c.fwd_tol = r.number(g, "galt", "fwd_tol", c.fwd_tol);
  c.fwd_probe = r.integer(g, "galt", "fwd_probe", c.fwd_probe, 1);
  c.rho_max = r.number(g, "galt", "rho_max", c.rho_max);
  c.inner_steps = r.integer(g, "galt", "inner_steps", c.inner_steps, 1, 1 << 20);

  const auto* e = r.table(root, "executor", {"kind", "threads", "order", "partition"});
  c.executor = r.string(e, "executor", "kind", c.executor, {"serial", "threads", "processes"});
  c.threads = static_cast<int>(r.integer(e, "executor", "threads", c.threads, 1, 256));
  c.order = r.string(e, "executor", "order", c.order, {"jacobi", "gauss-seidel"});
  c.partition = r.string(e, "executor", "partition", c.partition, {"contiguous", "round-robin"});

  check_run_config(c);
  return c;
}

RunConfig load_run_config(const std::string& path) {
  return parse_run_config(detail::read_config_file(path), path);
}

}  // namespace galt::train

// `galt train`'s run configs: defaults, every table, and the errors.
#include <galt/error.h>
#include <galt/train/run_config.h>
#include <gtest/gtest.h>

namespace galt::train {
namespace {

TEST(RunConfig, DefaultsAndEveryTable) {
  const RunConfig d = parse_run_config("");
  EXPECT_EQ(d.model, "mlp");
  EXPECT_EQ(d.data, "fashion");
  EXPECT_TRUE(d.local_steps);
  const RunConfig c = parse_run_config(R"(
[model]
kind = "transformer"
width = 32
layers = 4
heads = 2
layers_per_block = 2
[data]
name = "fortunes"
window = 32
validation = 0.05
test = 0.05
split_seed = 3
[train]
steps = 50
batch = 8
lr = 0.003
seed = 9
eval_every = 10
eval_rows = 20
trace_every = 5
[galt]
local_steps = false
refresh_period = 3
refresh_trigger = 0.2
forward_edges = false
fwd_tol = 0.1
fwd_probe = 8
rho_max = 10.0
inner_steps = 2
[executor]
kind = "threads"
threads = 2
order = "gauss-seidel"
partition = "round-robin"
)",
                                       "t.toml");
  EXPECT_EQ(c.transformer.width, 32);
  EXPECT_EQ(c.transformer.layers_per_block, 2);
  EXPECT_EQ(c.window, 32);
  EXPECT_EQ(c.split_seed, 3u);
  EXPECT_EQ(c.steps, 50);
  EXPECT_DOUBLE_EQ(c.lr, 0.003);
  EXPECT_FALSE(c.local_steps);
  EXPECT_FALSE(c.forward_edges);
  EXPECT_EQ(c.inner_steps, 2);
  EXPECT_EQ(c.executor, "threads");
  EXPECT_EQ(c.order, "gauss-seidel");
  EXPECT_EQ(c.partition, "round-robin");
  EXPECT_TRUE(c.text());
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    parse_run_config(text, "bad.toml");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.toml"), std::string::npos) << e.what();
  }
}

TEST(RunConfig, ErrorsNameTheKey) {
  expect_error("[modle]\nkind = \"mlp\"", "[modle]");
  expect_error("[train]\nstesp = 3", "train.stesp");
  expect_error("[train]\nsteps = \"many\"", "train.steps");
  expect_error("[train]\nsteps = 0", "train.steps");
  expect_error("[train]\nlr = nan", "train.lr");
  expect_error("[train]\nlr = -1.0", "train.lr");
  expect_error("[galt]\nlocal_steps = 1", "galt.local_steps");
  expect_error("[data]\nname = \"fortunes\"", "model.kind");      // an MLP on text
  expect_error("[model]\nkind = \"transformer\"", "model.kind");  // a transformer on images
  expect_error(
      "[model]\nkind = \"transformer\"\nwidth = 30\nheads = 4\n[data]\nname = \"fortunes\"",
      "heads");
  expect_error("[data]\nvalidation = 0.6\ntest = 0.5", "data.test");
  expect_error("[executor]\nkind = \"gpu\"", "executor.kind");
  expect_error("[train\nsteps = 1", "TOML syntax error");
  EXPECT_THROW(load_run_config("/nonexistent/run.toml"), InputError);
}

}  // namespace
}  // namespace galt::train

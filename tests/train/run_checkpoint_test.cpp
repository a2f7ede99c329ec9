// Checkpoints of runs in progress (include/galt/train/run_checkpoint.h):
// for every method a run killed after a checkpoint and continued by a fresh
// runner ends with the uninterrupted run's numbers, bit for bit; writing
// checkpoints changes nothing; a damaged checkpoint is ignored and a foreign
// one refused (with a warning, the run restarting from its beginning).
#include "galt/train/run_checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "galt/train/bench_report.h"
#include "galt/train/run_store.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

using testing::synthetic_data;
using testing::tiny_protocol;
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto d =
      fs::temp_directory_path() / ("galt-checkpoint-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

// A run's JSON without what differs between pieces by nature (seconds are
// summed over the pieces; the commit is the store's stamp).
std::string comparable(const SeedRun& run, Scenario s) {
  auto j = seed_run_json(run, s);
  j.erase("wall_seconds");
  j.erase("eval_seconds");
  j.erase("commit");
  return j.dump();
}

// The "kill": thrown from step_taken at one step, after that step's
// checkpoint (if due) was written.
struct Killed {};
struct KillAt : RunCallback {
  explicit KillAt(int64_t step) : step(step) {}
  void step_taken(const std::string&, uint64_t, int64_t s, int64_t) override {
    if (s == step) throw Killed{};
  }
  int64_t step;
};

struct Watch : RunCallback {
  std::vector<std::string> warnings;
  std::vector<int64_t> resumed_at, written_at;
  void warning(const std::string& m) override { warnings.push_back(m); }
  void run_resumed(const std::string&, uint64_t, int64_t step, int64_t) override {
    resumed_at.push_back(step);
  }
  void checkpoint_written(const std::string&, uint64_t, int64_t step, int64_t bytes,
                          double) override {
    EXPECT_GT(bytes, 0);
    written_at.push_back(step);
  }
};

constexpr int64_t kEvery = 4;  // tiny_protocol: 5 tasks × 6 steps, so 12 and 24 end tasks

SeedRun run_once(const ProtocolConfig& p, const data::TrainTest& data, const fs::path& dir,
                 int64_t every, std::vector<std::shared_ptr<RunCallback>> callbacks = {},
                 const std::string& commit = "abc123") {
  ContinualRunner r(p);
  r.set_data(data);
  if (!dir.empty()) r.set_run_store(std::make_shared<DirectoryRunStore>(dir.string(), commit));
  r.set_checkpoint_every(every);
  for (auto& cb : callbacks) r.add_callback(cb);
  return r.run().methods.at(0).runs.at(0);
}

// Runs `p` (one method, one seed) killed at each of `kills` in turn, each
// piece a fresh runner over the same store; returns the last piece's run.
SeedRun run_in_pieces(const ProtocolConfig& p, const data::TrainTest& data, const fs::path& dir,
                      const std::vector<int64_t>& kills, Watch* watch = nullptr) {
  for (int64_t k : kills) {
    std::vector<std::shared_ptr<RunCallback>> cbs{std::make_shared<KillAt>(k)};
    EXPECT_THROW(run_once(p, data, dir, kEvery, cbs), Killed) << "kill at " << k;
  }
  std::vector<std::shared_ptr<RunCallback>> cbs;
  auto w = std::make_shared<Watch>();
  cbs.push_back(w);
  const auto run = run_once(p, data, dir, kEvery, cbs);
  if (watch) *watch = *w;
  return run;
}

ProtocolConfig one_method(const std::string& method, MethodOptions options = {}) {
  auto p = tiny_protocol({method});
  if (!options.empty()) p.method_options[method] = std::move(options);
  return p;
}

// Every method, and variants that keep more state between steps: memory
// batches smaller than the memory (the tiny protocol's 8 anchors per task are
// otherwise drawn whole, and the sampler's stream never matters), GALT's
// edges linearised between refreshes, local steps, a proxy edge, a ramped
// ceiling, traces every few steps.
std::vector<std::pair<std::string, MethodOptions>> cases() {
  std::vector<std::pair<std::string, MethodOptions>> out;
  for (const auto& m : method_names()) out.push_back({m, {}});
  out.push_back({"replay", {{"replay_batch", 3}}});
  out.push_back({"er_kd", {{"replay_batch", 5}}});
  out.push_back({"derpp", {{"replay_batch", 3}}});
  out.push_back({"agem", {{"ref_batch", 5}}});
  out.push_back({"galt", {{"rehearsal_batch", 5}}});
  out.push_back({"galt", {{"refresh_every", 3}, {"trace_every", 5}, {"memory_rho_ramp", 1}}});
  out.push_back({"galt", {{"safety_dual_rows", 2}, {"trace_every", 2}, {"penalty_rule", 1}}});
  out.push_back({"galt_local", {{"refresh_period", 5}, {"trigger", 1e6}, {"trace_every", 3}}});
  out.push_back({"lagrangian_gda", {{"trace_every", 2}, {"safety_dual_rows", 2}}});
  return out;
}

std::string label(const std::pair<std::string, MethodOptions>& c) {
  std::string s = c.first;
  for (const auto& [k, v] : c.second) s += " " + k + "=" + std::to_string(v);
  return s;
}

TEST(RunCheckpoint, EveryMethodResumedAfterAKillEqualsTheUninterruptedRun) {
  const auto data = synthetic_data();
  int i = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(label(c));
    const auto p = one_method(c.first, c.second);
    const auto whole = run_once(p, data, {}, 0);
    // Checkpoints written (every 4 steps) and the run not killed: the same
    // run, and no checkpoint left once it is stored.
    const auto dir = fresh_dir("whole-" + std::to_string(i));
    auto watch = std::make_shared<Watch>();
    const auto with_checkpoints = run_once(p, data, dir, kEvery, {watch});
    EXPECT_EQ(comparable(with_checkpoints, p.scenario), comparable(whole, p.scenario));
    EXPECT_EQ(watch->written_at, (std::vector<int64_t>{4, 8, 12, 16, 20, 24, 28}));
    EXPECT_TRUE(watch->warnings.empty());
    DirectoryRunStore store(dir.string(), "abc123");
    EXPECT_FALSE(fs::exists(store.checkpoint_path(p, c.first, 0)));
    EXPECT_TRUE(fs::exists(store.path_of(p, c.first, 0)));

    // Killed at 14 (continued from 12: the last step of task 1, before its
    // anchors are frozen), again at 19 (from 16, inside task 2), at 29
    // (from 28, inside the last task).
    const auto pieces_dir = fresh_dir("pieces-" + std::to_string(i++));
    Watch last;
    const auto pieces = run_in_pieces(p, data, pieces_dir, {14, 19, 29}, &last);
    EXPECT_EQ(comparable(pieces, p.scenario), comparable(whole, p.scenario));
    EXPECT_EQ(last.resumed_at, std::vector<int64_t>{28});
    EXPECT_TRUE(last.warnings.empty()) << last.warnings.front();
    EXPECT_EQ(pieces.counters.steps, whole.counters.steps);
    EXPECT_GT(pieces.wall_seconds, 0.0);
    fs::remove_all(dir);
    fs::remove_all(pieces_dir);
  }
}

TEST(RunCheckpoint, ResumesBitForBitWithTwoThreads) {
  const int before = torch::get_num_threads();
  torch::set_num_threads(2);
  const auto data = synthetic_data(80, 10);
  for (const std::string m : {"galt", "replay"}) {
    SCOPED_TRACE(m);
    auto p = one_method(m, m == "replay" ? MethodOptions{{"replay_batch", 5}} : MethodOptions{});
    p.hidden = {64};
    p.batch = 64;
    const auto whole = run_once(p, data, {}, 0);
    const auto dir = fresh_dir("threads-" + m);
    const auto pieces = run_in_pieces(p, data, dir, {10, 23});
    EXPECT_EQ(comparable(pieces, p.scenario), comparable(whole, p.scenario));
    fs::remove_all(dir);
  }
  torch::set_num_threads(before);
}

// A checkpoint written and the run killed; returns the checkpoint's path.
std::string killed_run(const ProtocolConfig& p, const data::TrainTest& data, const fs::path& dir,
                       int64_t kill = 14, const std::string& commit = "abc123") {
  std::vector<std::shared_ptr<RunCallback>> cbs{std::make_shared<KillAt>(kill)};
  EXPECT_THROW(run_once(p, data, dir, kEvery, cbs, commit), Killed);
  const auto path = DirectoryRunStore(dir.string(), commit).checkpoint_path(p, p.methods.at(0), 0);
  EXPECT_TRUE(fs::exists(path));
  return path;
}

TEST(RunCheckpoint, DamagedCheckpointIsIgnoredWithAWarning) {
  const auto data = synthetic_data();
  const auto p = one_method("galt");
  const auto whole = run_once(p, data, {}, 0);
  const std::vector<std::pair<std::string, std::function<void(std::string&)>>> damage{
      {"a flipped payload byte", [](std::string& b) { b[b.size() - 100] ^= 0x40; }},
      {"truncated", [](std::string& b) { b.resize(b.size() / 2); }},
      {"truncated in the header", [](std::string& b) { b.resize(30); }},
      {"not a checkpoint", [](std::string& b) { b = "{}"; }},
      {"a float for the step", [](std::string& b) {
         const auto at = b.find("\"step\":");
         b.insert(at + 7, "1e300,\"x\":");
       }}};
  for (const auto& [what, hurt] : damage) {
    SCOPED_TRACE(what);
    const auto dir = fresh_dir("damaged");
    const auto path = killed_run(p, data, dir);
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    hurt(bytes);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto watch = std::make_shared<Watch>();
    ::testing::internal::CaptureStderr();
    const auto run = run_once(p, data, dir, kEvery, {watch});
    const std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(watch->warnings.size(), 1u);
    EXPECT_NE(watch->warnings[0].find("ignoring the damaged checkpoint"), std::string::npos)
        << watch->warnings[0];
    EXPECT_NE(err.find("galt: warning: ignoring the damaged checkpoint"), std::string::npos) << err;
    EXPECT_TRUE(watch->resumed_at.empty());  // started from its beginning
    EXPECT_EQ(comparable(run, p.scenario), comparable(whole, p.scenario));
    fs::remove_all(dir);
  }
}

TEST(RunCheckpoint, ForeignCheckpointIsRefusedWithAWarning) {
  const auto data = synthetic_data();
  // Another commit's checkpoint.
  {
    const auto p = one_method("replay");
    const auto whole = run_once(p, data, {}, 0);
    const auto dir = fresh_dir("commit");
    killed_run(p, data, dir, 14, "old0001");
    auto watch = std::make_shared<Watch>();
    ::testing::internal::CaptureStderr();
    const auto run = run_once(p, data, dir, kEvery, {watch}, "new0002");
    ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(watch->warnings.size(), 1u);
    EXPECT_NE(watch->warnings[0].find("refusing the checkpoint"), std::string::npos);
    EXPECT_NE(watch->warnings[0].find("commit \"old0001\", this run has \"new0002\""),
              std::string::npos)
        << watch->warnings[0];
    EXPECT_TRUE(watch->resumed_at.empty());
    EXPECT_EQ(comparable(run, p.scenario), comparable(whole, p.scenario));
    fs::remove_all(dir);
  }
  // Another method's (and another setting's) checkpoint put in this run's place.
  {
    const auto other_method = one_method("galt");
    const auto p = one_method("replay");
    const auto whole = run_once(p, data, {}, 0);
    const auto dir = fresh_dir("foreign");
    const auto theirs = killed_run(other_method, data, dir);
    const auto ours = DirectoryRunStore(dir.string(), "abc123").checkpoint_path(p, "replay", 0);
    fs::create_directories(fs::path(ours).parent_path());
    fs::copy_file(theirs, ours);
    auto watch = std::make_shared<Watch>();
    ::testing::internal::CaptureStderr();
    const auto run = run_once(p, data, dir, kEvery, {watch});
    ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(watch->warnings.size(), 1u);
    EXPECT_NE(watch->warnings[0].find("method \"galt\", this run has \"replay\""),
              std::string::npos)
        << watch->warnings[0];
    EXPECT_EQ(comparable(run, p.scenario), comparable(whole, p.scenario));
    fs::remove_all(dir);
  }
  // The same method under other options: the fingerprint differs.
  {
    const auto p = one_method("replay");
    const auto q = one_method("replay", {{"replay_batch", 64}});
    const auto dir = fresh_dir("options");
    const auto theirs = killed_run(p, data, dir);
    const auto ours = DirectoryRunStore(dir.string(), "abc123").checkpoint_path(q, "replay", 0);
    ASSERT_NE(theirs, ours);
    fs::create_directories(fs::path(ours).parent_path());
    fs::copy_file(theirs, ours);
    auto watch = std::make_shared<Watch>();
    ::testing::internal::CaptureStderr();
    const auto run = run_once(q, data, dir, kEvery, {watch});
    ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(watch->warnings.size(), 1u);
    EXPECT_NE(watch->warnings[0].find("other protocol settings or method options"),
              std::string::npos)
        << watch->warnings[0];
    EXPECT_EQ(comparable(run, q.scenario), comparable(run_once(q, data, {}, 0), q.scenario));
    fs::remove_all(dir);
  }
}

TEST(RunCheckpoint, FileReadsBackAndChecksItsIdentity) {
  const auto dir = fresh_dir("file");
  fs::create_directories(dir);
  const std::string path = (dir / "seed0.checkpoint").string();
  const CheckpointIdentity id{"0123456789abcdef", "galt", 0, "abc123", "intra-op 1, BLAS 1"};
  EXPECT_EQ(read_checkpoint(path, id).status, CheckpointStatus::kAbsent);
  std::string payload(1000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  write_checkpoint(path, id, 12, payload);
  auto r = read_checkpoint(path, id);
  ASSERT_EQ(r.status, CheckpointStatus::kUsable) << r.message;
  EXPECT_EQ(r.payload, payload);
  EXPECT_EQ(r.step, 12);
  EXPECT_TRUE(r.message.empty());
  // No temporary file is left beside it.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  auto other = id;
  other.seed = 1;
  EXPECT_EQ(read_checkpoint(path, other).status, CheckpointStatus::kForeign);
  other = id;
  other.threads = "intra-op 2, BLAS 1";  // continued, with a note
  r = read_checkpoint(path, other);
  EXPECT_EQ(r.status, CheckpointStatus::kUsable);
  EXPECT_NE(r.message.find("neither uninterrupted run"), std::string::npos);
  // A newer format is refused, not read.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find("\"format\":1");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 10, "\"format\":2");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  r = read_checkpoint(path, id);
  EXPECT_EQ(r.status, CheckpointStatus::kForeign);
  EXPECT_NE(r.message.find("format 2"), std::string::npos) << r.message;
  fs::remove_all(dir);
}

TEST(RunCheckpoint, AMethodWithoutStateSaysSo) {
  struct NoState : ContinualMethod {
    std::string name() const override { return "nostate"; }
    void begin(TrainingContext&) override {}
    void train_step(TrainingContext&, const at::Tensor&, const at::Tensor&) override {}
  } m;
  EXPECT_FALSE(m.can_checkpoint());
  torch::serialize::OutputArchive out;
  TrainingContext ctx;
  try {
    m.save_state(out, ctx);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'nostate' cannot be checkpointed"), std::string::npos);
  }
  for (const auto& name : method_names())
    EXPECT_TRUE(make_method(name, {}, tiny_protocol({name}))->can_checkpoint()) << name;
  ContinualRunner r(tiny_protocol({"galt"}));
  EXPECT_THROW(r.set_checkpoint_every(-1), InputError);
}

}  // namespace
}  // namespace galt::train

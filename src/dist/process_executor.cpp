#include "galt/dist/process_executor.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cstring>
#include <exception>

#include "galt/dist/replica_check.h"
#include "galt/error.h"

namespace galt::dist {
namespace {

using Clock = std::chrono::steady_clock;

// A block's broadcast: an 8-byte status (0: the step succeeded; 1: it threw;
// 2: it threw an InputError), then the bytes of every tensor of its
// BlockState, in order. Bytes, not values: the receiver holds the owner's
// bits exactly.
constexpr int64_t kHeader = 8;

int64_t payload_size(const std::vector<at::Tensor>& ts) {
  int64_t n = kHeader;
  for (const auto& t : ts) n += static_cast<int64_t>(t.nbytes());
  return n;
}

void pack(const std::vector<at::Tensor>& ts, int64_t status, at::Tensor& buf) {
  uint8_t* p = buf.data_ptr<uint8_t>();
  std::memcpy(p, &status, sizeof status);
  p += kHeader;
  if (status != 0) return;
  for (const auto& t : ts) {
    if (!t.device().is_cpu())
      throw std::logic_error("process executor: block state tensors must be on the CPU");
    const auto c = t.contiguous();
    std::memcpy(p, c.data_ptr(), c.nbytes());
    p += c.nbytes();
  }
}

int64_t status_of(const at::Tensor& buf) {
  int64_t s = 0;
  std::memcpy(&s, buf.data_ptr<uint8_t>(), sizeof s);
  return s;
}

// Fresh tensors shaped like `like`, filled from the buffer.
std::vector<at::Tensor> unpack(const at::Tensor& buf, const std::vector<at::Tensor>& like) {
  const uint8_t* p = buf.data_ptr<uint8_t>() + kHeader;
  std::vector<at::Tensor> out;
  out.reserve(like.size());
  for (const auto& t : like) {
    auto o = at::empty(t.sizes(), t.options().memory_format(at::MemoryFormat::Contiguous));
    std::memcpy(o.data_ptr(), p, o.nbytes());
    p += o.nbytes();
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

ProcessExecutor::ProcessExecutor(std::shared_ptr<ProcessGroup> group,
                                 ProcessExecutorOptions options)
    : group_(std::move(group)), options_(std::move(options)) {
  if (!group_) throw InputError("process executor: the process group is null");
  if (!options_.local) options_.local = std::make_shared<SerialExecutor>();
}

std::string ProcessExecutor::name() const {
  return "processes(" + std::to_string(group_->world_size()) + ")";
}

void ProcessExecutor::run(const BlockSchedule&, const std::function<void(int)>&,
                          const std::function<void(int)>&) {
  throw std::logic_error(
      "process executor: run needs the block state (what a step changes) to send it to the "
      "other ranks; call run(schedule, before_colour, step, state)");
}

void ProcessExecutor::run(const BlockSchedule& schedule,
                          const std::function<void(int)>& before_colour,
                          const std::function<void(int)>& step, const BlockState& state) {
  if (!state.save || !state.load)
    throw std::logic_error("process executor: the block state has no save/load");
  int blocks = 0;
  for (const auto& colour : schedule.colours)
    for (int b : colour) blocks = std::max(blocks, b + 1);
  const int me = group_->rank();
  if (static_cast<int>(owners_.size()) != blocks)
    owners_ = block_owners(blocks, group_->world_size(), options_.partition);
  ++traffic_.runs;
  for (int c = 0; c < schedule.num_colours(); ++c) {
    before_colour(c);
    const auto& colour = schedule.colours[c];
    ++traffic_.colours;

    // 1. This rank's blocks of the colour.
    BlockSchedule own{{{}}};
    for (int b : colour)
      if (owners_[b] == me) own.colours[0].push_back(b);
    int64_t status = 0;
    std::exception_ptr error;
    try {
      if (!own.colours[0].empty())
        options_.local->run(
            own, [](int) {}, step);
    } catch (const InputError& e) {
      status = 2;
      error = std::current_exception();
      group_->post("step-error/" + std::to_string(me), e.what());
    } catch (const std::exception& e) {
      status = 1;
      error = std::current_exception();
      group_->post("step-error/" + std::to_string(me), e.what());
    } catch (...) {
      status = 1;
      error = std::current_exception();
      group_->post("step-error/" + std::to_string(me), "unknown exception");
    }
    traffic_.blocks_stepped += static_cast<int64_t>(own.colours[0].size());

    // 2. Every block of the colour from its owner.
    const auto t0 = Clock::now();
    std::vector<std::vector<at::Tensor>> saved(colour.size());
    std::vector<at::Tensor> bufs(colour.size());
    std::vector<int> owners(colour.size());
    for (size_t i = 0; i < colour.size(); ++i) {
      const int b = colour[i];
      saved[i] = state.save(b);  // the owner's new state; elsewhere buffers' shapes
      bufs[i] = at::empty({payload_size(saved[i])}, at::kByte);
      owners[i] = owners_[b];
      if (owners[i] == me) pack(saved[i], status, bufs[i]);
      traffic_.bytes += bufs[i].numel();
    }
    traffic_.broadcasts += static_cast<int64_t>(colour.size());
    group_->broadcast(bufs, owners);
    int remote_status = 0, remote_rank = -1, remote_block = -1;
    for (size_t i = 0; i < colour.size(); ++i) {
      if (owners[i] == me) continue;
      const int64_t s = status_of(bufs[i]);
      if (s != 0) {
        if (remote_rank < 0 || s > remote_status) {
          remote_status = static_cast<int>(s);
          remote_rank = owners[i];
          remote_block = colour[i];
        }
        continue;
      }
      state.load(colour[i], unpack(bufs[i], saved[i]));
    }
    traffic_.exchange_seconds += std::chrono::duration<double>(Clock::now() - t0).count();

    if (error) std::rethrow_exception(error);
    if (remote_rank >= 0) {
      std::string why = group_->read("step-error/" + std::to_string(remote_rank));
      const std::string msg = "rank " + std::to_string(remote_rank) + "'s step of block " +
                              std::to_string(remote_block) + " failed" +
                              (why.empty() ? std::string() : ": " + why);
      if (remote_status == 2) throw InputError(msg);
      throw std::runtime_error(msg);
    }
  }
}

std::shared_ptr<ProcessExecutor> distribute(Optimizer& opt, std::shared_ptr<ProcessGroup> group,
                                            ProcessExecutorOptions options, int64_t check_every) {
  if (!group) throw InputError("distribute: the process group is null");
  check_partition(static_cast<int>(opt.param_groups().size()), group->world_size());
  auto ex = std::make_shared<ProcessExecutor>(group, std::move(options));
  opt.set_executor(ex);
  if (check_every > 0) opt.add_callback(std::make_shared<ReplicaCheck>(group, check_every));
  return ex;
}

}  // namespace galt::dist

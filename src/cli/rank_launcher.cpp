#include "cli/rank_launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "galt/error.h"

extern char** environ;

namespace galt::cli {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int sig) { g_interrupted = sig; }

struct Rank {
  pid_t pid = -1;
  int fd[2] = {-1, -1};    // stdout, stderr read ends
  std::string partial[2];  // an unfinished line per stream
  bool running = true;
  int status = 0;
};

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) +
           (name ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

bool failed(int status) { return WIFSIGNALED(status) || WEXITSTATUS(status) != 0; }

// Forwards every complete line read from `fd`; at EOF also the unfinished
// one. Returns false at EOF.
bool forward(Rank& rk, int stream, int rank, std::FILE* to) {
  char buf[4096];
  const ssize_t n = ::read(rk.fd[stream], buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  std::string& part = rk.partial[stream];
  if (n <= 0) {
    if (!part.empty()) std::fprintf(to, "[rank %d] %s\n", rank, part.c_str());
    part.clear();
    std::fflush(to);
    return false;
  }
  part.append(buf, static_cast<size_t>(n));
  size_t start = 0, nl;
  while ((nl = part.find('\n', start)) != std::string::npos) {
    std::fprintf(to, "[rank %d] %.*s\n", rank, static_cast<int>(nl - start), part.data() + start);
    start = nl + 1;
  }
  part.erase(0, start);
  std::fflush(to);
  return true;
}

std::vector<std::string> rank_environment(const RankLaunch& l, int rank, int port) {
  static const char* kOurs[] = {"RANK=",
                                "WORLD_SIZE=",
                                "LOCAL_RANK=",
                                "LOCAL_WORLD_SIZE=",
                                "MASTER_ADDR=",
                                "MASTER_PORT=",
                                "TORCHELASTIC_USE_AGENT_STORE="};
  std::vector<std::string> env;
  bool has_threads = false;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    bool ours = false;
    for (const char* k : kOurs) ours = ours || kv.rfind(k, 0) == 0;
    if (kv.rfind("GALT_THREADS=", 0) == 0) has_threads = true;
    if (!ours) env.push_back(kv);
  }
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=" + std::to_string(l.ranks));
  env.push_back("LOCAL_RANK=" + std::to_string(rank));
  env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(l.ranks));
  env.push_back("MASTER_ADDR=" + l.master_addr);
  env.push_back("MASTER_PORT=" + std::to_string(port));
  if (!has_threads) {
    const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    env.push_back("GALT_THREADS=" + std::to_string(std::max(1L, cores / l.ranks)));
  }
  return env;
}

}  // namespace

void validate(const RankLaunch& l) {
  if (l.ranks < 1)
    throw InputError("launch: --ranks is " + std::to_string(l.ranks) + "; it must be ≥ 1");
  if (l.args.empty())
    throw InputError("launch: no command to run (usage: galt launch --ranks N -- <command> ...)");
  if (l.master_port < 0 || l.master_port > 65535)
    throw InputError("launch: --master-port " + std::to_string(l.master_port) +
                     " is outside 0..65535 (0: a free port)");
  if (l.master_addr.empty()) throw InputError("launch: --master-addr is empty");
  if (!(l.grace_seconds >= 0 && l.grace_seconds <= kMaxGraceSeconds))
    throw InputError("launch: --grace " + std::to_string(l.grace_seconds) +
                     " is outside [0, " + std::to_string(static_cast<int>(kMaxGraceSeconds)) +
                     "] seconds");
}

int free_port(const std::string& addr) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) throw std::runtime_error(std::string("launch: socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  if (::inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1) a.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(s);
    throw std::runtime_error("launch: no free port on " + addr + ": " + why);
  }
  ::close(s);
  return ntohs(a.sin_port);
}

int launch_ranks(const RankLaunch& l) {
  validate(l);
  const int port = l.master_port != 0 ? l.master_port : free_port(l.master_addr);

  // Everything exec needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<std::string> argv_s{l.argv0};
  argv_s.insert(argv_s.end(), l.args.begin(), l.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  struct sigaction sa {
  }, old_int{}, old_term{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  g_interrupted = 0;
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);

  std::fflush(l.out);
  std::fflush(l.err);
  std::vector<Rank> ranks(l.ranks);
  for (int r = 0; r < l.ranks; ++r) {
    auto env_s = rank_environment(l, r, port);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("launch: pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("launch: fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::execve(l.program.c_str(), argv.data(), envp.data());
      const char msg[] = "galt launch: cannot execute the program\n";
      (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    ranks[r].pid = pid;
    ranks[r].fd[0] = out[0];
    ranks[r].fd[1] = err[0];
    for (int fd : {out[0], err[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  int first_failed = -1;
  int first_status = 0;
  bool stopping = false;
  Clock::time_point kill_at{};
  auto stop_others = [&] {
    if (stopping) return;
    stopping = true;
    for (auto& rk : ranks)
      if (rk.running) ::kill(rk.pid, SIGTERM);
    kill_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(l.grace_seconds * 1e3));
  };

  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::pair<int, int>> who;  // (rank, stream)
    for (int r = 0; r < l.ranks; ++r)
      for (int s = 0; s < 2; ++s)
        if (ranks[r].fd[s] >= 0) {
          fds.push_back({ranks[r].fd[s], POLLIN, 0});
          who.emplace_back(r, s);
        }
    bool any_running = false;
    for (const auto& rk : ranks) any_running = any_running || rk.running;
    if (fds.empty() && !any_running) break;
    const int n = ::poll(fds.data(), fds.size(), 100);
    if (n > 0)
      for (size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        auto [r, s] = who[i];
        if (!forward(ranks[r], s, r, s == 0 ? l.out : l.err)) {
          ::close(ranks[r].fd[s]);
          ranks[r].fd[s] = -1;
        }
      }
    for (int r = 0; r < l.ranks; ++r) {
      auto& rk = ranks[r];
      if (!rk.running) continue;
      int status = 0;
      if (::waitpid(rk.pid, &status, WNOHANG) != rk.pid) continue;
      rk.running = false;
      rk.status = status;
      if (failed(status) && first_failed < 0 && !stopping) {
        first_failed = r;
        first_status = status;
        stop_others();
      }
    }
    if (g_interrupted && !stopping) stop_others();
    if (stopping && Clock::now() >= kill_at)
      for (auto& rk : ranks)
        if (rk.running) ::kill(rk.pid, SIGKILL);
    // A rank that exited may have left a descendant holding its pipes: stop
    // reading them a moment after every rank is gone.
    if (!any_running && n == 0) break;
  }
  for (auto& rk : ranks)
    for (int& fd : rk.fd)
      if (fd >= 0) ::close(fd);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);

  if (first_failed >= 0) {
    const bool bad_input = WIFEXITED(first_status) && WEXITSTATUS(first_status) == 2;
    std::fprintf(l.err, "galt launch: rank %d %s%s; stopped the other ranks\n", first_failed,
                 describe_status(first_status).c_str(), bad_input ? " (bad input)" : "");
    std::fflush(l.err);
    return bad_input ? 2 : 1;
  }
  if (g_interrupted) {
    std::fprintf(l.err, "galt launch: interrupted (signal %d); stopped the ranks\n",
                 static_cast<int>(g_interrupted));
    return 1;
  }
  return 0;
}

}  // namespace galt::cli

// Test helper: the galt executable as a child process, its output captured in
// files, waited for with a deadline.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "galt_paths.h"

extern char** environ;

namespace galt::dist::testing {

inline std::string galt_executable() { return GALT_BINARY_DIR "/galt"; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ChildProcess {
 public:
  /// Starts `argv` (argv[0]: the program) with `env` added to this
  /// process's environment ("NAME=value"); stdout and stderr go to files.
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {}) {
    static int serial = 0;
    const std::string base =
        "/tmp/galt_test_dist_" + std::to_string(::getpid()) + "_" + std::to_string(serial++);
    out_path_ = base + ".out";
    err_path_ = base + ".err";
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    // The environment and the files are made before fork: only
    // async-signal-safe calls between fork and exec.
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      bool replaced = false;
      for (const auto& add : env)
        replaced = replaced || kv.substr(0, kv.find('=') + 1) == add.substr(0, add.find('=') + 1);
      if (!replaced) env_.push_back(kv);
    }
    env_.insert(env_.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& kv : env_) envp.push_back(kv.data());
    envp.push_back(nullptr);
    const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    started_ = std::chrono::steady_clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(err);
  }
  ~ChildProcess() {
    if (pid_ > 0 && !done_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
    }
    ::unlink(out_path_.c_str());
    ::unlink(err_path_.c_str());
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Waits up to `seconds`; false (and the child killed) when it did not end.
  bool wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(seconds * 1e3));
    while (!done_) {
      if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
        done_ = true;
        ended_ = std::chrono::steady_clock::now();
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        done_ = true;
        ended_ = std::chrono::steady_clock::now();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  /// The exit code, or −signal when killed by a signal.
  int exit_code() const { return WIFSIGNALED(status_) ? -WTERMSIG(status_) : WEXITSTATUS(status_); }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }
  double seconds() const { return std::chrono::duration<double>(ended_ - started_).count(); }
  std::chrono::steady_clock::time_point ended() const { return ended_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool done_ = false;
  std::string out_path_, err_path_;
  std::vector<std::string> env_;
  std::chrono::steady_clock::time_point started_, ended_;
};

}  // namespace galt::dist::testing

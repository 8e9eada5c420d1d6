// A background server a test starts and always stops: sshd, munged, slurmctld, slurmd (the
// fleet tests, tests/tools/fleet_test.cc). Started with fork/exec in its own process group with
// its output in a log file; the destructor sends SIGTERM to the group, waits up to two seconds,
// then SIGKILLs it and reaps the process, so nothing it started outlives the test, pass or fail.
// The child also gets SIGKILL if the test process dies first (PR_SET_PDEATHSIG).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dsim_test {

class Daemon {
 public:
  // Runs argv (argv[0] a path) with extra environment entries "K=V"; output to log_path.
  Daemon(std::vector<std::string> argv, const std::string& log_path, const std::vector<std::string>& env = {})
      : name_(argv.at(0)), log_path_(log_path) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<std::string> env_copy = env;
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || devnull < 0) throw std::runtime_error("daemon: cannot open " + log_path + ": " + std::strerror(errno));
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(devnull, 0);
      dup2(log, 1);
      dup2(log, 2);
      for (auto& e : env_copy) putenv(e.data());
      execv(args[0], args.data());
      _exit(127);
    }
    ::close(log);
    ::close(devnull);
    if (pid_ < 0) throw std::runtime_error("daemon: fork: " + std::string(std::strerror(errno)));
    setpgid(pid_, pid_);  // also from here, so stop() never races the child's own call
  }
  ~Daemon() { stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  pid_t pid() const { return pid_; }

  // True while the process runs (not reaped).
  bool running() const {
    siginfo_t info{};
    info.si_pid = 0;
    return pid_ > 0 && waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (running() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(-pid_, SIGKILL);  // the whole group: anything it started that did not exit
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // "NAME (pid N): last lines of LOG", for failure messages.
  std::string describe() const {
    std::ifstream in(log_path_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::ostringstream out;
    out << name_ << " (pid " << pid_ << (running() ? ", running" : ", exited") << "), last lines of " << log_path_ << ":";
    for (size_t i = lines.size() > 15 ? lines.size() - 15 : 0; i < lines.size(); ++i) out << "\n  " << lines[i];
    return out.str();
  }

 private:
  std::string name_, log_path_;
  pid_t pid_ = -1;
};

// Polls `ready` every 50ms until it holds or `limit` passes; returns whether it held.
inline bool wait_for(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace dsim_test

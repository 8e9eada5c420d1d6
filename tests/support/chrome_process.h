// The headless Chromium behind dsim_test::Chrome (chrome.h): one browser process, started with
// fork/exec and --remote-debugging-pipe, that reads DevTools commands on its fd 3 and writes
// replies and events on its fd 4, each message a JSON text ended by a NUL byte. This file moves
// those messages, with a deadline on every read and write, so a test never hangs on a browser
// that stopped answering, and it ends the process and everything it started (its own process
// group) when destroyed. It knows nothing of the protocol itself.
//
// Linux only (prctl, close_range). Chromium's output goes to a log file kept after the run;
// error messages quote its last lines.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dsim_test {

using ChromeClock = std::chrono::steady_clock;

class ChromeProcess {
 public:
  // Starts `binary` (a path) headless on about:blank with a window of width x height pixels;
  // its output goes to `log_path` (truncated), by default a file beside its profile.
  ChromeProcess(const std::string& binary, int width, int height, const std::string& log_path = "");
  ~ChromeProcess() { stop(std::chrono::milliseconds(0)); }
  ChromeProcess(const ChromeProcess&) = delete;
  ChromeProcess& operator=(const ChromeProcess&) = delete;

  // Writes one message (the NUL is added here). Throws if the deadline passes or Chromium is gone.
  void send(const std::string& message, ChromeClock::time_point deadline);
  // The next message, or nullopt when the deadline passes first. Throws if Chromium is gone.
  std::optional<std::string> receive(ChromeClock::time_point deadline);
  // Gives the browser `grace` to exit on its own (after Browser.close), then SIGTERM and two
  // more seconds, then SIGKILL to its whole process group; reaps it and removes the profile.
  void stop(std::chrono::milliseconds grace);

  // "chromium (pid N) exited with status S; last lines of <log>: ...", for error messages.
  std::string describe() const;
  const std::string& log_path() const { return log_path_; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("chrome: " + what + "; " + describe());
  }
  // How the browser ended, if it has, found without reaping it: its pid, hence its process
  // group, stays ours until stop().
  std::optional<siginfo_t> ended() const;
  bool wait_exit(std::chrono::milliseconds limit) const;

  pid_t pid_ = -1;
  int to_chrome_ = -1;    // our end of the pipe Chromium reads as fd 3
  int from_chrome_ = -1;  // our end of the pipe Chromium writes as fd 4
  std::string buffer_;    // bytes read past the last complete message
  std::string profile_dir_, log_path_;
};

inline ChromeProcess::ChromeProcess(const std::string& binary, int width, int height, const std::string& log_path) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string dir = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/dsim-chrome-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("chrome: mkdtemp " + dir + ": " + std::strerror(errno));
  profile_dir_ = dir;
  log_path_ = log_path.empty() ? dir + ".log" : log_path;

  // The flags, and why each is there:
  std::vector<std::string> args = {
      binary,
      "--headless=new",                   // the real browser without a window (not the old headless shell)
      "--remote-debugging-pipe",          // DevTools over fds 3 and 4: no port to pick, none to collide
      "--no-sandbox",                     // as root (containers, CI) it refuses to start sandboxed
      "--disable-gpu",                    // software rendering: screenshots do not depend on a GPU
      "--disable-dev-shm-usage",          // shared memory in /tmp: Docker's /dev/shm is 64 MB (note 1)
      "--no-first-run",                   // no first-run tasks or prompts on the fresh profile
      "--no-default-browser-check",       //
      "--disable-extensions",             // no script runs but the page's
      "--disable-background-networking",  // no update or safe-browsing requests from a test
      "--user-data-dir=" + profile_dir_,  // a fresh profile: no state shared with other runs
      "--window-size=" + std::to_string(width) + "," + std::to_string(height),
      "about:blank"};
  // Note 1: Debian's /usr/bin/chromium, a shell script that execs the browser (same pid), adds
  // --disable-dev-shm-usage itself below 3.8 GB free, but its test breaks (one line of shell
  // error in the log) where /dev/shm is mounted twice; so we pass it always.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int commands[2] = {-1, -1}, events[2] = {-1, -1};
  if (log < 0 || devnull < 0 || pipe2(commands, O_CLOEXEC) != 0 || pipe2(events, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    for (const int fd : {log, devnull, commands[0], commands[1], events[0], events[1]})
      if (fd >= 0) ::close(fd);
    std::error_code ignored;
    std::filesystem::remove_all(profile_dir_, ignored);
    throw std::runtime_error("chrome: cannot open " + log_path_ + " or make the pipes: " + why);
  }
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // The child: only async-signal-safe calls from here to exec. Its own process group, so
    // stop() can end the renderers and helpers with it; killed if the test process dies
    // (strictly: when the thread that started it ends).
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // Lift the pipe ends above fd 4 first, so the dup2s below cannot overwrite one another.
    const int in = fcntl(commands[0], F_DUPFD_CLOEXEC, 10);
    const int out = fcntl(events[1], F_DUPFD_CLOEXEC, 10);
    if (in < 0 || out < 0 || dup2(devnull, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0 || dup2(in, 3) < 0 ||
        dup2(out, 4) < 0)
      _exit(127);
    // Nothing else of the test process leaks in (another browser's pipe would hide its EOF).
    close_range(5, ~0U, 0);
    execv(argv[0], argv.data());
    const char msg[] = "dsim chrome: execv failed\n";
    [[maybe_unused]] const ssize_t n = ::write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  const int fork_errno = errno;
  ::close(commands[0]);
  ::close(events[1]);
  ::close(log);
  ::close(devnull);
  to_chrome_ = commands[1];
  from_chrome_ = events[0];
  if (pid_ < 0) {
    ::close(to_chrome_);
    ::close(from_chrome_);
    std::error_code ignored;
    std::filesystem::remove_all(profile_dir_, ignored);
    throw std::runtime_error(std::string("chrome: fork: ") + std::strerror(fork_errno));
  }
  fcntl(to_chrome_, F_SETFL, O_NONBLOCK);
  fcntl(from_chrome_, F_SETFL, O_NONBLOCK);
}

namespace chrome_detail {

// Milliseconds to the deadline, rounded up (so a poll never spins), at least 0.
inline int ms_until(ChromeClock::time_point deadline) {
  const auto left = deadline - ChromeClock::now();
  if (left <= ChromeClock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

// write() without SIGPIPE: a browser that died gives EPIPE, not the death of the test process.
// The signal is blocked on this thread and, if raised, taken back before it is unblocked.
inline ssize_t write_no_sigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  const ssize_t n = ::write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE) {
    const timespec zero{};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

}  // namespace chrome_detail

inline void ChromeProcess::send(const std::string& message, ChromeClock::time_point deadline) {
  if (pid_ < 0) fail("send after stop");
  const std::string framed = message + '\0';
  size_t done = 0;
  while (done < framed.size()) {
    pollfd p{to_chrome_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, chrome_detail::ms_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) fail("timed out writing a command (the browser stopped reading)");
    const ssize_t n = chrome_detail::write_no_sigpipe(to_chrome_, framed.data() + done, framed.size() - done);
    if (n > 0)
      done += static_cast<size_t>(n);
    else if (errno != EAGAIN && errno != EINTR)
      fail(std::string("writing a command: ") + std::strerror(errno));
  }
}

inline std::optional<std::string> ChromeProcess::receive(ChromeClock::time_point deadline) {
  if (pid_ < 0) fail("receive after stop");
  for (;;) {
    const size_t end = buffer_.find('\0');
    if (end != std::string::npos) {
      std::string message = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return message;
    }
    pollfd p{from_chrome_, POLLIN, 0};
    const int ready = ::poll(&p, 1, chrome_detail::ms_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return std::nullopt;
    char chunk[1 << 16];
    const ssize_t n = ::read(from_chrome_, chunk, sizeof chunk);
    if (n > 0)
      buffer_.append(chunk, static_cast<size_t>(n));
    else if (n == 0) {
      wait_exit(std::chrono::seconds(1));  // its pipe closes an instant before it is a zombie
      fail("the browser closed its end of the pipe");
    } else if (errno != EAGAIN && errno != EINTR)
      fail(std::string("reading: ") + std::strerror(errno));
  }
}

inline std::optional<siginfo_t> ChromeProcess::ended() const {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
    return info;
  return std::nullopt;
}

inline bool ChromeProcess::wait_exit(std::chrono::milliseconds limit) const {
  const auto deadline = ChromeClock::now() + limit;
  for (;;) {
    if (ended()) return true;
    if (ChromeClock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

inline void ChromeProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return;
  if (!wait_exit(grace)) {
    kill(pid_, SIGTERM);
    wait_exit(std::chrono::seconds(2));
  }
  // The browser is a zombie or still running, not reaped: its pid, hence its process group,
  // cannot have been reused, so this reaches only what it started.
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  ::close(to_chrome_);
  ::close(from_chrome_);
  std::error_code ignored;
  std::filesystem::remove_all(profile_dir_, ignored);
}

inline std::string ChromeProcess::describe() const {
  std::string state = "chromium (stopped)";
  if (pid_ >= 0) {
    state = "chromium (pid " + std::to_string(pid_) + ") ";
    if (const auto info = ended())
      state += info->si_code == CLD_EXITED ? "exited with status " + std::to_string(info->si_status)
                                           : "was killed by signal " + std::to_string(info->si_status);
    else
      state += "is running";
  }
  // Chromium without a D-Bus (a container) logs a dozen lines about it: noise, left out.
  std::ifstream in(log_path_, std::ios::binary);
  std::string log;
  for (std::string line; std::getline(in, line);)
    if (line.find(":ERROR:dbus/") == std::string::npos) log += line + "\n";
  if (log.size() > 2000) log = "..." + log.substr(log.size() - 2000);
  return state + "; last lines of " + log_path_ + ":\n" + log;
}

}  // namespace dsim_test

#include "tools/cli/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "sim/json_source.h"

namespace dsim::cli {
namespace {

constexpr int kSlots = 32;
constexpr size_t kPathMax = 4096;
// claimed: owned by a registration; active: the path is complete and the handler may use it.
std::atomic<bool> claimed[kSlots];
std::atomic<bool> active[kSlots];
char paths[kSlots][kPathMax];
std::atomic<bool> graceful{false};
std::atomic<int> interrupted{0};

constexpr int kEnding[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};

void say(const char* text) {
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

extern "C" void on_signal(int sig) {
  if (graceful.load() && sig != SIGPIPE && sig != SIGQUIT) {
    int expected = 0;
    if (interrupted.compare_exchange_strong(expected, sig)) {
      say("\ndsim: interrupted: finishing the simulations in progress, then writing what was gathered "
          "(interrupt again to stop at once)\n");
      return;
    }
  }
  for (int i = 0; i < kSlots; ++i)
    if (active[i].load()) ::unlink(paths[i]);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : kEnding) sigaddset(&sa.sa_mask, sig);  // one handler at a time
  sa.sa_flags = SA_RESTART;
  for (int sig : kEnding) {
    struct sigaction old {};
    // Keep a signal ignored if whoever started us ignored it (nohup, a shell's background job).
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN && sig != SIGPIPE) continue;
    sigaction(sig, &sa, nullptr);
  }
}

int register_partial(const char* path) {
  if (std::strlen(path) >= kPathMax) throw sim::InputError(std::string("output path too long (") + std::to_string(std::strlen(path)) + " bytes)");
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!claimed[i].compare_exchange_strong(expected, true)) continue;
    std::memcpy(paths[i], path, std::strlen(path) + 1);
    active[i].store(true);
    return i;
  }
  throw sim::InputError("more than 32 output files open at once");
}

void unregister_partial(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  active[slot].store(false);
  claimed[slot].store(false);
}

void set_graceful(bool on) { graceful.store(on); }

int interrupted_by() { return interrupted.load(); }

}  // namespace dsim::cli

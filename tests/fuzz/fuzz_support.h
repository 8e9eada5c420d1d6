// Shared by the libFuzzer harnesses in this folder (each tests/fuzz/<name>.cc is one harness,
// built as fuzz_<name> with -DDSIM_FUZZ=ON; see tools/fuzz).
//
// What a harness treats as a crash: anything but a documented input error (sim::InputError,
// check::HistoryError, check::ModelError), which is dsim rejecting bad input as it should.
// Uncaught exceptions, aborts, sanitizer reports, timeouts and running out of memory are crashes.
//
// Inputs that once crashed a harness are in tests/fuzz/regressions/<harness>/ and are
// replayed by tools/test; tests/fuzz/pending/ holds inputs of crashes not fixed yet (none now).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dsim::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Lines as std::getline splits them (the parsers under test read that way).
inline std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// A file holding the current input, for code that only reads paths: an anonymous memfd opened
// again through /proc/self/fd, so nothing is left behind when a run crashes.
class InputFile {
 public:
  InputFile() : fd_(memfd_create("dsim-fuzz-input", MFD_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(std::string_view text) {
    if (ftruncate(fd_, 0) != 0 || pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("cannot write the fuzz input file");
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace dsim::fuzz

// Shared by the libFuzzer harnesses in this folder (each tests/fuzz/<name>.cc is one harness,
// built as fuzz_<name> with -DDSIM_FUZZ=ON; see tools/fuzz).
//
// What a harness treats as a crash: anything but a documented input error (sim::InputError,
// check::HistoryError, check::ModelError), which is dsim rejecting bad input as it should.
// Uncaught exceptions, aborts, sanitizer reports, timeouts and running out of memory are crashes.
//
// Known bugs: crashes already reported and being fixed elsewhere would stop every fuzzing run
// within seconds, so a harness skips inputs that trigger them (the predicates below, each
// precise to its bug) and keeps looking for new ones. Their minimised inputs are in
// tests/fuzz/pending/<harness>/. Set DSIM_FUZZ_KNOWN_BUGS=1 to stop skipping (to see whether
// a fix landed: `DSIM_FUZZ_KNOWN_BUGS=1 tools/fuzz --replay pending`); when it has, delete the
// predicate and move the inputs to tests/fuzz/regressions/<harness>/.
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

inline bool skip_known_bugs() {
  static const bool skip = std::getenv("DSIM_FUZZ_KNOWN_BUGS") == nullptr;
  return skip;
}

// Known bug (traces and dsim histories): a number a double cannot hold ("1e999") makes
// nlohmann::json::parse throw out_of_range 406, which the readers do not catch.
inline bool has_json_number_overflow(std::string_view text) {
  for (std::string_view line : lines_of(text)) {
    try {
      (void)nlohmann::json::parse(line);
    } catch (const nlohmann::json::out_of_range& e) {
      if (e.id == 406) return true;
    } catch (const nlohmann::json::exception&) {
    }
  }
  return false;
}

// Known bug (traces): sim::read_trace reads integer fields with nlohmann's get<int>() /
// get<uint64_t>(), which converts a float outside the type's range (1e300) with undefined
// behaviour. True when a top-level member the reader takes as an integer holds a float
// outside [0, 2^31).
inline bool has_float_integer_field(std::string_view text) {
  for (std::string_view line : lines_of(text)) {
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    for (const char* key : {"dsim_trace", "records", "events", "t", "seq", "id", "timer", "tag"}) {
      const auto it = j.find(key);
      if (it != j.end() && it->is_number_float() && !(it->get<double>() >= 0 && it->get<double>() < 2147483648.0))
        return true;
    }
  }
  return false;
}

// Known bug (traces): event and end times are not bounded, and an invariant adding a bound to
// one near INT64_MAX (commit's termination: submitted + 30 x timeout) overflows sim::Time.
// True when a top-level "t" is negative or 2^62 ns (146 years) or more.
inline bool has_extreme_time(std::string_view text) {
  for (std::string_view line : lines_of(text)) {
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    const auto it = j.find("t");
    if (it == j.end() || !it->is_number_integer()) continue;
    if (it->is_number_unsigned() ? it->get<uint64_t>() >= (uint64_t{1} << 62) : it->get<int64_t>() < 0) return true;
  }
  return false;
}

// Known bug (Porcupine and Jepsen histories): an integer beyond int64 overflows the parsers'
// digit loop (signed overflow). True when some run of digits is worth more than INT64_MAX.
inline bool has_int64_overflow(std::string_view text) {
  static constexpr std::string_view kMax = "9223372036854775807";
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      ++i;
      continue;
    }
    while (i < text.size() && text[i] == '0') ++i;  // leading zeros add nothing
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    const std::string_view digits = text.substr(start, i - start);
    if (digits.size() > kMax.size() || (digits.size() == kMax.size() && digits > kMax)) return true;
  }
  return false;
}

// Known bug (Porcupine histories): an EDN string that is not valid UTF-8 reaches
// nlohmann::json::dump (Interner::id, to_string(Operation)), which throws type_error 316.
inline bool has_invalid_utf8(std::string_view text) {
  try {
    (void)nlohmann::json(std::string(text)).dump();  // the very check that throws
  } catch (const nlohmann::json::type_error& e) {
    return e.id == 316;
  }
  return false;
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

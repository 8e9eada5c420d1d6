// `dsim check-history FILE --model M`: checks a standalone client history (dsim JSON Lines,
// Porcupine's kv EDN or a Jepsen etcd log) for linearizability with sim/check and prints the
// verdict. Exit code 0 linearizable, 1 not linearizable, 3 unknown (time or memory budget
// exhausted, or memory itself: never a guess), 2 bad input (one line on stderr naming file
// and line).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

#include "protocols/registry.h"
#include "sim/check/client_history.h"
#include "sim/check/history.h"
#include "sim/check/history_input.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"
#include "sim/json_source.h"
#include "sim/jsonl.h"
#include "sim/time.h"
#include "tools/cli/commands.h"
#include "tools/cli/format.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

struct CheckHistoryArgs {
  std::string file;
  std::string model;
  std::string format = "dsim";
  std::string budget = "10s";
  std::string max_memory;  // "" = default_max_memory()
  bool json = false;
};

// Exceptions may quote input; keep the message on one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string read_history_file(const std::string& path) {
  const auto cannot_read = [&](int err) {
    return sim::InputError(path + ": cannot read history: " + std::generic_category().message(err));
  };
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw cannot_read(errno);
  std::string text;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) text.append(buf, n);
  if (std::ferror(file.get())) throw cannot_read(errno != 0 ? errno : EIO);
  return text;
}

// HistoryError says "line N: what" -> "<path>:N: what".
sim::InputError history_error(const std::string& path, const std::string& what) {
  const std::string prefix = "line ";
  if (what.compare(0, prefix.size(), prefix) == 0) {
    const size_t colon = what.find(':', prefix.size());
    if (colon != std::string::npos && colon > prefix.size() &&
        what.find_first_not_of("0123456789", prefix.size()) == colon)
      return sim::InputError(
          one_line(path + ":" + what.substr(prefix.size(), colon - prefix.size()) + what.substr(colon)));
  }
  return sim::InputError(one_line(path + ": " + what));
}

// ModelError says "model M: what (op f by process P, line N)" -> "<path>:N: model M: what (op f by process P)".
sim::InputError model_error(const std::string& path, const std::string& what) {
  const std::string marker = ", line ";
  const size_t at = what.rfind(marker);
  if (at != std::string::npos && !what.empty() && what.back() == ')') {
    const std::string number = what.substr(at + marker.size(), what.size() - 1 - (at + marker.size()));
    if (!number.empty() && number.find_first_not_of("0123456789") == std::string::npos)
      return sim::InputError(one_line(path + ":" + number + ": " + what.substr(0, at) + ")"));
  }
  return sim::InputError(one_line(path + ": " + what));
}

// A dsim trace starts with its header line {"dsim_trace":1,...}.
bool is_trace(const std::string& text) {
  const std::string first = text.substr(0, text.find('\n'));
  if (first.find("\"dsim_trace\"") == std::string::npos) return false;
  const check::json j = check::json::parse(first, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("dsim_trace");
}

// The client history of a dsim trace, read with the trace reader (a garbled, truncated or
// edited trace is bad input naming file:line), processes numbered as the run's `linearizable`
// invariant numbers them, and the trace's protocol's model.
struct TraceHistory {
  check::History history;
  std::string model;  // the protocol's history model
  std::string about;  // "scenario raft-basics, protocol raft, seed 1"
  std::unique_ptr<check::ClientHistory> clients;  // names processes and answering servers
};

TraceHistory read_trace_history(const std::string& path) {
  TraceHistory out;
  check::HistoryBuilder builder;
  const sim::TraceReadResult read = sim::read_trace(
      path, protocols::registry(), sections(),
      [&](const sim::Scenario& s) {
        out.clients = std::make_unique<check::ClientHistory>(s.topology().names());
        out.model = s.protocol->history_model;
        if (out.model.empty())
          throw sim::InputError(path + ": a trace of protocol " + s.protocol->name +
                                ", whose clients make no invoke/ok/fail/info events: no history to check");
      },
      [&](const sim::TraceEvent& ev) {
        const std::string where = path + ": trace event #" + std::to_string(ev.seq) + ": ";
        std::optional<check::Event> e;
        try {
          e = out.clients->on_event(ev);
        } catch (const check::json::exception& err) {
          throw sim::InputError(one_line(where + "client event data cannot be read: " + err.what()));
        }
        if (!e) return;
        try {
          builder.add(*e, static_cast<int64_t>(ev.seq));
        } catch (const check::HistoryError& err) {
          std::string what = err.what();  // "line N: ..." with N the event's seq
          if (const size_t colon = what.find(": "); what.rfind("line ", 0) == 0 && colon != std::string::npos)
            what.erase(0, colon + 2);
          throw sim::InputError(one_line(where + what));
        }
      });
  out.history = std::move(builder).finish();
  out.about = "scenario " + read.scenario.name + ", protocol " + read.scenario.protocol->name + ", seed " +
              std::to_string(read.scenario.seed);
  return out;
}

check::History parse_history(const std::string& path, const std::string& format, const std::string& text) {
  std::istringstream in(text);
  check::History history;
  try {
    if (format == "porcupine") history = check::parse_porcupine_kv(in);
    else if (format == "jepsen") history = check::parse_jepsen_etcd_log(in);
    else history = check::parse_dsim_history(in);
  } catch (const check::HistoryError& e) {
    throw history_error(path, e.what());
  }
  if (history.empty() && !text.empty())
    throw sim::InputError(path + ": no operations found in a non-empty file (is --format " + format + " right?)");
  return history;
}

// The default memory budget: 2 GiB, or half the physical memory or half the address-space
// limit (ulimit -v) when that is smaller, so the budget runs out before the allocator does.
size_t default_max_memory() {
  size_t bytes = size_t{2} << 30;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) bytes = std::min(bytes, static_cast<size_t>(pages) / 2 * static_cast<size_t>(page));
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    bytes = std::min(bytes, static_cast<size_t>(limit.rlim_cur / 2));
  return bytes;
}

// "64MiB", "2GiB", "100000B": a whole number of bytes with a binary unit.
size_t parse_max_memory(const std::string& text) {
  static constexpr std::pair<const char*, int> kUnits[] = {{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}};
  const auto bad = [&](const std::string& why) {
    return sim::InputError("--max-memory " + check::shown(text) + ": " + why);
  };
  const size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || text.empty()) throw bad("expected a whole number of bytes with a unit, e.g. 512MiB or 4GiB");
  if (digits == std::string::npos) throw bad("no unit (use B, KiB, MiB, GiB or TiB)");
  const std::string unit = text.substr(digits);
  for (const auto& [name, shift] : kUnits) {
    if (unit != name) continue;
    const std::optional<int64_t> n = check::parse_integer(text.substr(0, digits), check::kInt64Range);
    if (!n || static_cast<uint64_t>(*n) > (std::numeric_limits<size_t>::max() >> shift)) throw bad("too large");
    return static_cast<size_t>(*n) << shift;
  }
  throw bad("unknown unit '" + check::shown(unit) + "' (use B, KiB, MiB, GiB or TiB)");
}

std::chrono::milliseconds parse_budget(const std::string& text) {
  std::string error;
  const std::optional<sim::Duration> d = sim::parse_duration(text, &error);
  if (!d) throw sim::InputError("--budget " + text + ": " + one_line(error));
  // Round up to whole milliseconds; cap at a year so deadline arithmetic cannot overflow.
  const int64_t ms = d->ns() / 1'000'000 + (d->ns() % 1'000'000 != 0 ? 1 : 0);
  return std::chrono::milliseconds(std::min<int64_t>(ms, int64_t{365} * 24 * 3600 * 1000));
}

// "0.42ms" below a second, "12.345s" above.
std::string seconds_text(double seconds) {
  char buf[32];
  if (seconds < 1) std::snprintf(buf, sizeof buf, "%.2fms", seconds * 1e3);
  else std::snprintf(buf, sizeof buf, "%.3fs", seconds);
  return buf;
}

// The verdict line. `unknown` says why and which limit to raise; never a guess.
void print_verdict(const check::CheckResult& result, const CheckHistoryArgs& a, size_t max_memory) {
  if (result.verdict != check::Verdict::unknown) {
    std::printf("verdict:    %s\n", check::to_string(result.verdict).c_str());
    return;
  }
  std::string rerun;
  if (result.out_of_time) rerun = "a larger --budget (now " + a.budget + ")";
  if (result.out_of_memory)
    rerun += (rerun.empty() ? "a larger --max-memory (now " : " or --max-memory (now ") + check::bytes_text(max_memory) + ")";
  std::printf("verdict:    unknown: %s on %zu of %zu partition%s (first %s); no verdict is guessed, rerun with %s\n",
              result.unknown_reason.c_str(), result.unknown_partitions.size(), result.partitions,
              result.partitions == 1 ? "" : "s", check::json(result.unknown_partitions.front()).dump().c_str(),
              rerun.c_str());
}

int check_history(const CheckHistoryArgs& a) {
  check::CheckOptions options;
  options.budget = parse_budget(a.budget);
  options.max_memory_bytes = a.max_memory.empty() ? default_max_memory() : parse_max_memory(a.max_memory);
  // Wall time is measured outside any simulation.
  const auto start = std::chrono::steady_clock::now();
  const std::string text = read_history_file(a.file);
  std::optional<TraceHistory> trace;
  if (a.format == "dsim" && is_trace(text)) trace = read_trace_history(a.file);
  std::string model_name = a.model;
  if (model_name.empty() && trace) model_name = trace->model;
  if (model_name.empty())
    throw sim::InputError(a.file + ": --model is needed (kv, register, list, set or counter); only a dsim trace "
                                   "names its own (its protocol's history model)");
  const check::Model model = check::model_by_name(model_name);
  const check::History history = trace ? std::move(trace->history) : parse_history(a.file, a.format, text);
  const auto parsed = std::chrono::steady_clock::now();
  check::CheckResult result;
  try {
    result = check::check_linearizable(history, model, options);
  } catch (const check::ModelError& e) {
    throw model_error(a.file, e.what());
  }
  const auto done = std::chrono::steady_clock::now();
  const double parse_seconds = std::chrono::duration<double>(parsed - start).count();
  const double check_seconds = std::chrono::duration<double>(done - parsed).count();
  const int code = result.verdict == check::Verdict::linearizable ? 0
                   : result.verdict == check::Verdict::not_linearizable ? 1
                                                                         : 3;
  if (a.json) {
    check::json j = result.to_json();
    j["file"] = a.file;
    j["format"] = trace ? "dsim trace" : a.format;
    j["model"] = model_name;
    j["budget"] = a.budget;
    j["max_memory"] = check::bytes_text(options.max_memory_bytes);
    j["seconds"] = check_seconds;
    j["parse_seconds"] = parse_seconds;
    std::printf("%s\n", j.dump(-1, ' ', false, check::json::error_handler_t::replace).c_str());
    return code;
  }
  if (trace) std::printf("history:    %s (a dsim trace: %s)\n", a.file.c_str(), trace->about.c_str());
  else std::printf("history:    %s (format %s)\n", a.file.c_str(), a.format.c_str());
  std::printf("model:      %s%s\n", model_name.c_str(), trace && a.model.empty() ? " (the protocol's)" : "");
  std::printf("operations: %s in %s partition%s%s\n", with_commas(result.operations).c_str(),
              with_commas(result.partitions).c_str(), result.partitions == 1 ? "" : "s",
              result.operations == 0 ? " (empty history: nothing to check)" : "");
  print_verdict(result, a, options.max_memory_bytes);
  std::printf("time:       %s checking (%s search steps), %s parsing\n", seconds_text(check_seconds).c_str(),
              with_commas(result.steps).c_str(), seconds_text(parse_seconds).c_str());
  if (result.counterexample) {
    // From a trace, operations read as the run's invariant shows them: client names, times in
    // ms, the server that answered.
    const check::ClientHistory* clients = trace ? trace->clients.get() : nullptr;
    const auto show = [clients](const check::Operation& op) { return clients->describe(op); };
    std::printf("%s", clients ? result.counterexample->to_text(show).c_str() : result.counterexample->to_text().c_str());
  }
  return code;
}

}  // namespace

Command add_check_history(CLI::App& app) {
  auto a = std::make_shared<CheckHistoryArgs>();
  CLI::App* cmd = app.add_subcommand("check-history", "Check a client history for linearizability against a model");
  cmd->add_option("history", a->file, "history file to check, or a dsim trace (its client events)")->required();
  cmd->add_option("--model", a->model,
                  "sequential specification: kv, register, list, set or counter (for a dsim trace: default the "
                  "protocol's history model)")
      ->check(CLI::IsMember({"kv", "register", "list", "set", "counter"}));
  cmd->add_option("--format", a->format,
                  "dsim (JSON Lines events), porcupine (Porcupine's kv EDN) or jepsen (Jepsen etcd log)")
      ->capture_default_str()
      ->check(CLI::IsMember({"dsim", "porcupine", "jepsen"}));
  cmd->add_option("--budget", a->budget, "wall-time budget for the search, e.g. 10s, 500ms")->capture_default_str();
  cmd->add_option("--max-memory", a->max_memory,
                  "memory budget for the search (all partitions together), e.g. 512MiB, 4GiB; default 2GiB, or "
                  "half the physical memory or of 'ulimit -v' when smaller");
  cmd->add_flag("--json", a->json, "print one JSON object (the verdict, counterexample, file, model, seconds)");
  cmd->footer(
      "The dsim format is one JSON event per line:\n"
      "  {\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k1\",\"value\":\"x\",\"time\":123}\n"
      "  (type invoke|ok|fail|info; key, value and time optional; an operation never completed is indeterminate)\n"
      "  'dsim run --history FILE' writes it. A dsim trace (its first line {\"dsim_trace\":1,...}) is read as one:\n"
      "  its client events, its protocol's model unless --model says otherwise.\n"
      "Examples:\n"
      "  dsim check-history history.jsonl --model kv\n"
      "  dsim run scenarios/raft/nemesis.json --trace /tmp/t.jsonl && dsim check-history /tmp/t.jsonl\n"
      "  dsim check-history ../shared/conformance/porcupine/kv/c10-bad.txt --model kv --format porcupine\n"
      "  dsim check-history ../shared/conformance/porcupine/jepsen/etcd_002.log --model register --format jepsen --json\n"
      "  dsim check-history big.jsonl --model register --budget 2m --max-memory 8GiB\n"
      "Exit code: 0 linearizable, 1 not linearizable (a counterexample is printed), 2 bad input\n"
      "(unreadable file, malformed line, number out of range, operation the model cannot read), 3 unknown:\n"
      "the time or memory budget ran out before the search finished (no verdict is guessed; rerun with a\n"
      "larger --budget or --max-memory).");
  return [a]() {
    try {
      return check_history(*a);
    } catch (const std::bad_alloc&) {
      // Memory ran out outside the bounded search (a huge history): still no guess.
      if (a->json) std::printf("{\"verdict\":\"unknown\",\"unknown_reason\":\"out of memory\"}\n");
      else std::printf("verdict:    unknown: out of memory (an allocation failed); no verdict is guessed\n");
      return 3;
    }
  };
}

}  // namespace dsim::cli

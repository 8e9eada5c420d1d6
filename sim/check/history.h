// A Jepsen-style client history: operations with an invocation time, a return time and a
// status (ok / fail / info), built from a stream of invoke/complete events, and parsers for
// dsim's own JSON Lines format and for the Porcupine/Jepsen corpus formats.
// Guarantees: a built History satisfies "one outstanding operation per process" and
// call <= return; malformed input raises HistoryError naming the line. An operation that
// never returned becomes `info` with return time kInfinity and an unknown (null) output.
// Not here: what an operation means (that is a Model's job, see models.h).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dsim::check {

using json = nlohmann::json;

// Times are any monotone integer clock (nanoseconds in dsim traces, line numbers in the
// corpus formats). An indeterminate operation returns "at +infinity".
inline constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();

enum class Status {
  ok,    // took effect, output known
  fail,  // definitely did not take effect (a model may still keep it: a failed cas)
  info,  // indeterminate: may or may not have taken effect, at any time after the call
};
std::string to_string(Status status);

struct Operation {
  int process = 0;
  std::string key;        // "" for a single-object history
  std::string f;          // "read", "write", "cas", "get", "put", "append", "add", ...
  json input;             // the invocation's value (null when none)
  json output;            // the completion's value (null when none or unknown)
  int64_t call = 0;       // invocation time
  int64_t ret = kInfinity;  // return time; kInfinity when status is info
  Status status = Status::info;
  int64_t line = 0;       // line of the invocation in the source (0 when built in code)
};

// One line of "p invoked f", or "p's operation completed".
struct Event {
  enum class Type { invoke, ok, fail, info };
  int process = 0;
  Type type = Type::invoke;
  std::string f;
  std::string key;
  json value;
  int64_t time = 0;
};
// "invoke", "ok", "fail" or "info", as histories write it.
const char* type_name(Event::Type type);

// One line for messages: "p3 cas [1,4] -> fail @[12,15]" ("@[12,inf)" when indeterminate).
std::string to_string(const Operation& op);

class HistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct History {
  std::vector<Operation> ops;  // in invocation order

  size_t size() const { return ops.size(); }
  bool empty() const { return ops.empty(); }
};

// Builds operations from events. A process has at most one outstanding operation; a
// completion must match the pending invocation's function (and key when it names one).
// Errors throw HistoryError("line N: ..."). `line` is only used for messages.
class HistoryBuilder {
 public:
  void add(const Event& event, int64_t line);
  // Operations still pending become info (return at +infinity, output unknown).
  History finish() &&;

 private:
  std::vector<Operation> ops_;
  std::map<int, size_t> pending_;  // process -> index in ops_
  int64_t last_time_ = std::numeric_limits<int64_t>::min();
};

// dsim's format: JSON Lines, one event per line, blank lines ignored:
//   {"process":0,"type":"invoke","f":"put","key":"k1","value":"x","time":123}
// type is invoke|ok|fail|info; key, value and time are optional (time defaults to the line
// number, so a file either gives every time or none).
History parse_dsim_history(std::istream& in);

// Jepsen etcd logs from Porcupine's corpus (a single register, key ""), lines like
//   INFO  jepsen.util - 3	:invoke	:cas	[1 4]
// Only the shapes listed in the corpus README are read; every other line is ignored.
// Time is the line number. ":fail :read :timed-out" is indeterminate (status info).
History parse_jepsen_etcd_log(std::istream& in);

// Porcupine's key-value histories: one EDN map per line,
//   {:process 0, :type :ok, :f :get, :key "3", :value "x 0 1 y"}
// Time is the line number.
History parse_porcupine_kv(std::istream& in);

}  // namespace dsim::check

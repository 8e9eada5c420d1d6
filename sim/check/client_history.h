// A run's client operations as a Jepsen history, read from its trace events: the client
// events (invoke, ok, fail, info) become history Events. Each (client node, logical process)
// pair is one Jepsen process, numbered densely in order of first appearance, so distinct
// pairs stay distinct and the numbering is the same for the live `linearizable` invariant,
// `dsim run --history` and `dsim check-history TRACE` (a counterexample's p3 is the same
// process in all three).
//
// It also notes which server answered each completed operation, from the trace alone: a
// node's handler starts with the event that woke it (a message delivered from `peer`, a
// timer), and the client's completion comes out of that handler, so an operation completed
// by a delivered reply was answered by the reply's sender. A completion caused by a timer (a
// timeout: info) has no answering server, and none is invented.
//
// Not here: checking the history (linearizability.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/history.h"
#include "sim/trace.h"

namespace dsim::check {

class ClientHistory {
 public:
  // `names`: node index -> name ("n1", "c1"), for descriptions.
  explicit ClientHistory(std::vector<std::string> names = {}) : names_(std::move(names)) {}

  // Every trace event, in order. Returns the history event of a client event (time in ns),
  // nullopt for any other event. Throws nlohmann::json exceptions on a client event whose data
  // has the wrong shape (a garbled trace): callers turn them into input errors.
  std::optional<Event> on_event(const sim::TraceEvent& ev);

  // The client process behind a process id ("c2p1"; "c2" for logical process 0, as `dsim log`
  // names it).
  std::string process_name(int process) const;
  // The server whose reply completed the operation invoked at trace event `invoke_seq`; ""
  // when it completed otherwise (a timeout) or not at all.
  std::string answered_by(int64_t invoke_seq) const;
  // An operation for people, when it was built with `line` = its invocation's trace seq (as
  // the invariant and check-history do): `c2p1 get "k0" -> ok "" (1193.262ms to 1203.785ms,
  // answered by n3)`; an indeterminate one `... -> info (from 514.095ms, no answer)`.
  std::string describe(const Operation& op) const;

 private:
  std::vector<std::string> names_;
  std::map<sim::ClientProcess, int> ids_;
  std::vector<sim::ClientProcess> processes_;  // id -> (node, logical process)
  std::map<uint32_t, sim::NodeId> woken_by_;   // node -> sender of the delivery that started its handler
  std::map<int, int64_t> open_;                // process id -> seq of its open invocation
  std::map<int64_t, std::string> answered_by_; // invocation seq -> the server that answered
};

// One event in dsim's history format (what parse_dsim_history reads), without a newline:
// {"process":0,"type":"invoke","f":"put","key":"k1","value":"x","time":123}; "key" and
// "value" only when set.
std::string to_dsim_line(const Event& event);

}  // namespace dsim::check

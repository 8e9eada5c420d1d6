// The replicated key-value service that Raft and Multi-Paxos both run: the commands clients
// send (get, put, append, cas, and the leader's noop), the state machine that applies them
// exactly once per client session, the client workload's parameters, and the observation and
// timers of the client nodes (kv_client.h). Shared so that the two consensus protocols are
// compared on literally the same workload and state machine.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/declare.h"
#include "sim/ids.h"
#include "sim/observe.h"
#include "sim/params.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::kv {

// A client session (Raft §8): which client process, in which incarnation of its node, issued
// a command. Packed as incarnation << 40 | process << 32 | node; printed as "c1p3" for people.
struct SessionId {
  uint64_t value = 0;
  constexpr auto operator<=>(const SessionId&) const = default;
  uint32_t node() const { return static_cast<uint32_t>(value & 0xffffffffu); }
  uint32_t process() const { return static_cast<uint32_t>((value >> 32) & 0xff); }
  uint32_t incarnation() const { return static_cast<uint32_t>(value >> 40); }
  std::string text(const std::vector<std::string>* names) const {
    std::string s;
    if (names && node() < names->size()) {
      s = (*names)[node()];
    } else {  // (appended, not "node" + to_string(...): GCC 12 warns falsely about that with -O2)
      s = "node";
      s += std::to_string(node());
    }
    if (process() != 0) s += "p" + std::to_string(process());
    if (incarnation() != 0) s += "/incarnation" + std::to_string(incarnation());
    return s;
  }
};

// What a command does: a client's operation on the key-value store (the first four, named and
// numbered as sim::ClientOp's), or the blank entry a leader appends at the start of its term
// or proposes to fill a gap (Raft dissertation §6.4; "Paxos Made Simple" §3). Written by name
// in JSON ("op":"put").
enum class Op : uint8_t { get, put, append, cas, noop };
inline constexpr std::array<std::string_view, 5> kOpNames{"get", "put", "append", "cas", "noop"};
inline const std::array<std::string_view, 5>& enum_names(Op) { return kOpNames; }

// The history's name for a client's operation (a noop is no client's: never recorded).
sim::ClientOp client_op(Op op);

// A state-machine command. `client` and `seq` identify it for exactly-once application
// (Raft §8: "clients assign unique serial numbers to every command").
struct Command {
  SessionId client;
  uint64_t seq = 0;
  Op op = Op::noop;
  std::string key;
  std::string value;
  std::string expected;  // cas only
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("client", self.client); v("seq", self.seq); v("op", self.op); v("key", self.key);
    v("value", self.value); v("expected", self.expected);
  }
  bool operator==(const Command&) const = default;
};

// A stable 53-bit digest of a command (XXH3 over its fields), for observations: invariants
// compare digests, never node memory.
uint64_t digest(const Command& c);

struct Result {
  std::string value;     // get: the value read
  bool swapped = false;  // cas: the comparison held
};

// The state machine, with a session table that makes every client command take effect
// exactly once (Raft §8: "the state machine tracks the latest serial number processed for each
// client, along with the associated response. If it receives a command whose serial number has
// already been executed, it responds immediately without re-executing the request"). Sessions
// are part of the state, so they are in every snapshot.
class KvStore {
 public:
  // Applies a committed command; a command already applied (same client, seq not newer)
  // returns the cached result of the client's latest command and changes nothing. The result
  // is the session's cached copy (valid until that client's next command applies).
  const Result& apply(const Command& c);
  // A read of the local state (ReadIndex, leases, and stale-read bugs).
  std::string read(const std::string& key) const;
  // The cached result when `c` was already applied; nullptr otherwise.
  const Result* applied(const Command& c) const;
  size_t keys() const { return data_.size(); }

  nlohmann::json to_json() const;
  static KvStore from_json(const nlohmann::json& j);

 private:
  struct Session {
    uint64_t seq = 0;
    Result result;
  };
  std::map<std::string, std::string> data_;
  std::map<uint64_t, Session> sessions_;
};

// ---- the client nodes (kv_client.h) ----

struct Workload {
  double rate = 20;          // operations offered per second per client node (open loop)
  uint32_t concurrency = 4;  // logical processes per client node, one operation outstanding each
  uint32_t keys = 3;
  double read_ratio = 0.5;
  sim::Duration timeout = sim::Duration::millis(200);  // per attempt
  uint32_t attempts = 8;                                // sends before giving up ("info")
  bool periodic = false;  // arrivals exactly every 1/rate (the first at 1/rate) instead of Poisson
  uint64_t count = 0;     // operations per client node; 0 = no limit

  static Workload from(const sim::ProtocolConfig& c);
};
sim::ParamTable<Workload> workload_params();  // "workload"

// A client's operation arrived while all `busy` of its processes had one in flight: not run.
struct OpSkipped {
  static constexpr std::string_view type_name = "op_skipped";
  uint32_t busy = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("busy", self.busy); }
};

// The next operation arrives (open loop).
struct NextOpTimer {
  static constexpr std::string_view type_name = "next_op";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Logical process `process` heard nothing back from its latest attempt in time.
struct AttemptTimeout {
  static constexpr std::string_view type_name = "timeout";
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("process", self.process); }
};

// Logical process `process` tries its operation again, after a back-off or a redirect.
struct RetryTimer {
  static constexpr std::string_view type_name = "retry";
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("process", self.process); }
};

using ClientTimer = std::variant<NextOpTimer, AttemptTimeout, RetryTimer>;

}  // namespace dsim::kv

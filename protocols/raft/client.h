// A Raft client node (Raft §8) hosting `concurrency` logical processes, in the Jepsen sense:
// each process has one operation outstanding at a time and its own Raft session (its own
// client id and sequence numbers), so a retried command still applies exactly once (the
// servers' session table) while the node as a whole keeps several operations in flight.
//
// Operations arrive open-loop at an average `rate` per second per node (exponential gaps, or
// exactly 1/rate apart with "arrivals": "periodic"; at most `count` when it is set), on keys
// k0..k(N-1). An arrival takes the lowest-numbered idle process; when every process is
// busy the operation is skipped and an op_skipped observation says so (the summary counts
// them), rather than silently queueing and under-reporting the offered load.
//
// A process finds the leader through redirects (the hint is shared by the node's processes),
// retries with back-off, and records its history with its process index: invoke, then ok,
// fail (no attempt can have taken effect: every one was refused) or info (an attempt timed
// out, so it may or may not have taken effect).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/raft/messages.h"
#include "protocols/raft/params.h"
#include "protocols/raft/timers.h"
#include "sim/process.h"

namespace dsim::raft {

class Client final : public sim::ProcessOf<Message, ClientTimer> {
 public:
  explicit Client(Workload w) : w_(w) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ClientTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // The Raft session id of logical process `process` of client node `node` in incarnation
  // `incarnation`: distinct per process, and the incarnation keeps a restarted client's
  // sequence numbers from colliding with its past.
  static SessionId session_id(uint32_t incarnation, uint32_t process, uint32_t node) {
    return SessionId{(static_cast<uint64_t>(incarnation) << 40) | (static_cast<uint64_t>(process) << 32) | node};
  }

 private:
  // One logical process: at most one operation in flight.
  struct Session {
    uint32_t index = 0;  // the process index within this node, recorded in the history
    SessionId client_id;
    uint64_t seq = 0;
    bool in_flight = false;  // an operation is invoked and not completed
    Command cmd;
    uint32_t attempts = 0, redirects = 0;
    bool maybe_applied = false;
    sim::NodeId sent_to;  // the server of the latest attempt
    sim::TimerId timeout, retry;
  };

  void schedule_next(sim::Context& ctx);
  void arrive(sim::Context& ctx);
  void issue(sim::Context& ctx, Session& s);
  void attempt(sim::Context& ctx, Session& s);
  void retry_later(sim::Context& ctx, Session& s, bool counts);
  void finish(sim::Context& ctx, Session& s, sim::Completion how, nlohmann::json result);
  void on_reply(sim::Context& ctx, const ClientReply& r);
  void give_up_on(const sim::Context& ctx, sim::NodeId server);
  // Logical process `process` if it has an operation in flight, else nullptr.
  Session* in_flight(uint32_t process);

  Workload w_;
  std::vector<Session> sessions_;
  sim::NodeId leader_guess_;
  std::map<std::string, std::string> last_seen_;  // per key: the value we last read or wrote (cas input)
  uint64_t arrivals_ = 0;                          // operations offered so far (workload "count")
};

}  // namespace dsim::raft

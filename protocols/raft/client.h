// A Raft client (Raft §8): one operation at a time, at an average `rate` per second, on keys
// k0..k(N-1). It finds the leader through redirects, retries with back-off, and carries
// (client id, sequence number) so a retried command applies exactly once (the servers' session
// table). Every operation is recorded as a Jepsen-style history: invoke, then ok, fail (no
// attempt can have taken effect: every one was refused) or info (an attempt timed out, so it
// may or may not have taken effect).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/raft/messages.h"
#include "protocols/raft/params.h"
#include "sim/process.h"

namespace dsim::raft {

class Client final : public sim::ProcessOf<Message> {
 public:
  explicit Client(Workload w) : w_(w) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::Timer timer) override;

  static constexpr uint64_t kNextOp = 1;
  static constexpr uint64_t kTimeout = 2;
  static constexpr uint64_t kRetry = 3;

 private:
  void schedule_next(sim::Context& ctx);
  void issue(sim::Context& ctx);
  void attempt(sim::Context& ctx);
  void retry_later(sim::Context& ctx, bool counts);
  void finish(sim::Context& ctx, const char* type, nlohmann::json result);
  void on_reply(sim::Context& ctx, const ClientReply& r);

  Workload w_;
  uint64_t client_id_ = 0;
  uint64_t seq_ = 0;
  bool in_flight_ = false;  // an operation is invoked and not completed
  Command cmd_;
  uint32_t attempts_ = 0, redirects_ = 0;
  bool maybe_applied_ = false;
  sim::NodeId leader_guess_;
  sim::TimerId timeout_, retry_;
  std::map<std::string, std::string> last_seen_;  // per key: the value we last read or wrote (cas input)
};

}  // namespace dsim::raft

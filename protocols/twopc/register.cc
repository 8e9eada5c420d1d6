// Registers two-phase commit with the protocol registry.
#include "protocols/commit/client.h"
#include "protocols/commit/invariants.h"
#include "protocols/commit/metrics.h"
#include "protocols/registry.h"
#include "protocols/twopc/coordinator.h"
#include "protocols/twopc/participant.h"

namespace dsim::twopc {

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "twopc";
  p.description =
      "Two-phase commit (Gray 1978; Bernstein, Hadzilacos & Goodman ch. 7): n1 coordinates, n2..nN are key-value "
      "shards with no-wait locks; write-ahead logs, recovery after restart, cooperative termination. Safe under "
      "any crash, loss and partition; blocks while the coordinator is down.";
  p.params = {{"timeout", sim::ParamType::duration, "100ms",
               "base timeout: vote wait, the decision wait before asking (backing off to 8x), resend interval; a "
               "working participant waits 2x for the vote request",
               1000, 1e18, {}}};
  p.workload = commit::workload_specs();
  p.invariants = commit::invariant_specs("twopc", 30);
  p.bugs = {
      {"commit_on_timeout", "the coordinator commits when a vote times out (caught by twopc.ac3_commit_needs_all_yes)"},
      {"forget_prepared",
       "a participant votes yes without logging its prepared state (caught by twopc.ac1_agreement or "
       "twopc.atomic_state after a crash)"},
  };
  p.message_types = sim::message_type_names<Message>();
  p.metrics = [](const sim::ProtocolConfig&) { return commit::make_metrics(); };
  p.selectors = {{"coordinator", "the coordinator (n1), while it is up", "coordinator"}};
  p.budget.max_crashed = [](uint32_t n) { return n; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;  // every record is forced before the message that depends on it
  p.budget.summary = "any crashes (it blocks while the coordinator is down), any partitions and omissions; no "
                     "Byzantine nodes";
  p.min_nodes = 2;
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Config cfg = Config::from(config);
    const commit::Workload w = commit::Workload::from(config);
    return [cfg, w](sim::NodeId id, const sim::Topology& t) -> std::unique_ptr<sim::Process> {
      if (id == commit::coordinator_node()) return std::make_unique<Coordinator>(cfg);
      if (t.role(id) == sim::Role::server) return std::make_unique<Participant>(cfg);
      return std::make_unique<commit::Client<Message>>(w);
    };
  };
  p.decode = sim::message_decoder<Message>();
  return p;
}

}  // namespace dsim::twopc

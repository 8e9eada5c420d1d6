// Registers two-phase commit with the protocol registry.
#include "protocols/commit/protocol.h"
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
  commit::fill_common_spec<Coordinator, Participant, Message>(
      p, 30,
      commit::config_params<Bugs>(
          "base timeout: vote wait, the decision wait before asking (backing off to 8x), resend interval; a "
          "working participant waits 2x for the vote request"),
      bug_switches());
  commit::set_observations<>(p);
  p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig&) { return n; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;  // every record is forced before the message that depends on it
  p.budget.summary = "any crashes (it blocks while the coordinator is down), any partitions and omissions; no "
                     "Byzantine nodes";
  // Swarm knob: the timeout. Any value is safe; AC4 (all yes and nothing failed => commit)
  // assumes a vote round trip stays well below it, so it is drawn above 25 round trips.
  p.swarm = {sim::knob_timeout("timeout", sim::Duration::millis(20), 25, 4)};
  return p;
}

}  // namespace dsim::twopc

// Registers three-phase commit with the protocol registry.
#include "protocols/commit/protocol.h"
#include "protocols/registry.h"
#include "protocols/threepc/coordinator.h"
#include "protocols/threepc/participant.h"

namespace dsim::threepc {

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "threepc";
  p.description =
      "Three-phase commit (Skeen 1981; Bernstein, Hadzilacos & Goodman §7.5) with the termination protocol: "
      "n1 coordinates, n2..nN are key-value shards. Non-blocking under crashes in a synchronous network; unsafe "
      "under partitions.";
  commit::fill_common_spec<Coordinator, Participant, Message>(
      p, 40,
      commit::config_params<Bugs>(
          "base timeout T (must exceed 4x the largest message delay): vote and ack waits T, a participant's "
          "wait 2T, a termination round 4T"),
      bug_switches());
  commit::set_observations<PreCommitted, TerminationRound>(p);
  // Non-blocking needs one operational process per transaction; the nemesis keeps one up.
  p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig&) { return n > 0 ? n - 1 : 0; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;
  p.budget.summary = "crashes of all but one node at once, in a synchronous network: partitions, omissions, delays "
                     "beyond timeout/4 and clock drift break 3PC's model (and its safety)";
  // Swarm knob: the timeout T. Skeen's model needs every delay below T/4; a delay is a message
  // (uniform latency, at most 1.5x its mean in swarm.json) plus the syncs it waits behind
  // (lognormal, sigma 0.5: 20x the median is 6 sigmas), so T starts at 8x that.
  p.swarm = {{"timeout", "log-uniform in [max(20ms, 8 x (1.5 x latency + 20 x sync)), 4x that]",
              [](sim::Rng& rng, const nlohmann::json& drawn) {
                const auto& t = drawn.at("$timing");
                const double delay = 1.5 * static_cast<double>(t.value("latency_ns", int64_t{0})) +
                                     20 * static_cast<double>(t.value("sync_ns", int64_t{0}));
                const sim::Duration lo =
                    std::max(sim::Duration::millis(20), sim::Duration::nanos(static_cast<int64_t>(8 * delay)));
                return nlohmann::json(sim::format_duration(sim::log_uniform(rng, lo, lo * 4)));
              }}};
  return p;
}

}  // namespace dsim::threepc

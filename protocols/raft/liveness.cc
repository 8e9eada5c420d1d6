// raft.liveness: checked at the end of the run, relative to when the last fault healed.
//
// Raft promises availability only "as long as any majority of the servers are operational and
// can communicate with each other and with clients" (§5, and timing: broadcastTime <<
// electionTimeout << MTBF, §5.6). So once every fault has healed, within `settle`
// (kSettleElectionTimeouts = 5 of the largest election timeout) exactly one leader must be in
// place and stay there to the end, every client operation invoked before end - `drain` must have
// completed (ok, fail or info), and operations invoked after the leader settled must complete ok.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/common/params.h"
#include "protocols/raft/invariants.h"
#include "protocols/raft/observations.h"

namespace dsim::raft {
namespace {

class Liveness final : public sim::Invariant {
 public:
  Liveness(const sim::InvariantEnv& env, sim::Time heal, sim::Duration settle, sim::Duration drain)
      : names_(env.topology->names()), heal_(heal), settle_(settle), drain_(drain), leading_(env.topology->servers(), false) {}

  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    if (ev.kind == sim::TraceKind::crash && n < leading_.size() && leading_[n]) change(n, false, ev.time);
    if (n < leading_.size()) {
      if (ev.observed<BecameLeader>()) change(n, true, ev.time);
      else if (ev.observed<SteppedDown>()) change(n, false, ev.time);
    }
    if (ev.client()) {
      if (ev.name == "invoke") {
        open_[sim::client_process(ev)] = ev.time;
      } else {
        auto it = open_.find(sim::client_process(ev));
        if (it != open_.end()) {
          if (ev.name != "ok" && it->second >= heal_ + settle_ && !late_failure_)
            late_failure_ = "client " + names_[ev.node.value] + " got \"" + std::string(ev.name) +
                            "\" for an operation invoked at " + sim::format_ms(it->second - sim::Time::zero()) +
                            ", after the cluster had settled";
          open_.erase(it);
        }
      }
    }
  }

  bool liveness() const override { return true; }

  void on_end(sim::Time end) override {
    uint32_t leaders = 0;
    for (bool l : leading_) leaders += l;
    const sim::Time deadline = heal_ + settle_;
    if (leaders != 1)
      return violate_at_end(end, std::to_string(leaders) + " leaders at the end of the run, " +
                                     sim::format_ms(end - heal_) + " after the last fault healed");
    if (last_change_ > deadline)
      return violate_at_end(end, "leadership still changed at " + sim::format_ms(last_change_ - sim::Time::zero()) +
                                     ", later than the bound of " + sim::format_ms(settle_) +
                                     " after the last fault healed");
    for (const auto& [client, invoked] : open_)
      if (invoked + drain_ < end)
        return violate_at_end(end, "client " + names_[client.node] + " process " + std::to_string(client.process) +
                                       "'s operation invoked at " +
                                       sim::format_ms(invoked - sim::Time::zero()) + " never completed");
    if (late_failure_) violate_at_end(end, *late_failure_);
  }

 private:
  void change(uint32_t n, bool leading, sim::Time t) {
    leading_[n] = leading;
    last_change_ = t;
  }
  std::vector<std::string> names_;  // the topology's, for the violation's sentence
  sim::Time heal_;
  sim::Duration settle_, drain_;
  std::vector<bool> leading_;
  sim::Time last_change_;
  std::map<sim::ClientProcess, sim::Time> open_;  // client process -> invoke time of its open operation
  std::optional<std::string> late_failure_;
};

}  // namespace

// §5.6: "broadcastTime << electionTimeout << MTBF". A swarm may draw election timeouts close to
// a round trip, or ranges too narrow to break split votes (§9.3), to hunt bugs in elections;
// such a draw still promises safety, but not that a leader settles in time.
std::string liveness_not_promised(const sim::InvariantEnv& env) {
  const nlohmann::json& s = *env.scenario;
  const sim::Duration rt = sim::scenario_round_trip(s);
  const auto& range = s.at("protocol").at("params").at("election_timeout");
  const sim::Duration min = *sim::parse_duration(range.at(0).get<std::string>(), nullptr);
  const sim::Duration max = *sim::parse_duration(range.at(1).get<std::string>(), nullptr);
  if (min < rt * 10)
    return "election timeout " + sim::format_duration(min) + " below 10 round trips (" + sim::format_duration(rt * 10) + ")";
  if (max.ns() * 2 < min.ns() * 3) return "election timeout range narrower than min x 1.5";
  return "";
}

std::unique_ptr<sim::Invariant> make_liveness(const sim::InvariantEnv& env) {
  const nlohmann::json& s = *env.scenario;
  const sim::Healing::LastHeal heal = env.healing.last_heal(false, "Raft");
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  // The slowest server's timeout: a server with a longer one (node_params) may be the next leader.
  const sim::Duration emax = protocols::largest_duration_param(s, "election_timeout", 1);
  const auto& w = s.at("workload");
  const sim::Duration settle = emax * kSettleElectionTimeouts;
  // A client gives up after `attempts` timeouts, each followed by at most 160ms of back-off.
  const sim::Duration timeout = *sim::parse_duration(w.at("timeout").get<std::string>(), nullptr);
  const sim::Duration drain = (timeout + sim::Duration::millis(160)) * w.at("attempts").get<int64_t>();
  const sim::Duration duration = *sim::parse_duration(s.at("duration").get<std::string>(), nullptr);
  if (*heal.at + settle + drain >= duration)
    return sim::skipped_invariant("the last fault heals at " + sim::format_ms(*heal.at) +
                                  ", too close to the end (needs " + sim::format_ms(settle + drain) + " more)");
  return std::make_unique<Liveness>(env, sim::Time::zero() + *heal.at, settle, drain);
}

}  // namespace dsim::raft

// What 2PC's and 3PC's registrations share: the parameters and bug switches from the
// protocol's declarations, the workload, the AC invariants under the protocol's prefix, the
// metrics, the "coordinator" selector, and the node factory (n1 the coordinator, the other
// servers participants, clients the shared transaction client).
#pragma once

#include <memory>
#include <string>

#include "protocols/commit/client.h"
#include "protocols/commit/config.h"
#include "protocols/commit/invariants.h"
#include "protocols/commit/metrics.h"
#include "protocols/commit/shard.h"
#include "sim/registry.h"

namespace dsim::commit {

template <class Coordinator, class Participant, class Message, class Bugs>
void fill_common_spec(sim::ProtocolSpec& p, int64_t termination_bound_timeouts,
                      const sim::ParamTable<Config<Bugs>>& params, const sim::BugTable<Bugs>& bugs) {
  p.params = params.specs();
  p.bugs = bugs.specs();
  p.workload = workload_params().specs();
  p.check_workload = check_workload;
  p.max_client_restarts = kMaxClientRestarts;  // the incarnation field of a TxnId
  p.invariants = invariant_specs(p.name, termination_bound_timeouts);
  p.message_types = sim::message_type_names<Message>();
  p.metrics = [](const sim::ProtocolConfig&) { return make_metrics(); };
  p.selectors = {sim::selector_on<CoordinatorUp>("coordinator", "the coordinator (n1), while it is up")};
  p.min_nodes = 2;
  p.make_factory = [params, bugs](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Workload w = workload_params().parse(config.workload);
    Config<Bugs> cfg = params.parse(config.params);
    cfg.vote_no = w.vote_no;
    cfg.bugs = bugs.parse(config);
    return [cfg, w](sim::NodeId id, const sim::Topology& t) -> std::unique_ptr<sim::Process> {
      if (id == coordinator_node()) return std::make_unique<Coordinator>(cfg);
      if (t.role(id) == sim::Role::server) return std::make_unique<Participant>(cfg);
      return std::make_unique<Client<Message>>(w);
    };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_timer = sim::timer_decoder<ClientTimer, typename Coordinator::TimerType, typename Participant::TimerType>();
  p.timer_types = sim::timer_names<ClientTimer, typename Coordinator::TimerType, typename Participant::TimerType>();
}

// The observations both protocols make, then `Extra` (3PC's precommit and termination).
template <class... Extra>
void set_observations(sim::ProtocolSpec& p) {
  p.decode_observation = sim::observation_decoder<CoordinatorUp, Submitted, Begun, Voted, Decided, Applied, ClientOutcome, Extra...>();
  p.observation_types = sim::observation_names<CoordinatorUp, Submitted, Begun, Voted, Decided, Applied, ClientOutcome, Extra...>();
  // The story: the coordinator begins, participants vote, everyone decides, clients hear.
  p.story = sim::observation_names<Begun, Voted, Decided, ClientOutcome, Extra...>();
}

// A coordinator's state for people (`dsim state`): each undecided transaction (and the
// latest decided) with `what(txn)` (its phase, or the decision) and, while undecided, the yes
// votes gathered. Txn has `decision` and `yes` (participant node ids).
template <class Txns, class What>
void describe_coordinator(const sim::Context& ctx, const Txns& txns, nlohmann::json& state, What what) {
  nlohmann::json out(nlohmann::json::value_t::object);
  size_t decided_shown = 0;
  for (auto it = txns.rbegin(); it != txns.rend(); ++it) {
    const auto& t = it->second;
    if (t.decision != Decision::none) {
      if (decided_shown++ < kDescribedDecided) out[std::to_string(it->first)] = std::string(to_string(t.decision));
      continue;
    }
    std::string yes;
    for (uint32_t n : t.yes) yes += (yes.empty() ? "" : ",") + ctx.name(sim::NodeId(n));
    out[std::to_string(it->first)] = std::string(what(t)) + " (yes: " + (yes.empty() ? "none" : yes) + ")";
  }
  state["txns"] = std::move(out);
}

// The coordinator's "begin" observation: the transaction and its participants.
inline void observe_begin(sim::Context& ctx, TxnId txn, const std::vector<sim::NodeId>& participants) {
  if (ctx.observing()) ctx.observe(Begun{txn, participants});
}

}  // namespace dsim::commit

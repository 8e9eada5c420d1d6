// Registers the sagas with the protocol registry: parameters, workload, invariants, known bugs,
// selectors, the fault budget and the checks of the services against the cluster.
#include <set>

#include "protocols/registry.h"
#include "protocols/saga/broker.h"
#include "protocols/saga/client.h"
#include "protocols/saga/invariants.h"
#include "protocols/saga/metrics.h"
#include "protocols/saga/observations.h"
#include "protocols/saga/orchestrator.h"
#include "protocols/saga/service.h"
#include "protocols/saga/timers.h"
#include "sim/config.h"
#include "sim/scenario.h"

namespace dsim::saga {

namespace {

void check_saga_params(const sim::Scenario& s, const sim::ConfigSource& source) {
  const Config cfg = Config::from(s.config);
  const std::vector<std::string> names = cfg.service_names();
  std::set<std::string> seen;
  for (const std::string& n : names) {
    if (n.empty() || n.find_first_of(" \t\n\"") != std::string::npos)
      sim::fail_at(source, "/protocol/params/services", "a service name is empty or has blanks or quotes: \"" + cfg.services + "\"");
    if (!seen.insert(n).second) sim::fail_at(source, "/protocol/params/services", "the service \"" + n + "\" is named twice");
  }
  if (names.empty() || names.size() > 64)
    sim::fail_at(source, "/protocol/params/services", "a saga needs 1 to 64 services, not " + std::to_string(names.size()));
  if (s.nodes != names.size() + 1)
    sim::fail_at(source, "/nodes", std::to_string(s.nodes) + " servers, but " + std::to_string(names.size()) +
                                       " services need " + std::to_string(names.size() + 1) + " (n1 is the " +
                                       (cfg.style == Style::orchestrated ? "orchestrator" : "broker") + ")");
  if (!cfg.pivot.empty()) {
    const uint32_t pivot = cfg.pivot_step();
    if (pivot == names.size())
      sim::fail_at(source, "/protocol/params/pivot", "\"" + cfg.pivot + "\" is not one of the services (" + cfg.services + ")");
    // Past the pivot nothing may refuse: every service's own fail, the defaults' included.
    for (uint32_t step = pivot + 1; step < names.size(); ++step) {
      const sim::NodeId node(step + 1);
      const auto own = s.config.node_params.find(node);
      const double fail = own != s.config.node_params.end() ? config_params().parse(own->second).fail : cfg.fail;
      if (fail > 0)
        sim::fail_at(source, "/protocol/params/pivot",
                     "the service \"" + names[step] + "\" comes after the pivot \"" + cfg.pivot + "\" but may refuse (fail " +
                         std::to_string(fail) + "): past the pivot a saga can only go forward");
    }
  }
  if (cfg.backoff > cfg.backoff_max)
    sim::fail_at(source, "/protocol/params/backoff", "the first back-off is longer than backoff_max");
}

}  // namespace

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "saga";
  p.description =
      "Sagas (Garcia-Molina & Salem, SIGMOD 1987): long-running transactions as a sequence of local transactions "
      "T1..Tn, one per service (order, payment, inventory, shipping by default), each with a compensation; a saga "
      "either completes or runs Cj..C1 for the steps done. Orchestrated: an orchestrator with a durable saga log calls "
      "the services in turn, retries with exponential back-off and jitter, keeps a circuit breaker per service and "
      "recovers every saga in flight after a crash. Services run each step idempotently by saga, with a tombstone for a "
      "compensation that arrives before its step. A pivot step (no compensation) makes the saga go only forward once done.";
  p.params = config_params().specs();
  p.workload = workload_params().specs();
  p.invariants = {
      {"saga.atomicity",
       "every saga that ended completed every step, or compensated exactly the steps it did (a prefix T1..Tj), each "
       "after it ran, last to first (checked at the end)",
       make_atomicity},
      {"saga.exactly_once", "no step and no compensation of a saga is applied twice, whatever retries bring",
       make_exactly_once},
      {"saga.no_phantom_compensation", "no compensation undoes a step that was never done", make_no_phantom_compensation},
      {"saga.termination",
       "once faults heal, every saga begun ends (unless an event of it was dead-lettered) within a bound of the later "
       "of its start and the last heal: orchestrated, 2S x (step_timeout + work + backoff_max + breaker_open); "
       "choreographed, (2S + 1) x (relay + work + visibility_timeout + backoff_max) (checked at the end)",
       make_termination},
      {"saga.no_lost_event",
       "choreography: every event a service committed with its state change reaches the broker (checked at the end, "
       "the termination bound after the last heal)",
       make_no_lost_event},
      {"saga.conservation",
       "over the sagas that ended: money debited by payment = credited (completed sagas) + refunded, and stock reserved "
       "by inventory = shipped (completed sagas) + released (checked at the end)",
       make_conservation},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  p.metrics = [](const sim::ProtocolConfig&) { return make_metrics(); };
  p.selectors = {sim::selector_on<Begun>("orchestrator", "the node that most recently began a saga"),
                 sim::selector_on<Applied>("service", "the service that most recently applied a step or a compensation")};
  p.budget.max_crashed = [](uint32_t servers, const sim::ProtocolConfig&) { return servers; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;
  p.budget.summary =
      "any crashes (every node recovers from its durable state), partitions, omissions, message loss and clock skew; "
      "sagas end once the faults heal; no Byzantine nodes";
  // Swarm knobs: orchestration or choreography, and every timeout and back-off (the
  // termination bound is computed from them); the step and visibility timeouts stay above 10
  // round trips.
  p.swarm = {
      sim::knob_choice("style", {"orchestrated", "choreographed"}),
      sim::knob_timeout("step_timeout", sim::Duration::millis(20), 10, 10),
      sim::knob_integer("retries", 1, 6),
      sim::knob_duration("backoff", sim::Duration::millis(2), sim::Duration::millis(100)),
      sim::knob_timeout("visibility_timeout", sim::Duration::millis(50), 10, 10),
      sim::knob_duration("relay", sim::Duration::millis(2), sim::Duration::millis(100)),
  };
  p.min_nodes = 2;
  p.check_params = check_saga_params;
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Config cfg = Config::from(config);
    const Workload w = Workload::from(config);
    return [cfg, w](sim::NodeId id, const sim::Topology& t) -> std::unique_ptr<sim::Process> {
      if (t.role(id) != sim::Role::server) return std::make_unique<Client>(w);
      if (id.value == 0 && cfg.style == Style::choreographed) return std::make_unique<Broker>(cfg);
      if (id.value == 0) return std::make_unique<Orchestrator>(cfg);
      const std::vector<std::string> names = cfg.service_names();
      const uint32_t step = id.value - 1;
      return std::make_unique<Service>(cfg, step, step < names.size() ? names[step] : "?");
    };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_observation = decode_observation();
  p.observation_types = observation_types();
  p.decode_timer = sim::timer_decoder<ServerTimer, ClientTimer>();
  p.timer_types = sim::timer_names<ServerTimer, ClientTimer>();
  p.story = sim::observation_names<Begun, Ended, Refused, Breaker>();
  return p;
}

}  // namespace dsim::saga

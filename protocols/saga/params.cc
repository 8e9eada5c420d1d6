#include "protocols/saga/params.h"

#include <sstream>

namespace dsim::saga {

sim::ParamTable<Config> config_params() {
  return {
      sim::param("style", &Config::style,
                 "orchestrated: an orchestrator (n1) with a durable saga log calls each service in turn and runs the "
                 "compensations in reverse order on a failure; choreographed: the services react to one another's "
                 "events on a message broker (n1), each writing its state and its outgoing event in one local "
                 "transaction (the transactional outbox)",
                 {{"orchestrated", Style::orchestrated}, {"choreographed", Style::choreographed}}),
      sim::param("services", &Config::services,
                 "the services in step order, comma-separated: server n(i+1) runs step i, and its compensation; the "
                 "scenario has one server per service plus n1"),
      sim::param("pivot", &Config::pivot,
                 "the service whose step has no compensation (\"\" = every step has one): once it is done the saga "
                 "can only go forward, so the services after it must not refuse (fail 0) and their steps are retried "
                 "until they succeed"),
      sim::param("fail", &Config::fail,
                 "probability that a service refuses a step by business rule (payment declined, out of stock); set one "
                 "service's own in protocol.node_params", 0, 1),
      sim::param("work", &Config::work, "how long a service's local transaction takes (one service's own: node_params)",
                 sim::Duration{}),
      sim::param("step_timeout", &Config::step_timeout, "how long the orchestrator waits for a step's answer"),
      sim::param("retries", &Config::retries,
                 "attempts after the first before a step counts as failed (compensations are retried forever)", 0, 1000),
      sim::param("backoff", &Config::backoff,
                 "the first retry's back-off; each retry doubles it (up to backoff_max) and waits a uniform share of it "
                 "(full jitter)"),
      sim::param("backoff_max", &Config::backoff_max, "the largest back-off"),
      sim::param("breaker_failures", &Config::breaker_failures,
                 "timeouts in a row that open the orchestrator's circuit breaker for a service", 1, 1000),
      sim::param("breaker_open", &Config::breaker_open,
                 "how long an open breaker fails calls at once before letting one through (half-open)"),
      sim::param("visibility_timeout", &Config::visibility_timeout,
                 "choreography: the broker delivers an event again when the subscriber has not acknowledged it this long"),
      sim::param("max_deliveries", &Config::max_deliveries,
                 "choreography: deliveries of one event to one subscriber before it goes to the dead-letter queue", 1, 1000),
      sim::param("relay", &Config::relay, "choreography: how often a service relays its outbox to the broker"),
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out = config_params().parse(c.params);
  out.bugs = bug_switches().parse(c);
  return out;
}

std::vector<std::string> Config::service_names() const {
  std::vector<std::string> out;
  std::stringstream in(services);
  for (std::string s; std::getline(in, s, ',');) out.push_back(s);
  return out;
}

uint32_t Config::pivot_step() const {
  const std::vector<std::string> names = service_names();
  for (uint32_t i = 0; i < names.size(); ++i)
    if (names[i] == pivot) return i;
  return static_cast<uint32_t>(names.size());
}

sim::ParamTable<Workload> workload_params() {
  return {
      sim::param("rate", &Workload::rate, "sagas started per second per client node (open loop)", 0, 1e6),
      sim::param("count", &Workload::count, "sagas per client node (0 = no limit)", 0, 1'000'000'000),
      sim::param("stop", &Workload::stop, "no saga starts after this moment (0: never)", sim::Duration{}),
      sim::param("amount_max", &Workload::amount_max, "each saga's amount is uniform in 1..amount_max", 1, 1'000'000),
      sim::param("qty_max", &Workload::qty_max, "each saga's quantity is uniform in 1..qty_max", 1, 1'000'000),
  };
}

Workload Workload::from(const sim::ProtocolConfig& c) { return workload_params().parse(c.workload); }

}  // namespace dsim::saga

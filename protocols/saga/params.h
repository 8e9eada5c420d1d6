// Parameters of the sagas (protocol.params; a service's own: protocol.node_params.<server>) and
// of their clients (workload).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocols/saga/bugs.h"
#include "sim/declare.h"
#include "sim/time.h"

namespace dsim::saga {

enum class Style : uint8_t { orchestrated, choreographed };

struct Config {
  Style style = Style::orchestrated;
  // The services, in step order: server n(i+1) runs step i; n1 is the orchestrator (orchestrated)
  // or the message broker (choreographed).
  std::string services = "order,payment,inventory,shipping";
  // The service whose step has no compensation ("" = every step has one): a pivot. Once it is
  // done the saga can only go forward, so the steps after it must never refuse (fail 0) and are
  // retried until they succeed.
  std::string pivot;
  // A service's own (node_params): how likely it refuses a step by business rule, and how long a
  // local transaction takes.
  double fail = 0.0;
  sim::Duration work = sim::Duration::millis(2);
  // The orchestrator's calls: a step's answer awaited this long, then retried after an
  // exponential back-off with full jitter, at most `retries` times before the saga compensates.
  sim::Duration step_timeout = sim::Duration::millis(200);
  uint32_t retries = 4;
  sim::Duration backoff = sim::Duration::millis(20);
  sim::Duration backoff_max = sim::Duration::millis(500);
  // A circuit breaker per service: `breaker_failures` timeouts in a row open it; it stays open
  // `breaker_open` (calls fail at once), then lets one call through (half-open).
  uint32_t breaker_failures = 5;
  sim::Duration breaker_open = sim::Duration::seconds(1);
  // The broker: a delivery not acknowledged within `visibility_timeout` is delivered again; after
  // `max_deliveries` it goes to the dead-letter queue. Services relay their outbox every `relay`.
  sim::Duration visibility_timeout = sim::Duration::millis(300);
  uint32_t max_deliveries = 8;
  sim::Duration relay = sim::Duration::millis(20);
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
  std::vector<std::string> service_names() const;
  // The pivot's step, or the number of services when there is none.
  uint32_t pivot_step() const;
};

sim::ParamTable<Config> config_params();

struct Workload {
  double rate = 5;   // sagas started per second per client node (open loop)
  uint64_t count = 0;  // sagas per client node (0 = no limit)
  sim::Duration stop;  // no saga starts after this time (0 = never)
  int64_t amount_max = 100;  // each saga's amount is uniform in 1..amount_max
  int64_t qty_max = 5;       // and its quantity in 1..qty_max

  static Workload from(const sim::ProtocolConfig& c);
};
sim::ParamTable<Workload> workload_params();

}  // namespace dsim::saga

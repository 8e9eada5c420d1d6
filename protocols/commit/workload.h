// The transaction workload shared by 2PC and 3PC: how often clients submit, how many shards a
// transaction writes, the key space (small = contention = lock conflicts = aborts), and the
// probability that a participant votes no (a failed integrity check, say). workload_params()
// declares each field as a "workload" parameter (sim/declare.h).
#pragma once

#include <cstdint>

#include "sim/config.h"
#include "sim/declare.h"
#include "sim/time.h"

namespace dsim::commit {

struct Workload {
  double rate = 10;              // transactions per second per client (Poisson arrivals)
  uint32_t shards_per_txn = 2;   // distinct participants a transaction writes
  uint32_t keys = 16;            // keys k0..k(keys-1), spread over the shards
  double vote_no = 0.05;         // per participant and transaction
  sim::Duration timeout = sim::Duration::millis(500);  // client: wait for the outcome, then ask again
  uint32_t attempts = 6;         // commit requests before the outcome is reported unknown
  bool periodic = false;         // arrivals every 1/rate exactly (teaching scenarios) instead of Poisson
  uint64_t count = 0;            // transactions per client; 0 = no limit
};

sim::ParamTable<Workload> workload_params();

// Refuses a workload without a "count" whose rate over the scenario's duration would come near
// the transactions a client incarnation can number (TxnId). ProtocolSpec::check_workload.
void check_workload(const sim::Scenario& scenario, sim::ConfigReader& workload);

}  // namespace dsim::commit

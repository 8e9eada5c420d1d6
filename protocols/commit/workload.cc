#include "protocols/commit/workload.h"

namespace dsim::commit {

sim::ParamTable<Workload> workload_params() {
  return {
      sim::param("rate", &Workload::rate, "transactions per second per client (Poisson arrivals, open loop)", 0, 1e6),
      sim::param("shards_per_txn", &Workload::shards_per_txn,
                 "distinct participants (shards) a transaction writes (at most N-1)", 1, 1'000'000),
      sim::param("keys", &Workload::keys, "key space k0..k(N-1); key k<i> lives on participant i mod (servers-1)", 1,
                 1'000'000'000),
      sim::param("vote_no", &Workload::vote_no, "probability that a participant votes no on a transaction", 0, 1),
      sim::param("timeout", &Workload::timeout, "client: time to wait for the outcome before asking again"),
      sim::param("attempts", &Workload::attempts, "commit requests before the client reports the outcome unknown", 1,
                 1000),
      sim::param("arrivals", &Workload::periodic,
                 "poisson: exponential gaps of mean 1/rate; periodic: exactly every 1/rate, the first at 1/rate (for "
                 "scenarios that time a fault against one transaction)",
                 {{"poisson", false}, {"periodic", true}}),
      sim::param("count", &Workload::count, "transactions per client (0 = no limit)", 0, 1'000'000'000),
  };
}

}  // namespace dsim::commit

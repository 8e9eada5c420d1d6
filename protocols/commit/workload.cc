#include "protocols/commit/workload.h"

#include <string>

#include "protocols/commit/txn.h"
#include "sim/scenario.h"

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
      sim::param("count", &Workload::count, "transactions per client (0 = no limit)", 0, kMaxTxnSequence),
  };
}

void check_workload(const sim::Scenario& s, sim::ConfigReader& workload) {
  const Workload w = workload_params().parse(s.config.workload);
  if (w.count > 0) return;  // at most kMaxTxnSequence per incarnation: count's own bound
  // Open-ended arrivals: half the ids a client incarnation has leaves Poisson's spread no
  // chance of running out (a mean of 5e7 exceeds 1e8 with probability below 10^-8,000,000).
  constexpr uint64_t kMostOffered = kMaxTxnSequence / 2;
  const double offered = w.rate * static_cast<double>(s.duration.ns()) / 1e9;
  if (offered > static_cast<double>(kMostOffered))
    workload.fail("rate", std::to_string(static_cast<uint64_t>(offered)) + " transactions per client over \"duration\": \"" +
                              sim::format_duration(s.duration) + "\" is more than a client's transaction ids allow (" +
                              std::to_string(kMostOffered) + "); lower the rate or the duration, or set \"count\"");
}

}  // namespace dsim::commit

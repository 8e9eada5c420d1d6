#include "protocols/commit/workload.h"

namespace dsim::commit {

std::vector<sim::ParamSpec> workload_specs() {
  using sim::ParamType;
  return {
      {"rate", ParamType::number, 10.0, "transactions per second per client (Poisson arrivals, open loop)", 0, 1e6, {}},
      {"shards_per_txn", ParamType::integer, 2, "distinct participants (shards) a transaction writes (at most N-1)", 1,
       1e6, {}},
      {"keys", ParamType::integer, 16, "key space k0..k(N-1); key k<i> lives on participant i mod (servers-1)", 1, 1e9,
       {}},
      {"vote_no", ParamType::number, 0.05, "probability that a participant votes no on a transaction", 0, 1, {}},
      {"timeout", ParamType::duration, "500ms", "client: time to wait for the outcome before asking again", 1000, 1e18,
       {}},
      {"attempts", ParamType::integer, 6, "commit requests before the client reports the outcome unknown", 1, 1000, {}},
      {"arrivals", ParamType::string, "poisson",
       "poisson: exponential gaps of mean 1/rate; periodic: exactly every 1/rate, the first at 1/rate (for "
       "scenarios that time a fault against one transaction)",
       -1e18, 1e18, {"poisson", "periodic"}},
      {"count", ParamType::integer, 0, "transactions per client (0 = no limit)", 0, 1e9, {}},
  };
}

Workload Workload::from(const sim::ProtocolConfig& c) {
  Workload w;
  w.rate = c.workload.number("rate");
  w.shards_per_txn = static_cast<uint32_t>(c.workload.integer("shards_per_txn"));
  w.keys = static_cast<uint32_t>(c.workload.integer("keys"));
  w.vote_no = c.workload.number("vote_no");
  w.timeout = c.workload.duration("timeout");
  w.attempts = static_cast<uint32_t>(c.workload.integer("attempts"));
  w.periodic = c.workload.string("arrivals") == "periodic";
  w.count = static_cast<uint64_t>(c.workload.integer("count"));
  return w;
}

}  // namespace dsim::commit

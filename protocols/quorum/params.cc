#include "protocols/quorum/params.h"

namespace dsim::quorum {

sim::ParamTable<Config> config_params() {
  return {
      sim::param("mode", &Config::mode,
                 "dynamo: Dynamo-style N/R/W replication with dotted version vectors, siblings, read repair and "
                 "(sloppy) hinted hand-off; abd: the ABD linearizable register (reads write back before returning)",
                 {{"dynamo", Mode::dynamo}, {"abd", Mode::abd}}),
      sim::param("n", &Config::n, "replicas per key: the first N distinct servers clockwise from the key on the ring", 1, 1000),
      sim::param("r", &Config::r, "replies a read waits for (ABD: the query phase's quorum)", 1, 1000),
      sim::param("w", &Config::w, "acknowledgements a write waits for (ABD: the store phase's quorum)", 1, 1000),
      sim::param("vnodes", &Config::vnodes, "tokens (virtual nodes) per server on the consistent-hashing ring", 1, 4096),
      sim::param("resolution", &Config::resolution,
                 "dvv: concurrent writes are kept as siblings (dotted version vectors) and the client merges them; "
                 "lww: last-writer-wins by the coordinator's clock (loses writes when clocks are skewed)",
                 {{"dvv", Resolution::dvv}, {"lww", Resolution::lww}}),
      sim::param("sloppy", &Config::sloppy,
                 "sloppy quorums: while home replicas are down, the next healthy servers on the ring take their "
                 "writes and reads, keeping hinted copies they hand off later (Dynamo §4.6); false: strict quorums "
                 "of home replicas only"),
      sim::param("read_repair", &Config::read_repair,
                 "after a read, the coordinator sends the merged copy to the replicas that answered with stale ones"),
      sim::param("coordinate", &Config::coordinate,
                 "home: a write is coordinated by one of its key's home replicas (any other server forwards it, "
                 "Dynamo §4.5); any: by whichever server receives it, which stores no copy unless it is a replica and "
                 "keeps only its own dot counter (the coordinator of the PBS model, Bailis et al. 2012)",
                 {{"home", Coordinate::home}, {"any", Coordinate::any}}),
      sim::param("fanout", &Config::fanout,
                 "all: a coordinator sends each write and read to the N replicas it picked and answers after the first "
                 "W (R); quorum: to W (R) of them chosen uniformly at random, and no more (a probabilistic quorum "
                 "system, the model of PBS's k-staleness; the coordinator creates the version as with coordinate any)",
                 {{"all", Fanout::all}, {"quorum", Fanout::quorum}}),
      sim::param("replica_timeout", &Config::replica_timeout,
                 "how long a coordinator waits for one replica before suspecting it (and, with sloppy quorums, asking "
                 "the next fallback)"),
      sim::param("request_timeout", &Config::request_timeout,
                 "how long a coordinator works on one client request before answering that too few replicas did"),
      sim::param("suspect_for", &Config::suspect_for,
                 "how long a server skips a replica that timed out (its local failure detector, Dynamo §4.8.3)"),
      sim::param("handoff_every", &Config::handoff_every, "how often a fallback tries to hand its hinted copies off"),
      sim::param("anti_entropy", &Config::anti_entropy,
                 "how often a server compares the keys it hosts in common with the next server in turn by Merkle "
                 "trees and exchanges the copies that differ (Dynamo §4.7); 0 = off",
                 sim::Duration{}),
      sim::param("joiners", &Config::joiners,
                 "the last this many servers start outside the ring and join it (Dynamo §4.9: the servers whose "
                 "ranges they take transfer those keys to them)",
                 0, 1000),
      sim::param("join_at", &Config::join_at, "when the first joiner joins", sim::Duration{}),
      sim::param("join_every", &Config::join_every, "time between joins"),
      sim::param("leavers", &Config::leavers,
                 "the first this many servers leave the ring, transferring their keys to the servers that take them over",
                 0, 1000),
      sim::param("leave_at", &Config::leave_at, "when the first leaver leaves", sim::Duration{}),
      sim::param("leave_every", &Config::leave_every, "time between leaves"),
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out = config_params().parse(c.params);
  out.bugs = bug_switches().parse(c);
  return out;
}

sim::ParamTable<Workload> workload_params() {
  return {
      sim::param("rate", &Workload::rate,
                 "operations offered per second per client node (open loop; skipped and counted when all its "
                 "processes are busy)",
                 0, 1e6),
      sim::param("concurrency", &Workload::concurrency,
                 "logical processes per client node, each with one operation outstanding and its own session", 1, 255),
      sim::param("keys", &Workload::keys, "number of keys k0..k(K-1)", 1, 1'000'000),
      sim::param("read_ratio", &Workload::read_ratio, "fraction of operations that are gets", 0, 1),
      sim::param("timeout", &Workload::timeout,
                 "how long a client waits for its coordinator (then: a read failed, a write is unknown)"),
      sim::param("routing", &Workload::routing,
                 "random: a client sends each request to a server chosen at random; key: to the key's first home "
                 "replica (a partition-aware client); outside: to a random server that is not one of the key's home "
                 "replicas (with coordinate any, the PBS model's coordinator)",
                 {{"random", Routing::random}, {"key", Routing::key}, {"outside", Routing::outside}}),
      sim::param("writes_stop", &Workload::writes_stop,
                 "after this time clients only read, every key in turn (so every key is read after the last write); "
                 "0 = never",
                 sim::Duration{}),
      sim::param("count", &Workload::count, "operations per client node (0 = no limit)", 0, 1'000'000'000),
      sim::param("experiment", &Workload::experiment,
                 "mixed: the random mix of gets and puts above; pbs: the staleness experiments of probabilistically "
                 "bounded staleness (Bailis et al., VLDB 2012) instead: process 0 of each client runs trials one after "
                 "another, at most one per arrival; a trial writes k versions of a fresh key, each once the one before "
                 "was acknowledged, reads the key t after the last acknowledgement and records whether the read "
                 "returned one of the k (`dsim run --curve FILE` writes k,t_ms,trials,fresh,p_consistent)",
                 {{"mixed", Experiment::mixed}, {"pbs", Experiment::pbs}}),
      sim::param("pbs_t_step", &Workload::pbs_t_step,
                 "experiment pbs: t cycles through 0, step, ..., (pbs_t_points - 1) x step", sim::Duration{}),
      sim::param("pbs_t_points", &Workload::pbs_t_points, "experiment pbs: how many values of t the trials cycle through",
                 1, 10'000),
      sim::param("pbs_versions", &Workload::pbs_versions,
                 "experiment pbs: k cycles through 1, ..., pbs_versions, changing after each cycle of t (k-staleness: "
                 "P(a read returns one of the last k versions))",
                 1, 1000),
  };
}

Workload Workload::from(const sim::ProtocolConfig& c) { return workload_params().parse(c.workload); }

}  // namespace dsim::quorum

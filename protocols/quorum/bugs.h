// Known-bug switches of the quorum store: each re-introduces a mistake at exactly one guarded site
// (grep for `cfg_.bugs.<name>`), found by a sweep and caught by the invariant named below.
#pragma once

#include "sim/declare.h"

namespace dsim::quorum {

struct Bugs {
  // A strict-quorum configuration (R + W > N) silently runs with W = N - R: a write is
  // acknowledged by fewer replicas than the quorum needs, so a later read quorum can miss it.
  // Caught by quorum.fresh_reads.
  bool r_plus_w_le_n = false;
  // The coordinator of a read never repairs the replicas that answered with stale copies
  // (Dynamo §4.5): with anti-entropy off, a replica that missed a write stays behind. Caught by
  // quorum.convergence.
  bool no_read_repair = false;
  // A fallback keeps its hinted copies in memory only, not in durable storage (§4.6 keeps them
  // "in a separate local database"): a restart drops them before they are handed off. Caught by
  // quorum.no_lost_write.
  bool lose_hints = false;
  // The store's version vectors are only for show: conflicts are resolved by last-writer-wins on
  // the coordinator's clock, whatever `resolution` says, so a clock that runs behind makes a
  // causally later write lose. Caught by quorum.no_lost_write.
  bool lww_with_skew = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"r_plus_w_le_n", &Bugs::r_plus_w_le_n,
       "writes wait for N - R acknowledgements instead of W, so R + W <= N although the configuration is strict "
       "(caught by quorum.fresh_reads and quorum.sessions)"},
      {"no_read_repair", &Bugs::no_read_repair,
       "reads never repair stale replicas: a replica that missed a write stays behind (caught by quorum.convergence)"},
      {"lose_hints", &Bugs::lose_hints,
       "hinted copies are kept in memory only: a fallback that restarts loses them before hand-off (caught by "
       "quorum.no_lost_write)"},
      {"lww_with_skew", &Bugs::lww_with_skew,
       "conflicts are resolved by last-writer-wins on the coordinator's clock instead of by version vectors: a "
       "skewed clock makes a causally later write lose (caught by quorum.no_lost_write)"},
  };
}

}  // namespace dsim::quorum

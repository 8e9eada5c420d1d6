// Known-bug switches: each re-introduces a classic Raft mistake at exactly one guarded site
// (grep for `bugs_.<name>`), so the test suite can show that a sweep finds it and that the
// invariants named below catch it.
#pragma once

#include "sim/registry.h"

namespace dsim::raft {

struct Bugs {
  // Figure 8 / §5.4.2: the leader counts replicas for entries of older terms, so an entry can
  // be "committed" and later overwritten. Caught by raft.leader_completeness.
  bool commit_old_term = false;
  // §5.2 / Figure 2 ("persistent state on all servers: votedFor"): votedFor is kept only in
  // memory, so a restarted server can vote twice in one term. Caught by raft.election_safety.
  bool forget_vote = false;
  // §5.4.1: votes are granted without the "at least as up-to-date" check, so a server missing
  // committed entries can become leader. Caught by raft.leader_completeness.
  bool vote_any_log = false;
  // §8 / dissertation §6.4: the leader answers reads from its local state without checking
  // that it is still the leader. Caught by linearizable.
  bool stale_read = false;

  static Bugs from(const sim::ProtocolConfig& c) {
    return Bugs{c.has_bug("commit_old_term"), c.has_bug("forget_vote"), c.has_bug("vote_any_log"),
                c.has_bug("stale_read")};
  }
};

}  // namespace dsim::raft

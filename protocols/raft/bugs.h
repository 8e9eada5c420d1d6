// Known-bug switches: each re-introduces a classic Raft mistake at exactly one guarded site
// (grep for `cfg_.bugs.<name>`), so the test suite can show that a sweep finds it and that the
// invariants named below catch it. bug_switches() declares them for the registry.
#pragma once

#include "sim/declare.h"

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
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"commit_old_term", &Bugs::commit_old_term,
       "Figure 8: commit entries of older terms by counting replicas (caught by raft.leader_completeness)"},
      {"forget_vote", &Bugs::forget_vote,
       "votedFor is not persisted; a restarted server votes twice in a term (caught by raft.election_safety)"},
      {"vote_any_log", &Bugs::vote_any_log,
       "grant votes without the §5.4.1 up-to-date check (caught by raft.leader_completeness)"},
      {"stale_read", &Bugs::stale_read,
       "the leader answers reads from local state without confirming leadership (caught by linearizable)"},
  };
}

}  // namespace dsim::raft

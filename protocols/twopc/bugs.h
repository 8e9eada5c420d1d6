// Known-bug switches for 2PC: each re-introduces a classic mistake at one guarded site (grep
// for `cfg_.bugs.<name>`). bug_switches() declares them for the registry.
#pragma once

#include "sim/declare.h"

namespace dsim::twopc {

struct Bugs {
  // The coordinator treats a missing vote as a yes when its vote timeout fires, so it commits
  // although a participant voted no or never voted. Caught by twopc.ac3_commit_needs_all_yes
  // (and ac1_agreement, when the silent participant aborted on its own).
  bool commit_on_timeout = false;
  // The participant does not force its prepared state to the log before voting yes. After a
  // crash it knows nothing of the transaction: it answers a peer's decision request with
  // "abort" (it "never voted") while the coordinator commits, and it cannot make the committed
  // writes visible. Caught by twopc.ac1_agreement or twopc.atomic_state.
  bool forget_prepared = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"commit_on_timeout", &Bugs::commit_on_timeout,
       "the coordinator commits when a vote times out (caught by twopc.ac3_commit_needs_all_yes)"},
      {"forget_prepared", &Bugs::forget_prepared,
       "a participant votes yes without logging its prepared state (caught by twopc.ac1_agreement or "
       "twopc.atomic_state after a crash)"},
  };
}

}  // namespace dsim::twopc

// Known-bug switches of the sagas: each re-introduces a mistake at exactly one guarded site (grep
// for `bugs.<name>`), found by a sweep and caught by the invariant named below.
#pragma once

#include "sim/declare.h"

namespace dsim::saga {

struct Bugs {
  // A service applies a step again when the same request (or event) arrives again: a retry after
  // a lost reply, or the broker's redelivery, charges twice. Caught by saga.exactly_once.
  bool non_idempotent_step = false;
  // Choreography: a service commits its state change, then publishes its event from memory
  // instead of writing both in one local transaction (the transactional outbox): a crash between
  // the two loses the event. Caught by saga.no_lost_event.
  bool dual_write = false;
  // The orchestrator compensates the completed steps first to last instead of last to first
  // (Garcia-Molina & Salem §1: "C_j ... C_1"). Caught by saga.atomicity.
  bool compensate_in_order = false;
  // The orchestrator appends to its saga log without syncing it: a crash that loses unsynced
  // writes forgets sagas in flight, which then never finish (and leave their steps applied).
  // Caught by saga.termination.
  bool orchestrator_volatile_log = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"non_idempotent_step", &Bugs::non_idempotent_step,
       "a service applies a step again when its request or event arrives again (caught by saga.exactly_once)"},
      {"dual_write", &Bugs::dual_write,
       "choreography: a service commits its state, then publishes the event from memory instead of through the "
       "transactional outbox; a crash in between loses the event (caught by saga.no_lost_event)"},
      {"compensate_in_order", &Bugs::compensate_in_order,
       "the orchestrator compensates completed steps first to last instead of last to first (caught by saga.atomicity)"},
      {"orchestrator_volatile_log", &Bugs::orchestrator_volatile_log,
       "the orchestrator's saga log is never synced: a crash forgets the sagas in flight (caught by saga.termination)"},
  };
}

}  // namespace dsim::saga

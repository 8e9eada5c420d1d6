// When a run's faults are over, for the liveness properties promised only once they are
// ("after the last fault heals, one leader settles within ..."). The engine names no fault
// kind: faults/ computes a Healing from the scenario's parsed faults (faults::healing) and the
// runner hands it to every invariant in its InvariantEnv, live and in `dsim check` alike.
//
// A fault with `for` or a window (`from`/`to`) ends with it; a lasting crash ends at the next
// restart (of any node: a selector such as "leader" is resolved only when it fires), a lasting
// network fault at the next heal. Restarts, heals and clock changes end at once. Byzantine
// nodes and over-budget nemeses never "heal" in a protocol's fault model.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sim/time.h"

namespace dsim::sim {

struct Healing {
  // When the last fault ended, as an offset from the start of the run, or why it never does.
  struct End {
    std::optional<Duration> at;  // empty: some fault never ends
    bool outside_model = false;  // because of a Byzantine node or an over-budget nemesis
    std::string never;           // otherwise the first fault that never heals ("the fault at 3000.000ms")
  };
  bool any_faults = false;  // the scenario injects faults at all
  End all;                  // a crash lasts until a restart
  End leaving_crashed;      // a crash that is never restarted counts as ended at once
  bool lasting_crash = false;  // some crash is never followed by a restart (a node down for good)

  struct LastHeal {
    std::optional<Duration> at;  // when the last fault ended; empty if one never does
    std::string why_not;         // then: which one, in a sentence
  };
  // For a protocol named `model` (in the sentence). crashes_may_last: a crash that is never
  // restarted counts as ended at once (the node just stays down, which protocols such as 3PC
  // must tolerate); otherwise it never heals.
  LastHeal last_heal(bool crashes_may_last, std::string_view model) const;
};

}  // namespace dsim::sim

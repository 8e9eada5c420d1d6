// When a scenario's faults have all healed, read from the resolved scenario's "faults" (the
// same JSON the trace header records), for liveness properties that are promised only once
// the faults are over.
//
// A fault with `for` or a window (`from`/`to`) ends with it; a lasting crash ends at the next
// restart, a lasting network fault at the next heal. Restarts, heals and clock changes end at
// once. Byzantine nodes and over-budget nemeses never "heal" in a protocol's fault model.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/time.h"

namespace dsim::protocols {

struct HealTime {
  std::optional<sim::Duration> at;  // when the last fault ended; empty if one never does
  std::string why_not;              // then: which one, in a sentence
};

// crashes_may_last: a crash that is never restarted counts as ended at once (the node just
// stays down, which protocols such as 3PC must tolerate); otherwise it never heals.
HealTime last_heal(const nlohmann::json& faults, bool crashes_may_last, const std::string& model);

// Whether some crash in `faults` is never followed by a restart of its node (the scenario has
// a node down for good).
bool has_lasting_crash(const nlohmann::json& faults);

}  // namespace dsim::protocols

// When a scenario's faults heal (sim::Healing, sim/healing.h states the rules), computed here
// because this module knows what each fault kind does: which ones last until a restart or a
// heal, which end at once, which are outside every protocol's fault model.
#pragma once

#include <vector>

#include "faults/spec.h"
#include "sim/healing.h"
#include "sim/scenario.h"

namespace dsim::faults {

sim::Healing healing(const std::vector<Fault>& faults);
// The scenario's resolved "faults" (what the trace header records), read back.
sim::Healing healing(const sim::Scenario& scenario);

}  // namespace dsim::faults

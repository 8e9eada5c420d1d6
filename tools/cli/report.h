// The human-readable run summary shared by `dsim run` and `dsim check`.
#pragma once

#include <cstdio>
#include <vector>

#include "sim/invariant.h"
#include "sim/scenario.h"
#include "tools/cli/runner.h"

namespace dsim::cli {

void print_summary(std::FILE* out, const sim::Scenario& scenario, const RunOutcome& outcome);
// Verdict lines (and violation details) for a set of invariant results.
// `stopped`: why the run was cut short (RunOutcome::stopped), "" when it ran to its end.
void print_verdicts(std::FILE* out, const sim::Scenario& scenario, const std::vector<sim::InvariantResult>& results,
                    const std::string& stopped = "");

}  // namespace dsim::cli

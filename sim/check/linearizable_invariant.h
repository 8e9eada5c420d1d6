// The generic "linearizable" invariant: collects the client history from the trace (client
// invoke/ok/fail/info events) and, at the end of the run, checks it with the linearizability
// checker against the protocol's history model. The same code runs live and in `dsim check`.
//
// A check that runs out of its time or memory budget (or of memory) reports "skipped" with
// the reason, never a guess.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/check/linearizability.h"
#include "sim/invariant.h"

namespace dsim::check {

// model: "kv", "register", "list", "set" or "counter". Each (node, logical process) of the
// client events is one Jepsen process; `names` (node index -> name) make messages readable.
// `options`: the check's budgets (the defaults unless a test needs smaller ones).
std::unique_ptr<sim::Invariant> make_linearizable_invariant(const std::string& model,
                                                            std::vector<std::string> names = {},
                                                            CheckOptions options = {});

}  // namespace dsim::check

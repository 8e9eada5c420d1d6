// Shared by the three history harnesses: what `dsim check-history FILE --model M` does with a
// parsed history, for every model (a model that cannot read an operation throws ModelError,
// a documented rejection). The search gets a small budget and memory cap: a hard history
// ends `unknown`, which is a verdict, not a crash.
#pragma once

#include <chrono>

#include "sim/check/history.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"

namespace dsim::fuzz {

inline void check_with_every_model(const check::History& history) {
  check::CheckOptions options;
  options.budget = std::chrono::milliseconds(50);
  options.max_memory_bytes = size_t{64} << 20;
  for (const char* name : {"register", "kv", "list", "set", "counter"}) {
    try {
      const check::CheckResult result = check::check_linearizable(history, check::model_by_name(name), options);
      (void)result.to_text();
      (void)result.to_json().dump();
    } catch (const check::ModelError&) {
    }
  }
}

}  // namespace dsim::fuzz

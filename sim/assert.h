// DSIM_ASSERT: an internal invariant that stays on in release builds. On failure it prints
// the condition, the place and the simulation's seed (set per thread by the run loop) and
// aborts. User input is never checked with it: input errors are InputError, exit code 2.
#pragma once

#include <cstdint>

namespace dsim::sim {
[[noreturn]] void assert_fail(const char* cond, const char* file, int line, const char* msg);
// The seed printed by a failing assertion on this thread (0 = none).
void set_assert_seed(uint64_t seed);
}  // namespace dsim::sim

#define DSIM_ASSERT(cond, ...) \
  ((cond) ? (void)0 : ::dsim::sim::assert_fail(#cond, __FILE__, __LINE__, "" __VA_ARGS__))

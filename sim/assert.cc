// Assertion failure reporting. The seed lives in a thread_local: a sweep runs several
// simulations on threads at once, each with its own seed.
#include "sim/assert.h"

#include <cstdio>
#include <cstdlib>

namespace dsim::sim {
namespace {
thread_local uint64_t current_seed = 0;
}

void set_assert_seed(uint64_t seed) { current_seed = seed; }

void assert_fail(const char* cond, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "dsim: internal assertion failed: %s (%s:%d)%s%s; seed %llu\n", cond, file, line,
               msg[0] ? ": " : "", msg, static_cast<unsigned long long>(current_seed));
  std::abort();
}

}  // namespace dsim::sim

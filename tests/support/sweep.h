// Seed sweeps for protocol tests: find the first seed on which a known-bug switch is caught by
// the invariant that should catch it, and check that correct code survives many seeds.
// Seeds are fewer under the sanitizers (tools/test sets DSIM_SANITIZED for that pass).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tools/cli/runner.h"

namespace dsim_test {

inline bool sanitized() { return std::getenv("DSIM_SANITIZED") != nullptr; }
// `full` seeds normally, `reduced` under the sanitizers.
inline uint64_t seeds(uint64_t full, uint64_t reduced) { return sanitized() ? reduced : full; }

inline std::string scenario_path(const std::string& rel) {
  return (std::filesystem::path(DSIM_SOURCE_DIR) / "scenarios" / rel).string();
}

inline dsim::cli::RunOutcome run_scenario(const std::string& rel, const std::vector<std::string>& sets) {
  const dsim::sim::Scenario s = dsim::cli::load(scenario_path(rel), sets);
  dsim::cli::RunRequest req;
  req.scenario = &s;
  req.digest = false;
  return dsim::cli::execute(req);
}

inline std::set<std::string> violated(const dsim::cli::RunOutcome& o) {
  std::set<std::string> out;
  for (const auto& r : o.invariants)
    if (r.verdict == dsim::sim::Verdict::violated) out.insert(r.name);
  return out;
}

// Sweeps seeds 1..max_seeds with `bug` on; returns the first seed on which `invariant` is
// violated (0 if none). A seed that violates something must violate only `invariant` or
// invariants in `consequences` (what the same bug also breaks).
inline uint64_t first_seed_catching(const std::string& rel, const std::string& bug, const std::string& invariant,
                                    uint64_t max_seeds, const std::set<std::string>& consequences = {},
                                    const std::vector<std::string>& extra = {}) {
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    std::vector<std::string> sets = extra;
    sets.push_back("seed=" + std::to_string(seed));
    sets.push_back("protocol.bugs=[\"" + bug + "\"]");
    const auto v = violated(run_scenario(rel, sets));
    for (const auto& name : v)
      EXPECT_TRUE(name == invariant || consequences.count(name)) << bug << " seed " << seed << " violated " << name;
    if (v.count(invariant)) {
      std::printf("  %s: first caught by %s at seed %llu\n", bug.c_str(), invariant.c_str(),
                  static_cast<unsigned long long>(seed));
      return seed;
    }
  }
  return 0;
}

// Seeds first..first+n-1 of the scenario must violate nothing.
inline void sweep_correct(const std::string& rel, uint64_t n, const std::vector<std::string>& extra = {},
                          uint64_t first = 1) {
  for (uint64_t seed = first; seed < first + n; ++seed) {
    std::vector<std::string> sets = extra;
    sets.push_back("seed=" + std::to_string(seed));
    const auto o = run_scenario(rel, sets);
    for (const auto& r : o.invariants)
      ASSERT_NE(r.verdict, dsim::sim::Verdict::violated)
          << rel << " seed " << seed << ": " << r.name << ": " << (r.violation ? r.violation->what : "");
  }
}

}  // namespace dsim_test

// SWIM's run summary: failure detection times and false positives, against what the scenario
// makes them be.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "protocols/gossip/swim/params.h"
#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

dsim::cli::RunOutcome run_with_metrics(const std::string& rel, const std::vector<std::string>& sets) {
  const dsim::sim::Scenario s = dsim::cli::load(scenario_path(rel), sets);
  dsim::cli::RunRequest req;
  req.scenario = &s;
  req.digest = false;
  req.metrics = true;
  return dsim::cli::execute(req);
}

std::string metric(const dsim::cli::RunOutcome& o, const std::string& name) {
  for (const auto& [k, v] : o.metrics)
    if (k == name) return v;
  ADD_FAILURE() << "no metric " << name;
  return "";
}

TEST(SwimMetrics, CrashesAreDetectedFirstBySomeoneThenByAllAfterTheSuspicionTimeout) {
  const auto o = run_with_metrics("swim/crash.json", {"seed=1"});
  const std::string d = metric(o, "failure detection");
  unsigned crashes = 0;
  double first = 0, first_max = 0, full = 0, full_max = 0;
  ASSERT_EQ(std::sscanf(d.c_str(), "%u crashes: first detection mean %lf periods (max %lf); full detection (every member up "
                                   "holds it dead) mean %lf periods (max %lf)",
                        &crashes, &first, &first_max, &full, &full_max),
            5)
      << d;
  EXPECT_EQ(crashes, 2u);
  // The first probe of a crashed member comes within a few periods (§3.1: e/(e-1) expected);
  // nobody declares it dead before the suspicion timeout (5 log10 32 = 7.5 periods) has run.
  EXPECT_GT(first, 0.0);
  EXPECT_LT(first_max, 6.0);
  dsim::swim::Config cfg;
  const double suspicion = static_cast<double>(cfg.suspicion_after(32).ns()) / 1e9;
  EXPECT_GE(full, suspicion);
  EXPECT_LE(full, first + suspicion + 10);
  EXPECT_NE(metric(o, "false positives").find("0 declared dead and 0 suspected"), std::string::npos);
}

TEST(SwimMetrics, LossMakesSuspicionsButNoFalseDeathsWithSuspicion) {
  const auto with = run_with_metrics("swim/loss.json", {"seed=1"});
  unsigned long long dead = 1, suspected = 0;
  ASSERT_EQ(std::sscanf(metric(with, "false positives").c_str(), "%llu declared dead and %llu suspected", &dead, &suspected), 2);
  EXPECT_EQ(dead, 0u);
  EXPECT_GT(suspected, 0u);
  const auto without = run_with_metrics("swim/loss.json", {"seed=1", "protocol.params.suspicion=false"});
  ASSERT_EQ(std::sscanf(metric(without, "false positives").c_str(), "%llu declared dead and %llu suspected", &dead, &suspected), 2);
  EXPECT_GT(dead, 0u);
  EXPECT_EQ(suspected, 0u);
  EXPECT_EQ(metric(with, "failure detection"), "no member crashed for good");
}

}  // namespace
}  // namespace dsim_test

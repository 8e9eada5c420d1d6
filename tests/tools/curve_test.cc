// `dsim run --curve FILE`: the gossip dissemination curve as CSV, checked against the run
// summary's own measures, and its bad inputs.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace dsim_test {
namespace {

struct Row {
  double time_ms = 0, fraction = 0;
  unsigned update = 0, informed = 0, live = 0;
};

std::vector<Row> parse(const std::string& csv, std::string* header) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, *header);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    Row r;
    EXPECT_EQ(std::sscanf(line.c_str(), "%lf,%u,%u,%u,%lf", &r.time_ms, &r.update, &r.informed, &r.live, &r.fraction), 5)
        << line;
    rows.push_back(r);
  }
  return rows;
}

// The first sampled time at which every live member holds update 0.
double full_at(const std::vector<Row>& rows) {
  for (const Row& r : rows)
    if (r.update == 0 && r.informed == r.live) return r.time_ms;
  return -1;
}

const std::string kLesson = std::string(DSIM_SOURCE_DIR) + "/scenarios/teaching/gossip-pull-vs-push.json";

TEST(Curve, PushPullAndPushPullCurvesRiseToEveryMemberAndPullFinishesFirst) {
  double push = 0, pull = 0, both = 0;
  for (const char* direction : {"push", "pull", "push_pull"}) {
    SCOPED_TRACE(direction);
    const std::string path = tmp(std::string(direction) + ".csv");
    const Result r = run_dsim("run " + kLesson + " --set 'protocol.params.direction=\"" + direction + "\"' --curve " + path);
    ASSERT_EQ(r.code, 0) << r.err;
    std::string header;
    const auto rows = parse(slurp(path), &header);
    EXPECT_EQ(header, "time_ms,update,informed,live,fraction");
    ASSERT_GT(rows.size(), 10u);
    // One row per 100ms period, informed never falls (no crashes), fractions are informed/live.
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_DOUBLE_EQ(rows[i].time_ms, 100.0 * static_cast<double>(i + 1));
      EXPECT_EQ(rows[i].live, 1000u);
      EXPECT_NEAR(rows[i].fraction, rows[i].informed / 1000.0, 1e-9);
      if (i) EXPECT_GE(rows[i].informed, rows[i - 1].informed);
    }
    EXPECT_EQ(rows.front().informed, 1u);  // the origin alone after the first period
    EXPECT_EQ(rows.back().informed, 1000u);
    const double t = full_at(rows);
    ASSERT_GT(t, 0);
    (direction == std::string("push") ? push : direction == std::string("pull") ? pull : both) = t;
  }
  // Demers et al. §1.3: pull's tail is shorter than push's; push-pull is shortest.
  EXPECT_LT(pull, push);
  EXPECT_LT(both, pull);
}

TEST(Curve, AProtocolWithoutACurveAndAnAliasedPathAreBadInput) {
  const std::string path = tmp("x.csv");
  Result r = run_dsim("run " + std::string(DSIM_SOURCE_DIR) + "/scenarios/swim/crash.json --curve " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--curve: protocol swim has no dissemination curve"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path));
  r = run_dsim("run " + kLesson + " --curve " + path + " --trace " + path);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("name the same file"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path));
}

// The quorum store's curve is the staleness experiments': one row per (k, t), whose counts are
// the run's trials; without the experiment there is nothing to draw (bad input, no file).
TEST(Curve, QuorumWritesTheStalenessCurveOnlyForTheExperiment) {
  const std::string root = std::string(DSIM_SOURCE_DIR) + "/scenarios/quorum/";
  const std::string path = tmp("pbs.csv");
  Result r = run_dsim("run " + root + "k-staleness.json --set duration='\"20s\"' --curve " + path);
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream in(slurp(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "k,t_ms,trials,fresh,p_consistent");
  uint32_t k = 0;
  while (std::getline(in, line)) {
    ++k;
    unsigned kk = 0, trials = 0, fresh = 0;
    double t = -1, p = -1;
    ASSERT_EQ(std::sscanf(line.c_str(), "%u,%lf,%u,%u,%lf", &kk, &t, &trials, &fresh, &p), 5) << line;
    EXPECT_EQ(kk, k);
    EXPECT_EQ(t, 0.0);
    EXPECT_GT(trials, 50u);
    EXPECT_LE(fresh, trials);
    EXPECT_NEAR(p, static_cast<double>(fresh) / trials, 1e-6);
  }
  EXPECT_EQ(k, 5u);  // pbs_versions
  const std::string none = tmp("mixed.csv");
  r = run_dsim("run " + root + "happy-path.json --curve " + none);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("workload.experiment"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(none));
}

}  // namespace
}  // namespace dsim_test

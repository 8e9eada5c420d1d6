// Raft's summary metrics on the leader-crash scenario: a second election follows the crash,
// and the cluster spends some, but not most, of the run without a leader.
#include <gtest/gtest.h>

#include <regex>

#include "tools/cli/runner.h"

namespace dsim::raft {
namespace {

TEST(RaftMetrics, LeaderCrashShowsAReElectionAndLeaderlessTime) {
  const sim::Scenario s = cli::load(std::string(DSIM_SOURCE_DIR) + "/scenarios/raft/leader-crash.json", {});
  cli::RunRequest req;
  req.scenario = &s;
  req.metrics = true;
  const cli::RunOutcome out = cli::execute(req);
  std::map<std::string, std::string> m(out.metrics.begin(), out.metrics.end());
  std::smatch match;
  ASSERT_TRUE(std::regex_search(m.at("elections"), match, std::regex("^([0-9]+) ")));
  EXPECT_GE(std::stoi(match[1].str()), 2) << m.at("elections");
  ASSERT_TRUE(std::regex_search(m.at("no leader"), match, std::regex("^([0-9]+\\.[0-9]{3})ms of [0-9]+\\.[0-9]{3}ms$")))
      << m.at("no leader");
  const double leaderless_ms = std::stod(match[1].str());
  EXPECT_GT(leaderless_ms, 0.0);
  EXPECT_LT(leaderless_ms, 5000.0);
  EXPECT_NE(m.at("committed").find("per simulated second"), std::string::npos);
  EXPECT_NE(m.at("op latency").find("p99"), std::string::npos);
}

}  // namespace
}  // namespace dsim::raft

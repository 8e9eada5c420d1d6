// Paxos's summary metrics: in the steady state a chosen value costs the theoretical number of
// phase-2 messages, 3(N-1) for Multi-Paxos (N = 5: 12) and (N-1)(N+2) for single-decree Paxos
// (N = 3: 10); a leader crash shows as a loss and a recovery.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "tools/cli/runner.h"

namespace dsim::paxos {
namespace {

std::map<std::string, std::string> metrics(const std::string& file, const std::vector<std::string>& sets = {}) {
  const sim::Scenario s = cli::load(std::string(DSIM_SOURCE_DIR) + "/scenarios/" + file, sets);
  cli::RunRequest req;
  req.scenario = &s;
  req.metrics = true;
  const cli::RunOutcome out = cli::execute(req);
  return {out.metrics.begin(), out.metrics.end()};
}

double per_value(const std::string& line, std::string* theory) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(line, m, std::regex("^([0-9.]+) per chosen value .* = ([0-9]+) with no loss\\)$"))) << line;
  if (m.empty()) return 0;
  *theory = m[2].str();
  return std::stod(m[1].str());
}

TEST(PaxosMetrics, MultiPaxosSteadyStateCostsThreeTimesNMinusOneMessagesPerValue) {
  auto m = metrics("paxos/happy-path.json");
  std::string theory;
  const double measured = per_value(m.at("phase-2 messages"), &theory);
  EXPECT_EQ(theory, "12");
  EXPECT_GE(measured, 12.0);
  EXPECT_LT(measured, 12.1);  // only accept requests retransmitted after a heartbeat on top
  EXPECT_NE(m.at("ballots").find("1 phase-1 runs, 1 completed"), std::string::npos) << m.at("ballots");
}

TEST(PaxosMetrics, SingleDecreeCostsNMinusOneTimesNPlusTwoMessages) {
  auto m = metrics("teaching/paxos-synod.json", {"seed=1"});  // one proposer gets through alone
  std::string theory;
  EXPECT_EQ(per_value(m.at("phase-2 messages"), &theory), 10.0);
  EXPECT_EQ(theory, "10");
}

TEST(PaxosMetrics, LeaderCrashesShowAsLossesAndRecoveries) {
  auto m = metrics("paxos/leader-crash.json");
  EXPECT_EQ(m.at("leader recovery").rfind("2 losses, a new leader after p50 ", 0), 0u) << m.at("leader recovery");
  EXPECT_NE(m.at("chosen").find("per simulated second"), std::string::npos);
  EXPECT_NE(m.at("op latency").find("p99"), std::string::npos);
}

}  // namespace
}  // namespace dsim::paxos

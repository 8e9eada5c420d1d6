// Protocol logging (ctx.log, sim/log.h; `dsim run --log-level`): lines carry the simulated
// time and the node, come out at the level asked and above, and never change the run: the
// digest is the same at every level.
#include <gtest/gtest.h>

#include <regex>

#include "sim/log.h"
#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;

const std::string kLeaderCrash = std::string(DSIM_SOURCE_DIR) + "/scenarios/raft/leader-crash.json";

std::string summary_digest(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("digest: +([0-9a-f]+)")) ? m[1].str() : "";
}

TEST(ProtocolLog, LinesCarryTheSimulatedTimeAndTheNodeAndLeaveTheDigestAlone) {
  Result quiet = run_dsim("run " + kLeaderCrash);
  Result info = run_dsim("run " + kLeaderCrash + " --log-level info");
  Result debug = run_dsim("run " + kLeaderCrash + " --log-level debug --set protocol.params.pre_vote=true");
  Result debug_quiet = run_dsim("run " + kLeaderCrash + " --set protocol.params.pre_vote=true");
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_EQ(quiet.err, "");  // off by default
  ASSERT_FALSE(summary_digest(quiet.out).empty()) << quiet.out;
  EXPECT_EQ(summary_digest(info.out), summary_digest(quiet.out));
  EXPECT_EQ(summary_digest(debug.out), summary_digest(debug_quiet.out));
  // The leader crash: three elections, each won, each line stamped with the simulated time.
  const std::regex won(R"(\[ *\d+\.\d{9}s\] n\d info  became leader of term (\d+))");
  size_t wins = 0;
  for (auto it = std::sregex_iterator(info.err.begin(), info.err.end(), won); it != std::sregex_iterator(); ++it) ++wins;
  EXPECT_EQ(wins, 3u) << info.err;
  EXPECT_NE(info.err.find("info  election timeout: standing for term 1"), std::string::npos) << info.err;
  EXPECT_EQ(info.err.find(" debug "), std::string::npos) << "below the level asked";
  EXPECT_NE(debug.err.find(" debug election timeout: pre-vote for term"), std::string::npos) << debug.err;
}

TEST(ProtocolLog, ABadLevelIsOneLineBeforeTheRun) {
  for (const std::string level : {"loud", "INFO", "", "\x1b[31m"}) {
    Result r = run_dsim("run " + kLeaderCrash + " --log-level '" + level + "'");
    EXPECT_EQ(r.code, 2) << level;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("--log-level"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(ProtocolLog, LevelNamesRoundTrip) {
  using dsim::sim::LogLevel;
  for (const LogLevel l : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error, LogLevel::off})
    EXPECT_EQ(dsim::sim::parse_log_level(dsim::sim::log_level_name(l)), l);
  EXPECT_FALSE(dsim::sim::parse_log_level("warning"));
}

}  // namespace

// Raft scenario sweeps: every known bug is found by a sweep of a nemesis scenario within a
// measured number of seeds, caught by the invariant that names it; the correct code passes the
// same scenarios over many seeds; every Raft scenario meets its expect.
//
// Seeds are fewer under the sanitizers (tools/test sets DSIM_SANITIZED for that pass).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

namespace fs = std::filesystem;

bool sanitized() { return std::getenv("DSIM_SANITIZED") != nullptr; }

std::string scenario_path(const std::string& rel) { return (fs::path(DSIM_SOURCE_DIR) / "scenarios" / rel).string(); }

RunOutcome run(const std::string& rel, std::vector<std::string> sets) {
  const sim::Scenario s = load(scenario_path(rel), sets);
  RunRequest req;
  req.scenario = &s;
  req.digest = false;
  return execute(req);
}

std::set<std::string> violated(const RunOutcome& o) {
  std::set<std::string> out;
  for (const auto& r : o.invariants)
    if (r.verdict == sim::Verdict::violated) out.insert(r.name);
  return out;
}

// Sweeps seeds 1..max_seeds with the bug on; returns the first seed that violates `invariant`
// (0 if none). Every violation found must include the expected invariant.
uint64_t first_seed_catching(const std::string& rel, const std::string& bug, const std::string& invariant,
                             uint64_t max_seeds, std::vector<std::string> extra = {}) {
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    std::vector<std::string> sets = extra;
    sets.push_back("seed=" + std::to_string(seed));
    sets.push_back("protocol.bugs=[\"" + bug + "\"]");
    const auto v = violated(run(rel, sets));
    if (v.count(invariant)) {
      std::printf("  %s: first caught by %s at seed %llu\n", bug.c_str(), invariant.c_str(),
                  static_cast<unsigned long long>(seed));
      return seed;
    }
    EXPECT_TRUE(v.empty() || v.count("linearizable") || v.count("raft.state_machine_safety"))
        << bug << " seed " << seed << " violated something else first";
  }
  return 0;
}

void sweep_correct(const std::string& rel, uint64_t seeds, std::vector<std::string> extra = {}) {
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    std::vector<std::string> sets = extra;
    sets.push_back("seed=" + std::to_string(seed));
    const auto o = run(rel, sets);
    for (const auto& r : o.invariants)
      ASSERT_NE(r.verdict, sim::Verdict::violated)
          << rel << " seed " << seed << ": " << r.name << ": " << (r.violation ? r.violation->what : "");
  }
}

// The Figure 8 hunting ground: 3 servers, the leader isolated every 170ms, a random nemesis.
const char* kIsolation = "raft/leader-isolation.json";

// Measured: first seed 105 (155 with one-process clients; about 2% of seeds show it).
TEST(RaftSweep, CommitOldTermIsCaughtByLeaderCompleteness) {
  const uint64_t found = first_seed_catching(kIsolation, "commit_old_term", "raft.leader_completeness", 400);
  EXPECT_GT(found, 0u) << "Figure 8 not reached within 400 seeds";
}

// Measured: first seed 13 (7 with one-process clients; about 2% of seeds), with PreVote off and a narrow timeout range so
// that candidates share terms; with PreVote on the double vote is much rarer.
TEST(RaftSweep, ForgetVoteIsCaughtByElectionSafety) {
  const uint64_t found = first_seed_catching(kIsolation, "forget_vote", "raft.election_safety", 200,
                                             {"protocol.params.pre_vote=false",
                                              "protocol.params.election_timeout=[\"50ms\",\"55ms\"]"});
  EXPECT_GT(found, 0u);
}

// Measured: first seed 1 (over half the seeds).
TEST(RaftSweep, VoteAnyLogIsCaughtByLeaderCompleteness) {
  EXPECT_GT(first_seed_catching(kIsolation, "vote_any_log", "raft.leader_completeness", 50), 0u);
}

// Measured: first seed 1 on leader-isolation (5 with one-process clients), seed 1 on nemesis.json.
TEST(RaftSweep, StaleReadIsCaughtByLinearizable) {
  EXPECT_GT(first_seed_catching(kIsolation, "stale_read", "linearizable", 50), 0u);
  EXPECT_GT(first_seed_catching("raft/nemesis.json", "stale_read", "linearizable", 20), 0u);
}

// ~3ms per seed in Release: 2,000 seeds in about 7s.
TEST(RaftSweep, CorrectCodePassesLeaderIsolation) { sweep_correct(kIsolation, sanitized() ? 100 : 2000); }

// Without PreVote and with a 5ms timeout window (the split-vote configuration of
// teaching/raft-split-votes.json), split votes can repeat for longer than raft.liveness's bound
// of 5 election timeouts: about 1 seed in 800 shows it (seeds 371, 844, 947 at some point).
// Raft promises liveness only with a wide enough randomization (§9.3), so this sweep, the
// hunting ground of forget_vote, checks the safety properties only.
TEST(RaftSweep, CorrectCodePassesLeaderIsolationWithoutPreVote) {
  sweep_correct(kIsolation, sanitized() ? 50 : 500,
                {"protocol.params.pre_vote=false", "protocol.params.election_timeout=[\"50ms\",\"55ms\"]",
                 "invariants=[\"raft.election_safety\",\"raft.leader_append_only\",\"raft.log_matching\","
                 "\"raft.leader_completeness\",\"raft.state_machine_safety\",\"linearizable\"]"});
}

TEST(RaftSweep, CorrectCodePassesLeaderIsolationWithReadIndexAndSnapshots) {
  sweep_correct(kIsolation, sanitized() ? 50 : 500,
                {"protocol.params.read_mode=\"read_index\"", "protocol.params.snapshot_every=10"});
}

// ~20ms per seed (5 servers, 3 clients, 10s simulated).
TEST(RaftSweep, CorrectCodePassesFiveServerNemesis) {
  sweep_correct("raft/nemesis.json", sanitized() ? 10 : 200);
  sweep_correct("raft/nemesis.json", sanitized() ? 5 : 100, {"protocol.params.snapshot_every=20"});
}

TEST(RaftScenarios, EveryRaftScenarioMeetsItsExpect) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(fs::path(DSIM_SOURCE_DIR) / "scenarios" / "raft")) files.push_back("raft/" + e.path().filename().string());
  for (const auto& e : fs::directory_iterator(fs::path(DSIM_SOURCE_DIR) / "scenarios" / "teaching"))
    if (e.path().filename().string().rfind("raft-", 0) == 0) files.push_back("teaching/" + e.path().filename().string());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    const sim::Scenario s = load(scenario_path(f), {});
    RunRequest req;
    req.scenario = &s;
    const auto o = execute(req);
    EXPECT_TRUE(o.as_expected(s.expect)) << f;
  }
}

}  // namespace
}  // namespace dsim::cli

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

#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

namespace fs = std::filesystem;

// The Figure 8 hunting ground: 3 servers, the leader isolated every 170ms, a random nemesis.
const char* kIsolation = "raft/leader-isolation.json";

// Measured: first seed 58 (about 2% of seeds show it).
TEST(RaftSweep, CommitOldTermIsCaughtByLeaderCompleteness) {
  const uint64_t found = first_seed_catching(kIsolation, "commit_old_term", "raft.leader_completeness", 400,
                                             {"linearizable", "raft.state_machine_safety"});
  EXPECT_GT(found, 0u) << "Figure 8 not reached within 400 seeds";
}

// A restarted voter votes again only if a candidate's RequestVote of the same term reaches it
// after the restart, so the hunt uses slow links (up to 40ms) and short crashes only, with
// PreVote off and a narrow timeout window so that candidates share terms. Measured: first
// seed 5, 17 of 200 seeds. (Liveness is not promised with links this slow.)
TEST(RaftSweep, ForgetVoteIsCaughtByElectionSafety) {
  const uint64_t found = first_seed_catching(
      kIsolation, "forget_vote", "raft.election_safety", 100,
      {"raft.liveness", "raft.log_matching", "raft.leader_completeness", "raft.state_machine_safety", "linearizable"},
      {"protocol.params.pre_vote=false", "protocol.params.election_timeout=[\"50ms\",\"55ms\"]",
       "network.latency.max=40ms",
       "faults=[{\"from\":\"200ms\",\"to\":\"3s\",\"nemesis\":{\"kinds\":[\"crash\"],\"every\":\"50ms\","
       "\"max_concurrent\":1,\"length\":[\"1ms\",\"20ms\"]}}]"});
  EXPECT_GT(found, 0u);
}

// Measured: first seed 1 (over half the seeds).
TEST(RaftSweep, VoteAnyLogIsCaughtByLeaderCompleteness) {
  EXPECT_GT(first_seed_catching(kIsolation, "vote_any_log", "raft.leader_completeness", 50,
                                {"linearizable", "raft.state_machine_safety", "raft.log_matching"}),
            0u);
}

// Measured: first seed 1 on leader-isolation; on nemesis.json first seed 17, 13 of 100 seeds.
TEST(RaftSweep, StaleReadIsCaughtByLinearizable) {
  EXPECT_GT(first_seed_catching(kIsolation, "stale_read", "linearizable", 50), 0u);
  EXPECT_GT(first_seed_catching("raft/nemesis.json", "stale_read", "linearizable", 60), 0u);
}

// ~3ms per seed in Release: 2,000 seeds in about 7s.
TEST(RaftSweep, CorrectCodePassesLeaderIsolation) { sweep_correct(kIsolation, seeds(2000, 100)); }

// Without PreVote and with a 5ms timeout window (the split-vote configuration of
// teaching/raft-split-votes.json), split votes can repeat for longer than raft.liveness's bound
// of 5 election timeouts: about 1 seed in 800 shows it (seeds 371, 844, 947 at some point).
// Raft promises liveness only with a wide enough randomization (§9.3), so this sweep, the
// hunting ground of forget_vote, checks the safety properties only.
TEST(RaftSweep, CorrectCodePassesLeaderIsolationWithoutPreVote) {
  sweep_correct(kIsolation, seeds(500, 50),
                {"protocol.params.pre_vote=false", "protocol.params.election_timeout=[\"50ms\",\"55ms\"]",
                 "invariants=[\"raft.election_safety\",\"raft.leader_append_only\",\"raft.log_matching\","
                 "\"raft.leader_completeness\",\"raft.state_machine_safety\",\"linearizable\"]"});
}

TEST(RaftSweep, CorrectCodePassesLeaderIsolationWithReadIndexAndSnapshots) {
  sweep_correct(kIsolation, seeds(500, 50),
                {"protocol.params.read_mode=\"read_index\"", "protocol.params.snapshot_every=10"});
}

// ~20ms per seed (5 servers, 3 clients, 10s simulated).
TEST(RaftSweep, CorrectCodePassesFiveServerNemesis) {
  sweep_correct("raft/nemesis.json", seeds(200, 10));
  sweep_correct("raft/nemesis.json", seeds(100, 5), {"protocol.params.snapshot_every=20"});
}

TEST(RaftScenarios, EveryRaftScenarioMeetsItsExpect) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(fs::path(DSIM_SOURCE_DIR) / "scenarios" / "raft")) files.push_back("raft/" + e.path().filename().string());
  for (const auto& e : fs::directory_iterator(fs::path(DSIM_SOURCE_DIR) / "scenarios" / "teaching"))
    if (e.path().filename().string().rfind("raft-", 0) == 0) files.push_back("teaching/" + e.path().filename().string());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const auto& f : files) {
    const dsim::sim::Scenario s = dsim::cli::load(scenario_path(f), {});
    dsim::cli::RunRequest req;
    req.scenario = &s;
    const auto o = dsim::cli::execute(req);
    EXPECT_TRUE(o.as_expected(s.expect)) << f;
  }
}

}  // namespace
}  // namespace dsim_test

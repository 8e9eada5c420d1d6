// Gossip sweeps: each known bug is found by a sweep of the nemesis within a measured number of
// seeds, caught by the invariant that names it; the correct code passes 2,000 seeds.
#include <gtest/gtest.h>

#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

const char* kNemesis = "gossip/nemesis.json";  // 64 members, rumors + backup, crashes and partitions

// Measured over the first 50 seeds: traffic catches it at seed 1 and on 8 of them (the first
// updates carried by more than twice the life bound of rumor messages per member before the
// 10s run ends); rumors_die at seed 1 and on 49 of them.
TEST(GossipSweep, NoFeedbackIsCaughtByTraffic) {
  EXPECT_GT(first_seed_catching(kNemesis, "no_feedback", "gossip.traffic", 10, {"gossip.rumors_die"}), 0u);
}
TEST(GossipSweep, NoFeedbackIsCaughtByRumorsDie) {
  EXPECT_GT(first_seed_catching(kNemesis, "no_feedback", "gossip.rumors_die", 10, {"gossip.traffic"}), 0u);
}

// Measured: first seed 2 (29 of the first 50 seeds).
TEST(GossipSweep, FirstWriterWinsIsCaughtByConvergence) {
  EXPECT_GT(first_seed_catching(kNemesis, "first_writer_wins", "gossip.convergence", 30), 0u);
}

// A member that forges versions (Byzantine, outside the budget) is caught by validity.
TEST(GossipSweep, ForgedVersionsAreCaughtByValidity) {
  uint64_t found = 0;
  for (uint64_t seed = 1; seed <= 10 && !found; ++seed) {
    const auto v = violated(run_scenario(
        kNemesis, {"seed=" + std::to_string(seed),
                   "faults=[{\"at\":\"0s\",\"byzantine\":\"n2\",\"strategy\":\"forge_version\",\"exceed_budget\":true}]"}));
    if (v.count("gossip.validity")) found = seed;
  }
  EXPECT_GT(found, 0u);
}

// ~8ms per seed: 2,000 seeds in about 16s, as two halves that ctest runs in parallel.
TEST(GossipSweep, CorrectCodePassesTheNemesisSeeds1To1000) { sweep_correct(kNemesis, seeds(1000, 20)); }
TEST(GossipSweep, CorrectCodePassesTheNemesisSeeds1001To2000) {
  sweep_correct(kNemesis, seeds(1000, 20), {}, seeds(1000, 1000) + 1);
}

// Anti-entropy in every direction, with and without digests, converges on every seed.
TEST(GossipSweep, AntiEntropyConvergesInEveryMode) {
  for (const char* direction : {"push", "pull", "push_pull"})
    for (const char* digest : {"false", "true"}) {
      SCOPED_TRACE(std::string(direction) + " digest " + digest);
      sweep_correct(kNemesis, seeds(50, 3),
                    {"protocol.params.spread=\"anti_entropy\"", std::string("protocol.params.direction=\"") + direction + "\"",
                     std::string("protocol.params.digest=") + digest});
    }
}

}  // namespace
}  // namespace dsim_test

// Paxos scenario sweeps: every known bug is found by a sweep of a nemesis scenario within a
// measured number of seeds, caught by the invariant that names it; the correct code passes the
// same scenarios over thousands of seeds.
//
// Seeds are fewer under the sanitizers (tools/test sets DSIM_SANITIZED for that pass).
#include <gtest/gtest.h>

#include <string>

#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

const char* kMulti = "paxos/nemesis.json";          // Multi-Paxos, 5 servers, 3 clients, 10s
const char* kSynod = "paxos/synod-nemesis.json";    // single-decree, 5 servers, 3 proposers, 5s

// What a broken acceptor or proposer also breaks besides the invariant that names the bug.
const std::set<std::string> kConsequences = {"paxos.agreement", "paxos.accept_respects_promise", "paxos.liveness",
                                             "linearizable"};

// Measured: first seed 1 on both scenarios (every restart of an acceptor that had promised
// shows it, at the restart).
TEST(PaxosSweep, ForgetPromiseIsCaughtByPromiseMonotonic) {
  EXPECT_GT(first_seed_catching(kSynod, "forget_promise", "paxos.promise_monotonic", 20, kConsequences), 0u);
  EXPECT_GT(first_seed_catching(kMulti, "forget_promise", "paxos.promise_monotonic", 20, kConsequences), 0u);
}

// Measured: first seed 2 on the synod nemesis (61% of 500 seeds); first seed 1 on the
// Multi-Paxos nemesis (9 of the first 10 seeds).
TEST(PaxosSweep, IgnoreAcceptedIsCaughtByAgreement) {
  EXPECT_GT(first_seed_catching(kSynod, "ignore_accepted", "paxos.agreement", 30, {"linearizable"}), 0u);
  EXPECT_GT(first_seed_catching(kMulti, "ignore_accepted", "paxos.agreement", 30, {"linearizable"}), 0u);
}

// Measured: first seed 1 on both (30% of 500 synod seeds).
TEST(PaxosSweep, AcceptLowerBallotIsCaughtByAcceptRespectsPromise) {
  EXPECT_GT(first_seed_catching(kSynod, "accept_lower_ballot", "paxos.accept_respects_promise", 30, kConsequences), 0u);
  EXPECT_GT(first_seed_catching(kMulti, "accept_lower_ballot", "paxos.accept_respects_promise", 30, kConsequences), 0u);
}

// |Q1| = |Q2| = 2 of five: a partition lets two leaders choose in the same slots. Measured:
// first seed 1 on the Multi-Paxos nemesis.
TEST(PaxosSweep, NonIntersectingQuorumsAreCaughtByAgreement) {
  EXPECT_GT(first_seed_catching(kMulti, "non_intersecting_quorums", "paxos.agreement", 30, {"linearizable", "paxos.liveness"},
                                {"protocol.params.q1=2", "protocol.params.q2=2"}),
            0u);
}

// Measured: first seed 1 on the Multi-Paxos nemesis (a restarted server learns again, from
// the leader's catch-up, the slots it had learned).
TEST(PaxosSweep, ForgetDecisionsIsCaughtByIntegrity) {
  EXPECT_GT(first_seed_catching(kMulti, "forget_decisions", "paxos.integrity", 30), 0u);
}

// paxos.validity has no bug switch of its own: a Byzantine acceptor that corrupts what it sends
// (the generic "corrupt" strategy, outside Paxos's budget) makes learners learn values nobody
// proposed. Measured: first seed 1 of the synod nemesis with n3 corrupting.
TEST(PaxosSweep, AByzantineAcceptorIsCaughtByValidity) {
  uint64_t found = 0;
  for (uint64_t seed = 1; seed <= 30 && !found; ++seed) {
    const auto v = violated(run_scenario(
        kSynod, {"seed=" + std::to_string(seed),
                 "faults=[{\"at\":\"0s\",\"byzantine\":\"n3\",\"strategy\":\"corrupt\",\"exceed_budget\":true}]"}));
    if (v.count("paxos.validity")) found = seed;
  }
  EXPECT_GT(found, 0u);
}

// ~0.5ms per seed: 5,000 seeds in a few seconds.
TEST(PaxosSweep, CorrectCodePassesTheSynodNemesis) { sweep_correct(kSynod, seeds(5000, 300)); }

// ~25ms per seed (5 servers, 3 clients, 10s simulated): 2,000 seeds in about 50s, as two
// halves that ctest runs in parallel.
TEST(PaxosSweep, CorrectCodePassesTheMultiPaxosNemesisSeeds1To1000) { sweep_correct(kMulti, seeds(1000, 20)); }
TEST(PaxosSweep, CorrectCodePassesTheMultiPaxosNemesisSeeds1001To2000) {
  sweep_correct(kMulti, seeds(1000, 20), {}, seeds(1000, 1000) + 1);
}

// Flexible quorums |Q1| = 4, |Q2| = 2 under the same nemesis, with at most one server down
// (the budget N - max(|Q1|, |Q2|) = 1 keeps phase 1 possible).
TEST(PaxosSweep, CorrectCodePassesTheNemesisWithFlexibleQuorums) {
  sweep_correct(kMulti, seeds(500, 20), {"protocol.params.q1=4", "protocol.params.q2=2"});
}

// Every Paxos scenario (scenarios/paxos) over 100 seeds.
TEST(PaxosSweep, EveryScenarioHoldsOverManySeeds) {
  for (const char* f : {"paxos/happy-path.json", "paxos/leader-crash.json", "paxos/acceptor-restart.json",
                        "paxos/partitions.json", "paxos/flexible.json"}) {
    SCOPED_TRACE(f);
    sweep_correct(f, seeds(100, 5));
  }
}

}  // namespace
}  // namespace dsim_test

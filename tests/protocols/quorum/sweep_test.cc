// Quorum-store sweeps: each known bug is found by a sweep within a measured number of seeds,
// caught by the invariant that names it; the correct code passes 2,000 seeds of the sloppy
// nemesis, the strict nemesis and the hint-restart scenario, and the ABD register stays
// linearizable under crashes and partitions.
#include <gtest/gtest.h>

#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

const char* kNemesis = "quorum/nemesis.json";      // 6 servers, sloppy quorums, crashes, partitions, clock jumps
const char* kStrict = "quorum/strict.json";        // 5 servers, strict quorums, the same nemesis
const char* kHints = "quorum/hint-restart.json";  // a partition, fallbacks restart before the heal

// Measured: first seed 2 (115 of the first 200 seeds): writes wait for N - R = 1 acknowledgement,
// so a read quorum of 2 can miss the only replica that has the write.
TEST(QuorumSweep, RPlusWLeNIsCaughtByFreshReads) {
  EXPECT_GT(first_seed_catching(kStrict, "r_plus_w_le_n", "quorum.fresh_reads", 10, {"quorum.sessions"}), 0u);
}

// The session checker catches the same bug on its own terms. Measured: first seed 4 (27 of the
// first 200 seeds): a client's read quorum misses the one replica that acknowledged its write.
TEST(QuorumSweep, RPlusWLeNIsCaughtBySessions) {
  EXPECT_GT(first_seed_catching(kStrict, "r_plus_w_le_n", "quorum.sessions", 20, {"quorum.fresh_reads"}), 0u);
}

// Strict quorums give read-your-writes (above: 2,000 seeds of strict.json) but not monotonic
// reads: on seed 61 of strict.json (the lesson) a client reads a write that reached one replica
// and failed, then a read whose quorum misses it (2 of the first 2,000 seeds). ABD's write-back
// closes the gap: the same faults are linearizable from seed 61 on. Without faults the checker
// holds on every seed.
TEST(QuorumSweep, StrictQuorumsCanBreakMonotonicReadsAndAbdCannot) {
  const char* lesson = "teaching/quorum-strict-not-linearizable.json";
  const auto v = violated(run_scenario(lesson, {}));
  EXPECT_EQ(v, std::set<std::string>{"quorum.monotonic_reads"});
  sweep_correct(lesson, seeds(200, 5), {"protocol.params.mode=\"abd\"", "invariants=[\"linearizable\"]", "expect={\"safety\": \"holds\"}"}, 61);
  sweep_correct("quorum/happy-path.json", seeds(500, 10));
}

// Measured: first seed 1 (84 of the first 200 seeds of the nemesis): a replica that missed a write
// (down, cut off, or its copy's message lost) stays behind although the clients' read sweep reads
// every key after the heal.
TEST(QuorumSweep, NoReadRepairIsCaughtByConvergence) {
  EXPECT_GT(first_seed_catching(kNemesis, "no_read_repair", "quorum.convergence", 10), 0u);
}

// Measured: first seed 1 (198 of the first 200 seeds): the fallbacks' hinted copies vanish with
// their restart, and with them the only copies of the writes made on their side of the partition.
TEST(QuorumSweep, LoseHintsIsCaughtByNoLostWrite) {
  EXPECT_GT(first_seed_catching(kHints, "lose_hints", "quorum.no_lost_write", 10, {"quorum.convergence"}), 0u);
}

// Measured: first seed 1 (195 of the first 200 seeds of the nemesis): concurrent writes and writes
// stamped by a clock that jumped behind lose to older ones.
TEST(QuorumSweep, LwwWithSkewIsCaughtByNoLostWrite) {
  EXPECT_GT(first_seed_catching(kNemesis, "lww_with_skew", "quorum.no_lost_write", 10, {"quorum.convergence"}), 0u);
}

// ~4ms per seed.
TEST(QuorumSweep, CorrectCodePassesTheSloppyNemesis) { sweep_correct(kNemesis, seeds(2000, 20)); }
TEST(QuorumSweep, CorrectCodePassesTheStrictNemesis) { sweep_correct(kStrict, seeds(2000, 20)); }
TEST(QuorumSweep, CorrectCodeKeepsHintsAcrossRestarts) { sweep_correct(kHints, seeds(2000, 20)); }
TEST(QuorumSweep, AbdStaysLinearizableUnderCrashesAndPartitions) { sweep_correct("quorum/abd.json", seeds(1000, 10)); }

// Anti-entropy alone (read repair off) brings the replicas together; without it they stay apart.
// Measured with `dsim sweep`: 300 of 300 seeds converge with it, 44 of the first 100 do not
// without it (first seed 1).
TEST(QuorumSweep, AntiEntropyConvergesWithoutReadRepair) {
  sweep_correct("quorum/anti-entropy.json", seeds(500, 10));
  const auto v = violated(run_scenario("quorum/anti-entropy.json", {"seed=1", "protocol.params.anti_entropy=\"0s\""}));
  EXPECT_TRUE(v.count("quorum.convergence"));
}

// A join and a leave under load, crashes and partitions: keys move to their new home replicas.
// ~5ms per seed: 2,000 seeds as two halves that ctest runs in parallel.
TEST(QuorumSweep, JoinAndLeaveSeeds1To1000) { sweep_correct("quorum/join-leave.json", seeds(1000, 10)); }
TEST(QuorumSweep, JoinAndLeaveSeeds1001To2000) {
  sweep_correct("quorum/join-leave.json", seeds(1000, 10), {}, seeds(1000, 1000) + 1);
}

// The lessons on partial and sloppy quorums: stale reads, and none once the quorums intersect.
TEST(QuorumSweep, PartialAndSloppyQuorumLessonsAndTheirFixes) {
  EXPECT_TRUE(violated(run_scenario("teaching/quorum-partial-quorum.json", {"seed=1"})).count("quorum.fresh_reads"));
  EXPECT_TRUE(violated(run_scenario("teaching/quorum-sloppy-partition.json", {"seed=1"})).count("quorum.fresh_reads"));
  sweep_correct("teaching/quorum-partial-quorum.json", seeds(200, 5), {"protocol.params.r=2", "protocol.params.w=2"});
  sweep_correct("teaching/quorum-sloppy-partition.json", seeds(200, 5), {"protocol.params.sloppy=false"});
}

// Last-writer-wins as an option (the lesson): lost with a skewed clock, kept with version vectors.
TEST(QuorumSweep, LwwLessonLosesAWriteAndDvvDoesNot) {
  const auto v = violated(run_scenario("teaching/quorum-lww-skew.json", {"seed=1"}));
  EXPECT_TRUE(v.count("quorum.no_lost_write"));
  sweep_correct("teaching/quorum-lww-skew.json", seeds(200, 5), {"protocol.params.resolution=\"dvv\""});
}

}  // namespace
}  // namespace dsim_test

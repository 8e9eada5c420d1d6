// Saga sweeps: each known bug is found by a sweep within a measured number of seeds, caught by
// the invariant that names it; the correct code passes 2,000 seeds of the nemesis and the
// scenarios' own faults.
#include <gtest/gtest.h>

#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

const char* kSagaNemesis = "saga/nemesis.json";

TEST(SagaSweep, NonIdempotentStepIsCaughtByExactlyOnce) {
  EXPECT_GT(first_seed_catching(kSagaNemesis, "non_idempotent_step", "saga.exactly_once", 10,
                                {"saga.atomicity", "saga.conservation"}),
            0u);
}

TEST(SagaSweep, CompensateInOrderIsCaughtByAtomicity) {
  EXPECT_GT(first_seed_catching("saga/payment-declines.json", "compensate_in_order", "saga.atomicity", 10), 0u);
}

TEST(SagaSweep, OrchestratorVolatileLogIsCaughtByTermination) {
  EXPECT_GT(first_seed_catching("saga/orchestrator-crash.json", "orchestrator_volatile_log", "saga.termination", 10,
                                {"saga.atomicity", "saga.conservation"}),
            0u);
}

TEST(SagaSweep, DualWriteIsCaughtByNoLostEvent) {
  EXPECT_GT(first_seed_catching("saga/choreography-nemesis.json", "dual_write", "saga.no_lost_event", 20,
                                {"saga.termination"}),
            0u);
}

TEST(SagaSweep, NonIdempotentStepIsCaughtByExactlyOnceUnderRedeliveries) {
  EXPECT_GT(first_seed_catching("saga/redelivery-storm.json", "non_idempotent_step", "saga.exactly_once", 5,
                                {"saga.atomicity", "saga.conservation"}),
            0u);
}

// The outbox lesson: events lost with dual_write, none without it.
TEST(SagaSweep, OutboxLessonLosesEventsOnlyWithDualWrite) {
  EXPECT_TRUE(violated(run_scenario("teaching/saga-outbox.json", {})).count("saga.no_lost_event"));
  sweep_correct("teaching/saga-outbox.json", seeds(100, 5), {"protocol.bugs=[]", "expect={\"safety\": \"holds\"}"});
}

// 2,000 seeds as two halves that ctest runs in parallel.
TEST(SagaSweep, CorrectCodePassesTheNemesisSeeds1To1000) { sweep_correct(kSagaNemesis, seeds(1000, 10)); }
TEST(SagaSweep, CorrectCodePassesTheNemesisSeeds1001To2000) {
  sweep_correct(kSagaNemesis, seeds(1000, 10), {}, seeds(1000, 1000) + 1);
}

TEST(SagaSweep, CorrectChoreographyPassesTheNemesisSeeds1To1000) {
  sweep_correct("saga/choreography-nemesis.json", seeds(1000, 10));
}
TEST(SagaSweep, CorrectChoreographyPassesTheNemesisSeeds1001To2000) {
  sweep_correct("saga/choreography-nemesis.json", seeds(1000, 10), {}, seeds(1000, 1000) + 1);
}

TEST(SagaSweep, EveryScenarioHoldsOverManySeeds) {
  for (const char* s : {"saga/happy-path.json", "saga/payment-declines.json", "saga/inventory-crash.json",
                        "saga/orchestrator-crash.json", "saga/partition.json", "saga/slow-shipping.json", "saga/pivot.json",
                        "saga/choreography.json", "saga/redelivery-storm.json", "saga/dead-letter.json",
                        "teaching/saga-orchestration-vs-choreography.json"})
    sweep_correct(s, seeds(100, 5));
  sweep_correct("teaching/saga-orchestration-vs-choreography.json", seeds(100, 5),
                {"protocol.params.style=\"choreographed\""});
}

}  // namespace
}  // namespace dsim_test

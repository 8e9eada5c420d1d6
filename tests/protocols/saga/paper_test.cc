// Saga paper tests, named by the rule they check: Garcia-Molina & Salem, "Sagas" (SIGMOD 1987)
// by section, and the engineering rules the issue names (idempotent steps, retries with
// back-off, circuit breakers). The orchestrator and a service are each driven directly.
#include <gtest/gtest.h>

#include "protocols/saga/observations.h"
#include "protocols/saga/orchestrator.h"
#include "protocols/saga/service.h"
#include "sim/testing.h"

namespace dsim::saga {
namespace {

constexpr uint32_t kServers = 5;  // n1 orchestrator; order, payment, inventory, shipping
const sim::NodeId kClient(kServers);
constexpr SagaId kSaga = 7;

class Orch : public sim::TestNode<Orchestrator> {
 public:
  explicit Orch(Config cfg = {})
      : TestNode(sim::Topology(kServers, 1), sim::NodeId(0), [cfg] { return std::make_unique<Orchestrator>(cfg); }) {}
  // The one call the last handler sent (the test fails unless there is exactly one).
  Call call() {
    const auto calls = sent<Call>();
    EXPECT_EQ(calls.size(), 1u);
    return calls.empty() ? Call{} : calls.front().second;
  }
  void reply(const Call& c, bool refused = false) {
    deliver(sim::NodeId(c.step + 1), Reply{c.saga, c.step, c.undo, refused, c.attempt});
  }
};

TEST(SagaPaper, S1_TheStepsRunInOrderAndTheSagaCompletes) {
  Orch o;
  o.deliver(kClient, Start{kSaga, 40, 2});
  EXPECT_TRUE(o.synced());  // the saga is in the log before it is accepted
  ASSERT_EQ(o.sent<Accepted>().size(), 1u);
  ASSERT_EQ(o.observed<Begun>().size(), 1u);
  for (uint32_t step = 0; step < 4; ++step) {
    const Call c = o.call();
    EXPECT_EQ(c.step, step);
    EXPECT_FALSE(c.undo);
    EXPECT_EQ(o.sent<Call>().front().first, sim::NodeId(step + 1));
    EXPECT_EQ(c.amount, step == 1 ? 40 : step == 2 ? 2 : 1);  // payment moves the amount, inventory the quantity
    o.reply(c);
    EXPECT_TRUE(o.synced());  // each step's outcome is logged before the next call
  }
  ASSERT_EQ(o.observed<Ended>().size(), 1u);
  EXPECT_TRUE(o.observed<Ended>()[0].completed);
  ASSERT_EQ(o.sent<Result>().size(), 1u);
  EXPECT_TRUE(o.sent<Result>()[0].second.completed);
}

// §1: "T1, T2, ..., Tj, Cj, ..., C2, C1": a refused step is not compensated, the ones before it
// are, last to first.
TEST(SagaPaper, S1_AFailedStepCompensatesTheStepsDoneInReverseOrder) {
  Orch o;
  o.deliver(kClient, Start{kSaga, 40, 2});
  for (int i = 0; i < 3; ++i) o.reply(o.call());
  o.reply(o.call(), /*refused=*/true);  // shipping refuses
  for (uint32_t step : {2u, 1u, 0u}) {
    const Call c = o.call();
    EXPECT_TRUE(c.undo);
    EXPECT_EQ(c.step, step);
    o.reply(c);
  }
  ASSERT_EQ(o.observed<Ended>().size(), 1u);
  EXPECT_FALSE(o.observed<Ended>()[0].completed);
}

TEST(SagaPaper, Bug_CompensateInOrderUndoesFirstToLast) {
  Config cfg;
  cfg.bugs.compensate_in_order = true;
  Orch o(cfg);
  o.deliver(kClient, Start{kSaga, 40, 2});
  for (int i = 0; i < 3; ++i) o.reply(o.call());
  o.reply(o.call(), true);
  for (uint32_t step : {0u, 1u, 2u}) {
    const Call c = o.call();
    EXPECT_EQ(c.step, step);
    o.reply(c);
  }
}

// §6: after a crash the orchestrator reads its log and carries every saga in flight on from
// where it was: here, the third step.
TEST(SagaPaper, S6_ARestartedOrchestratorRecoversTheSagasInFlightFromItsLog) {
  Orch o;
  o.deliver(kClient, Start{kSaga, 40, 2});
  o.reply(o.call());
  o.reply(o.call());
  o.crash_and_restart(/*lose_unsynced=*/true);
  const Call c = o.call();
  EXPECT_EQ(c.step, 2u);
  EXPECT_FALSE(c.undo);
  // A client that asks again learns the saga is accepted, and it is not begun twice.
  o.deliver(kClient, Start{kSaga, 40, 2});
  EXPECT_EQ(o.sent<Accepted>().size(), 1u);
  EXPECT_TRUE(o.observed<Begun>().empty());
  EXPECT_TRUE(o.sent<Call>().empty());
}

TEST(SagaPaper, Bug_AVolatileLogForgetsTheSagasInFlight) {
  Config cfg;
  cfg.bugs.orchestrator_volatile_log = true;
  Orch o(cfg);
  o.deliver(kClient, Start{kSaga, 40, 2});
  EXPECT_FALSE(o.synced());
  EXPECT_EQ(o.sent<Accepted>().size(), 1u);  // accepted, but only in memory
  o.reply(o.call());
  o.crash_and_restart(true);
  EXPECT_TRUE(o.sent<Call>().empty());  // nothing to resume: the saga is gone
}

// Retries: a call with no answer is tried again after a jittered exponential back-off, up to
// `retries` times; then the step counts as failed and, since it may have run, its own
// compensation runs first.
TEST(SagaPaper, Retry_BackOffThenGiveUpAndCompensateTheUncertainStepToo) {
  Config cfg;
  cfg.retries = 2;
  Orch o(cfg);
  o.deliver(kClient, Start{kSaga, 40, 2});
  o.reply(o.call());                      // order done
  EXPECT_EQ(o.call().step, 1u);           // payment...
  for (uint32_t attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_TRUE(o.fire<CallTimeout>());   // ...does not answer
    ASSERT_EQ(o.observed<Retried>().size(), 1u);
    EXPECT_EQ(o.observed<Retried>()[0].attempt, attempt);
    const auto backoff = o.armed<Backoff>();
    ASSERT_EQ(backoff.size(), 1u);
    ASSERT_TRUE(o.fire<Backoff>());
    const Call c = o.call();
    EXPECT_EQ(c.step, 1u);
    EXPECT_EQ(c.attempt, attempt);
  }
  ASSERT_TRUE(o.fire<CallTimeout>());     // the last retry times out too
  const Call undo = o.call();
  EXPECT_TRUE(undo.undo);
  EXPECT_EQ(undo.step, 1u);               // payment's own compensation first
  o.reply(undo);
  EXPECT_EQ(o.call().step, 0u);           // then the order's
}

// A pivot (a step with no compensation): once it is done the saga can only go forward, so the
// steps after it are retried past `retries` instead of being given up on; before it, a failure
// still compensates.
TEST(SagaPaper, Pivot_PastThePivotAStepIsRetriedUntilItSucceeds) {
  Config cfg;
  cfg.pivot = "payment";
  cfg.retries = 1;
  Orch o(cfg);
  o.deliver(kClient, Start{kSaga, 40, 2});
  o.reply(o.call());  // order
  o.reply(o.call());  // payment: the pivot is done
  Call last = o.call();
  EXPECT_EQ(last.step, 2u);
  for (uint32_t attempt = 1; attempt <= 4; ++attempt) {
    ASSERT_TRUE(o.fire<CallTimeout>());
    ASSERT_TRUE(o.fire<Backoff>());
    last = o.call();
    EXPECT_FALSE(last.undo);  // never compensated
    EXPECT_EQ(last.step, 2u);
    EXPECT_EQ(last.attempt, attempt);
  }
  o.reply(last);
  EXPECT_EQ(o.call().step, 3u);
}

TEST(SagaPaper, Pivot_BeforeThePivotAFailureStillCompensates) {
  Config cfg;
  cfg.pivot = "inventory";
  Orch o(cfg);
  o.deliver(kClient, Start{kSaga, 40, 2});
  o.reply(o.call());        // order
  o.reply(o.call(), true);  // payment refuses
  const Call undo = o.call();
  EXPECT_TRUE(undo.undo);
  EXPECT_EQ(undo.step, 0u);
}

// A late answer to an attempt that timed out still counts (calls are idempotent: every attempt
// gets the same answer); an answer about another call does not.
TEST(SagaPaper, Retry_ALateAnswerToAnEarlierAttemptCounts) {
  Orch o;
  o.deliver(kClient, Start{kSaga, 40, 2});
  const Call first = o.call();
  ASSERT_TRUE(o.fire<CallTimeout>());
  o.deliver(sim::NodeId(2), Reply{kSaga, 1, false, false, 0});  // about payment, not the order
  EXPECT_TRUE(o.sent<Call>().empty());
  o.reply(first);                                               // the order's answer, late
  EXPECT_EQ(o.call().step, 1u);
  EXPECT_TRUE(o.armed<Backoff>().empty());  // the retry's back-off is cancelled
}

// Circuit breaker: `breaker_failures` timeouts in a row open it; while open, calls fail at once
// (nothing is sent); after `breaker_open` one call goes through (half-open) and its answer
// closes it.
TEST(SagaPaper, Breaker_OpensFailsFastHalfOpensAndCloses) {
  Config cfg;
  cfg.breaker_failures = 2;
  cfg.retries = 10;
  Orch o(cfg);
  o.deliver(kClient, Start{kSaga, 40, 2});
  o.call();
  ASSERT_TRUE(o.fire<CallTimeout>());
  ASSERT_TRUE(o.fire<Backoff>());
  o.call();
  ASSERT_TRUE(o.fire<CallTimeout>());     // the second timeout in a row
  ASSERT_EQ(o.observed<Breaker>().size(), 1u);
  EXPECT_EQ(o.observed<Breaker>()[0].state, "open");
  ASSERT_TRUE(o.fire<Backoff>());
  EXPECT_TRUE(o.sent<Call>().empty());    // open: fails at once
  EXPECT_EQ(o.observed<Retried>().size(), 1u);
  o.advance(cfg.breaker_open);
  ASSERT_TRUE(o.fire<Backoff>());
  ASSERT_EQ(o.observed<Breaker>().size(), 1u);
  EXPECT_EQ(o.observed<Breaker>()[0].state, "half_open");
  const Call probe = o.call();
  o.reply(probe);
  ASSERT_EQ(o.observed<Breaker>().size(), 1u);
  EXPECT_EQ(o.observed<Breaker>()[0].state, "closed");
  EXPECT_EQ(o.call().step, 1u);
}

// ---- a service ----

class Svc : public sim::TestNode<Service> {
 public:
  explicit Svc(Config cfg = {})
      : TestNode(sim::Topology(kServers, 1), sim::NodeId(2), [cfg] { return std::make_unique<Service>(cfg, 1, "payment"); }) {}
  // Delivers the call from the orchestrator and lets its local transaction finish.
  Reply run(bool undo, uint32_t attempt = 0) {
    deliver(sim::NodeId(0), Call{kSaga, 1, undo, 40, attempt});
    EXPECT_TRUE(sent<Reply>().empty());  // the transaction takes `work`
    EXPECT_TRUE(fire<Work>());
    EXPECT_TRUE(synced());
    const auto replies = sent<Reply>();
    EXPECT_EQ(replies.size(), 1u);
    return replies.empty() ? Reply{} : replies.front().second;
  }
};

TEST(SagaPaper, Idempotence_ARetriedStepIsAnsweredAgainNotRunAgain) {
  Svc s;
  EXPECT_FALSE(s.run(false).refused);
  ASSERT_EQ(s.observed<Applied>().size(), 1u);
  EXPECT_EQ(s.observed<Applied>()[0].amount, 40);
  EXPECT_FALSE(s.run(false, 1).refused);
  EXPECT_TRUE(s.observed<Applied>().empty());
  s.crash_and_restart(true);  // the record is durable
  EXPECT_FALSE(s.run(false, 2).refused);
  EXPECT_TRUE(s.observed<Applied>().empty());
}

TEST(SagaPaper, Bug_NonIdempotentStepRunsAgain) {
  Config cfg;
  cfg.bugs.non_idempotent_step = true;
  Svc s(cfg);
  s.run(false);
  s.run(false, 1);
  EXPECT_EQ(s.observed<Applied>().size(), 1u);  // applied a second time
}

// §1: a compensation undoes its step; run again, it undoes nothing more.
TEST(SagaPaper, S1_ACompensationUndoesItsStepOnce) {
  Svc s;
  s.run(false);
  s.run(true);
  ASSERT_EQ(s.observed<Applied>().size(), 1u);
  EXPECT_TRUE(s.observed<Applied>()[0].undo);
  s.run(true, 1);
  EXPECT_TRUE(s.observed<Applied>().empty());
}

// A compensation that arrives before its step (the step's call was delayed, the orchestrator
// gave up on it) undoes nothing and leaves a tombstone: the step arriving later is refused.
TEST(SagaPaper, Tombstone_AStepAfterItsCompensationIsRefused) {
  Svc s;
  s.run(true);
  EXPECT_TRUE(s.observed<Applied>().empty());
  ASSERT_EQ(s.observed<Refused>().size(), 1u);
  EXPECT_TRUE(s.observed<Refused>()[0].undo);
  EXPECT_TRUE(s.run(false).refused);
  EXPECT_TRUE(s.observed<Applied>().empty());
}

// A business refusal is the step's outcome for good: asked again, the service refuses again
// rather than drawing again.
TEST(SagaPaper, BusinessRule_ARefusalIsDurableAndRepeated) {
  Config cfg;
  cfg.fail = 1.0;
  Svc s(cfg);
  EXPECT_TRUE(s.run(false).refused);
  ASSERT_EQ(s.observed<Refused>().size(), 1u);
  s.crash_and_restart(true);
  EXPECT_TRUE(s.run(false, 1).refused);
  EXPECT_TRUE(s.observed<Refused>().empty());
  EXPECT_TRUE(s.observed<Applied>().empty());
}

}  // namespace
}  // namespace dsim::saga

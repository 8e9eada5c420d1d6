// Raft's invariants read the trace only, so `dsim check` reaches exactly the live verdicts:
// for each run below (the teaching scenarios, violations included, a cut run, and the nemesis
// and a known bug over several seeds) every invariant's verdict, skip reason and violation
// (event, time, sentence) agree between the run and the offline check of its trace.
#include <gtest/gtest.h>

#include <filesystem>

#include "protocols/registry.h"
#include "sim/jsonl.h"
#include "tests/support/sweep.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

std::vector<sim::InvariantResult> offline(const std::string& trace) {
  OfflineInvariants invariants;
  const sim::TraceReadResult read = sim::read_trace(
      trace, protocols::registry(), sections(), [&](const sim::Scenario& s) { invariants.start(s); },
      [&](const sim::TraceEvent& ev) { invariants.on_event(ev); });
  return invariants.finish(sim::Time::from_ns(read.footer.end_ns));
}

// Runs scenarios/<file> with a trace (seed 0: the scenario's own; until "": to the end) and
// checks the trace offline; returns how many invariants broke live.
int expect_same_verdicts(const std::string& file, uint64_t seed = 0, const std::vector<std::string>& sets = {},
                         const std::string& until = "") {
  SCOPED_TRACE(file + " seed " + std::to_string(seed) + (until.empty() ? "" : " until " + until));
  sim::Scenario s = load(std::string(DSIM_SOURCE_DIR) + "/scenarios/" + file, sets);
  if (seed) {
    s.seed = seed;
    s.resolved["seed"] = seed;
  }
  if (!until.empty()) set_until(s, "--until", until);
  // One file per test: ctest runs the tests of this file in parallel processes.
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string trace = (std::filesystem::temp_directory_path() /
                             (std::string("dsim_offline_") + test->test_suite_name() + "_" + test->name() + ".jsonl"))
                                .string();
  RunRequest request;
  request.scenario = &s;
  request.trace_path = trace;
  const RunOutcome live = execute(request);
  const auto checked = offline(trace);
  EXPECT_EQ(checked.size(), live.invariants.size());
  int violated = 0;
  for (size_t i = 0; i < std::min(checked.size(), live.invariants.size()); ++i) {
    const auto &a = live.invariants[i], &b = checked[i];
    SCOPED_TRACE(a.name);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.verdict, b.verdict);
    EXPECT_EQ(a.detail, b.detail);
    EXPECT_EQ(a.violation.has_value(), b.violation.has_value());
    if (!a.violation || !b.violation) continue;
    ++violated;
    EXPECT_EQ(a.violation->seq, b.violation->seq);
    EXPECT_EQ(a.violation->time, b.violation->time);
    EXPECT_EQ(a.violation->what, b.violation->what);
    EXPECT_EQ(a.violation->at_end, b.violation->at_end);
  }
  std::filesystem::remove(trace);
  return violated;
}

// Under the sanitizers (which look for memory errors, not for other verdicts) the long runs
// are shortened: a run with a bug switched on stops at its first violation, and a clean
// nemesis run stops at `short_until`. The comparison itself is the same; the Release pass
// runs everything in full.
std::vector<std::string> offline_bug(std::vector<std::string> sets) {
  if (dsim_test::sanitized()) sets.push_back("stop_at_violation=true");
  return sets;
}
std::string offline_until(const std::string& short_until) { return dsim_test::sanitized() ? short_until : ""; }

TEST(RaftOffline, TeachingScenariosAgreeLiveAndOffline) {
  int violated = 0;
  for (const char* file : {"teaching/raft-basics.json", "teaching/raft-byzantine-vote.json",
                           "teaching/raft-figure8-scripted.json", "teaching/raft-figure8-scripted-e.json",
                           "teaching/raft-figure8-scripted-safe.json", "teaching/raft-figure8.json",
                           "teaching/raft-lease-clock-skew.json", "teaching/raft-split-votes.json"})
    violated += expect_same_verdicts(file);
  // Safety and liveness violations are among them, so the comparison covers violations.
  EXPECT_GE(violated, 4);
}

TEST(RaftOffline, CutRunsAgreeLiveAndOffline) {
  expect_same_verdicts("teaching/raft-basics.json", 0, {}, "2s");
  expect_same_verdicts("teaching/raft-figure8-scripted.json", 0, {"stop_at_violation=true"});
}

TEST(RaftOffline, NemesisRunsAgreeLiveAndOfflineOverSeeds) {
  int violated = 0;
  // Fewer seeds under the sanitizers (the comparison is the same; the Release pass runs all).
  for (uint64_t seed = 1; seed <= dsim_test::seeds(4, 2); ++seed) {
    expect_same_verdicts("raft/nemesis.json", seed, {}, offline_until("5s"));
    violated += expect_same_verdicts("raft/leader-isolation.json", seed, offline_bug({"protocol.bugs=[\"vote_any_log\"]"}));
  }
  for (uint64_t seed = 1; seed <= dsim_test::seeds(2, 1); ++seed) expect_same_verdicts("raft/restart-all.json", seed, {}, offline_until("5s"));
  EXPECT_GE(violated, 1) << "the bug is caught on some seed, so a violation is compared";
}

// Paxos's invariants read observations only too: its lessons (violations included), the
// nemesis and every bug switch agree live and offline.
TEST(PaxosOffline, LessonsNemesisAndBugsAgreeLiveAndOffline) {
  int violated = 0;
  for (const char* file : {"teaching/paxos-synod.json", "teaching/paxos-duel.json", "teaching/paxos-duel-backoff.json",
                           "teaching/paxos-non-intersecting.json"})
    violated += expect_same_verdicts(file);
  EXPECT_GE(violated, 2);  // the duel's liveness and the non-intersecting quorums' agreement
  expect_same_verdicts("paxos/nemesis.json", 1, {}, offline_until("3s"));
  for (const char* bug : {"forget_promise", "ignore_accepted", "accept_lower_ballot", "forget_decisions"})
    EXPECT_GE(expect_same_verdicts("paxos/nemesis.json", 1, offline_bug({std::string("protocol.bugs=[\"") + bug + "\"]"})), 1) << bug;
  expect_same_verdicts("paxos/leader-crash.json", 2, {}, "3s");
}

// SWIM's invariants read observations, crashes and fault events: its lesson, the nemesis and
// both bug switches agree live and offline.
TEST(SwimOffline, LessonNemesisAndBugsAgreeLiveAndOffline) {
  EXPECT_GE(expect_same_verdicts("teaching/swim-suspicion.json"), 1);
  expect_same_verdicts("swim/nemesis.json", 1, {}, offline_until("60s"));
  expect_same_verdicts("swim/partition.json", 1, {}, offline_until("60s"));
  EXPECT_GE(expect_same_verdicts("swim/loss.json", 1, offline_bug({"protocol.bugs=[\"no_incarnation\"]"})), 1);
  EXPECT_GE(expect_same_verdicts("swim/crash.json", 1, offline_bug({"protocol.bugs=[\"drop_piggyback\"]", "nodes=100"})), 1);
}

// The quorum store's invariants read versions, copies, acknowledged writes, reads and crash events:
// the lesson, the nemesis and the bug switches agree live and offline.
TEST(QuorumOffline, LessonNemesisAndBugsAgreeLiveAndOffline) {
  EXPECT_GE(expect_same_verdicts("teaching/quorum-lww-skew.json"), 1);
  expect_same_verdicts("quorum/nemesis.json", 1, {}, offline_until("6s"));
  expect_same_verdicts("quorum/anti-entropy.json", 1);
  expect_same_verdicts("quorum/abd.json", 1);
  expect_same_verdicts("quorum/join-leave.json", 1);
  EXPECT_GE(expect_same_verdicts("teaching/quorum-sloppy-partition.json", 1), 1);
  EXPECT_GE(expect_same_verdicts("quorum/strict.json", 2, offline_bug({"protocol.bugs=[\"r_plus_w_le_n\"]"})), 1);
  EXPECT_GE(expect_same_verdicts("quorum/nemesis.json", 1, offline_bug({"protocol.bugs=[\"no_read_repair\"]"})), 1);
  EXPECT_GE(expect_same_verdicts("quorum/hint-restart.json", 1, offline_bug({"protocol.bugs=[\"lose_hints\"]"})), 1);
}

// The sagas' invariants read begun/ended, the services' effects, events emitted and published,
// dead letters and crash events: both styles, the lessons and every bug switch agree live and
// offline.
TEST(SagaOffline, BothStylesLessonsAndBugsAgreeLiveAndOffline) {
  expect_same_verdicts("saga/nemesis.json", 1);
  expect_same_verdicts("saga/choreography-nemesis.json", 1);
  expect_same_verdicts("saga/slow-shipping.json", 1);
  EXPECT_GE(expect_same_verdicts("teaching/saga-outbox.json"), 1);
  EXPECT_GE(expect_same_verdicts("saga/nemesis.json", 1, {"protocol.bugs=[\"non_idempotent_step\"]"}), 1);
  EXPECT_GE(expect_same_verdicts("saga/payment-declines.json", 1, {"protocol.bugs=[\"compensate_in_order\"]"}), 1);
  EXPECT_GE(expect_same_verdicts("saga/orchestrator-crash.json", 1, {"protocol.bugs=[\"orchestrator_volatile_log\"]"}), 1);
  EXPECT_GE(expect_same_verdicts("saga/choreography-nemesis.json", 1, {"protocol.bugs=[\"dual_write\"]"}), 1);
}

}  // namespace
}  // namespace dsim::cli

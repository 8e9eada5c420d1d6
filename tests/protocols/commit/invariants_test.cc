// The atomic commitment invariants on hand-written traces: each one catches the violation it
// names and passes a correct history, including the exemptions AC4 and AC5 make for failures.
#include <gtest/gtest.h>

#include <deque>

#include "faults/healing.h"
#include "protocols/commit/invariants.h"
#include "protocols/commit/observations.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "tools/cli/runner.h"

namespace dsim::commit {
namespace {

using nlohmann::json;

std::vector<Write> one(const char* key) { return {Write{key, "t7"}}; }
const std::vector<Write> kWrites{{"a", "t7"}, {"b", "t7"}};
constexpr TxnId kTxn{7};
const std::vector<sim::NodeId> kParticipants{sim::NodeId(1), sim::NodeId(2)};

// A trace for n1 (coordinator), n2, n3 (participants) and c1, fed to one invariant.
class Trace {
 public:
  explicit Trace(json faults = json::array(), std::string timeout = "100ms")
      : topology_(3, 1), scenario_(scenario(faults, timeout)), healing_(faults::healing(scenario_)) {}

  sim::InvariantEnv env() { return {&scenario_.resolved, &topology_, healing_}; }
  void use(std::unique_ptr<sim::Invariant> inv) { inv_ = std::move(inv); }

  Trace& at(int64_t ms) {
    now_ = sim::Time::zero() + sim::Duration::millis(ms);
    return *this;
  }
  // Node `node` observes `what`, boxed as the runtime boxes it (std::variant<T>).
  template <class T>
  Trace& observe(uint32_t node, T what) {
    boxes_.push_back(sim::make_message<std::variant<T>>(std::move(what)));
    sim::TraceEvent ev;
    ev.seq = seq_++;
    ev.time = now_;
    ev.kind = sim::TraceKind::observe;
    ev.node = sim::NodeId(node);
    ev.name = T::type_name;
    ev.msg = boxes_.back().get();
    inv_->on_event(ev);
    return *this;
  }
  Trace& event(uint32_t node, sim::TraceKind kind) {
    data_.push_back(json::object());
    sim::TraceEvent ev;
    ev.seq = seq_++;
    ev.time = now_;
    ev.kind = kind;
    ev.node = sim::NodeId(node);
    ev.data = &data_.back();
    inv_->on_event(ev);
    return *this;
  }
  // The usual prefix: c1 submits transaction 7 over n2 and n3; both vote.
  Trace& submit_and_vote(bool yes_n2 = true, bool yes_n3 = true) {
    at(0).observe(3, Submitted{kTxn, kParticipants, kWrites});
    at(10).observe(0, Begun{kTxn, kParticipants});
    at(15).observe(1, Voted{kTxn, yes_n2}).observe(2, Voted{kTxn, yes_n3});
    return *this;
  }
  Trace& decide(uint32_t node, Decision d) { return observe(node, Decided{kTxn, d}); }
  Trace& apply(uint32_t node, std::vector<Write> writes) { return observe(node, Applied{kTxn, std::move(writes)}); }

  bool violated(int64_t end_ms = 10000) {
    inv_->on_end(sim::Time::zero() + sim::Duration::millis(end_ms));
    return inv_->violation().has_value();
  }
  bool applicable() const { return inv_->applicable(); }

 private:
  // A 2PC scenario with these faults, validated as a scenario file is.
  static sim::Scenario scenario(const json& faults, const std::string& timeout) {
    const json doc{{"protocol", {{"name", "twopc"}, {"params", {{"timeout", timeout}}}}}, {"nodes", 3},
                   {"duration", "30s"}, {"workload", {{"clients", 1}}}, {"faults", faults}};
    return cli::load_document(sim::parse_json_source(doc.dump(), "test.json"), {});
  }

  sim::Topology topology_;
  sim::Scenario scenario_;
  sim::Healing healing_;
  std::unique_ptr<sim::Invariant> inv_;
  std::deque<json> data_;
  std::deque<sim::MessagePtr> boxes_;
  sim::Time now_;
  uint64_t seq_ = 0;
};

TEST(CommitInvariants, AgreementCatchesTwoProcessesDecidingDifferently) {
  Trace t;
  t.use(make_agreement(t.env()));
  t.submit_and_vote().at(20).decide(0, Decision::commit).decide(1, Decision::commit).decide(2, Decision::abort);
  EXPECT_TRUE(t.violated());
  Trace ok;
  ok.use(make_agreement(ok.env()));
  ok.submit_and_vote().at(20).decide(0, Decision::commit).decide(1, Decision::commit).decide(2, Decision::commit);
  EXPECT_FALSE(ok.violated());
}

TEST(CommitInvariants, IrreversibleCatchesAProcessChangingItsMind) {
  Trace t;
  t.use(make_irreversible(t.env()));
  t.submit_and_vote().at(20).decide(0, Decision::abort).event(0, sim::TraceKind::crash).event(0, sim::TraceKind::restart);
  t.decide(0, Decision::commit);
  EXPECT_TRUE(t.violated());
  Trace ok;
  ok.use(make_irreversible(ok.env()));
  ok.submit_and_vote().at(20).decide(0, Decision::abort).decide(0, Decision::abort).decide(1, Decision::abort);
  EXPECT_FALSE(ok.violated());
}

TEST(CommitInvariants, CommitNeedsEveryYes) {
  Trace t;
  t.use(make_commit_needs_all_yes(t.env()));
  t.at(0).observe(3, Submitted{kTxn, kParticipants, kWrites});
  t.at(15).observe(1, Voted{kTxn, true}).at(20).decide(0, Decision::commit);  // n3 never voted
  EXPECT_TRUE(t.violated());
  Trace no;
  no.use(make_commit_needs_all_yes(no.env()));
  no.submit_and_vote(true, false).at(20).decide(0, Decision::commit);
  EXPECT_TRUE(no.violated());
  Trace ok;
  ok.use(make_commit_needs_all_yes(ok.env()));
  ok.submit_and_vote().at(20).decide(0, Decision::commit);
  EXPECT_FALSE(ok.violated());
}

TEST(CommitInvariants, ValidityCatchesAnAbortWithoutFailure) {
  Trace t;
  t.use(make_validity(t.env()));
  t.submit_and_vote().at(20).decide(0, Decision::abort);
  EXPECT_TRUE(t.violated());
  // A no vote allows the abort.
  Trace no;
  no.use(make_validity(no.env()));
  no.submit_and_vote(true, false).at(20).decide(0, Decision::abort);
  EXPECT_FALSE(no.violated());
}

TEST(CommitInvariants, ValidityExemptsTransactionsThatSawAFailure) {
  // A message drop while the transaction ran: the abort is allowed.
  Trace t(json::array({{{"at", "5ms"}, {"crash", "n3"}}}));
  t.use(make_validity(t.env()));
  t.submit_and_vote().at(16).event(0, sim::TraceKind::drop).at(20).decide(0, Decision::abort);
  EXPECT_FALSE(t.violated());
  // After every fault healed (a crash at 1s, restarted at 2s) the rule applies again.
  Trace later(json::array({{{"at", "1s"}, {"crash", "n3"}, {"for", "1s"}}}));
  later.use(make_validity(later.env()));
  later.at(1000).event(2, sim::TraceKind::crash).at(2000).event(2, sim::TraceKind::restart);
  later.at(3000).observe(3, Submitted{kTxn, kParticipants, kWrites});
  later.observe(1, Voted{kTxn, true}).observe(2, Voted{kTxn, true});
  later.at(3020).decide(0, Decision::abort);
  EXPECT_TRUE(later.violated());
}

TEST(CommitInvariants, TerminationCatchesABlockedParticipant) {
  Trace t(json::array({{{"at", "20ms"}, {"crash", "n1"}}}));  // the coordinator never comes back
  t.use(make_termination(t.env(), 30));
  t.submit_and_vote().at(20).event(0, sim::TraceKind::crash);
  EXPECT_TRUE(t.violated(10000)) << "n2 and n3 are up, voted yes and never decided";
  Trace ok(json::array({{{"at", "20ms"}, {"crash", "n1"}}}));
  ok.use(make_termination(ok.env(), 30));
  ok.submit_and_vote().at(20).event(0, sim::TraceKind::crash).at(300).decide(1, Decision::abort).decide(2, Decision::abort);
  EXPECT_FALSE(ok.violated(10000)) << "the crashed coordinator need not decide";
}

TEST(CommitInvariants, TerminationWaitsForTheBoundAndExemptsTotalFailure) {
  Trace early(json::array({{{"at", "20ms"}, {"crash", "n1"}}}));
  early.use(make_termination(early.env(), 30));
  early.submit_and_vote().at(20).event(0, sim::TraceKind::crash);
  EXPECT_FALSE(early.violated(2000)) << "the run ended within 30 x 100ms of the submit";
  // Every process in doubt crashed at some point: even 3PC may block.
  Trace total(json::array({{{"from", "20ms"}, {"to", "1s"}, {"nemesis", {{"kinds", {"crash"}}}}}}));
  total.use(make_termination(total.env(), 30));
  total.submit_and_vote().at(20);
  for (uint32_t n : {0u, 1u, 2u}) total.event(n, sim::TraceKind::crash).event(n, sim::TraceKind::restart);
  EXPECT_FALSE(total.violated(10000));
  // A partition that never heals: termination is not promised at all.
  Trace never(json::array({{{"at", "1s"}, {"partition", {{"n1"}, {"n2", "n3"}}}}}));
  never.use(make_termination(never.env(), 30));
  EXPECT_FALSE(never.applicable());
}

TEST(CommitInvariants, AtomicStateCatchesMissingWrongAndAbortedWrites) {
  Trace missing;
  missing.use(make_atomic_state(missing.env()));
  missing.submit_and_vote().at(20).decide(1, Decision::commit).apply(1, one("a")).decide(2, Decision::commit);
  EXPECT_TRUE(missing.violated()) << "n3 decided commit and never made b visible";
  Trace wrong;
  wrong.use(make_atomic_state(wrong.env()));
  wrong.submit_and_vote().at(20).decide(1, Decision::commit).apply(1, {});
  EXPECT_TRUE(wrong.violated());
  Trace aborted;
  aborted.use(make_atomic_state(aborted.env()));
  aborted.submit_and_vote().at(20).decide(1, Decision::commit).apply(1, one("a")).decide(2, Decision::abort);
  EXPECT_TRUE(aborted.violated());
  Trace ok;
  ok.use(make_atomic_state(ok.env()));
  ok.submit_and_vote().at(20).decide(1, Decision::commit).apply(1, one("a")).decide(2, Decision::commit).apply(2, one("b"));
  EXPECT_FALSE(ok.violated());
}

// A garbled trace (`dsim check`): a client's observation named like a participant's must not
// count as a participant (it indexed the servers' up/down table out of range). Found by
// tests/fuzz/trace.cc; replayed from tests/fuzz/regressions.
TEST(CommitInvariants, GarbledTraceIsReadSafely) {
  Trace t;
  t.use(make_termination(t.env(), 30));
  t.at(0).observe(3, Voted{kTxn, true}).observe(3, Begun{kTxn, kParticipants});
  EXPECT_FALSE(t.violated()) << "c1 took part in nothing";
}

// Read back from a trace, a transaction id that is not a non-negative integer (1e300 was a
// float-cast overflow), or a missing field, is refused when the observation is decoded,
// before any invariant sees it (sim/jsonl.cc turns the exception into one line naming it).
TEST(CommitInvariants, ObservationsThatDoNotFitTheirTypeAreRefusedWhenDecoded) {
  const auto& decode = protocols::registry().find("twopc")->decode_observation;
  const auto refused = [&](const json& body) {
    try {
      decode("decide", body);
    } catch (const std::invalid_argument&) {
      return true;
    } catch (const nlohmann::json::exception&) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused({{"txn", 1e300}, {"decision", "commit"}}));
  EXPECT_TRUE(refused({{"txn", -1}, {"decision", "commit"}}));
  EXPECT_TRUE(refused({{"txn", 7}, {"decision", "maybe"}}));
  EXPECT_TRUE(refused({{"txn", 7}}));
  const sim::MessagePtr ok = decode("decide", {{"txn", 7}, {"decision", "commit"}});
  ASSERT_TRUE(ok);
  ASSERT_TRUE(ok->holds<std::variant<Decided>>());
  EXPECT_EQ(std::get<0>(ok->as<std::variant<Decided>>()).decision, Decision::commit);
  EXPECT_FALSE(decode("no_such_observation", json::object()));
}

}  // namespace
}  // namespace dsim::commit

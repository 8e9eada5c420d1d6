// Session guarantees: each one caught on a minimal history, and a correct history passing.
#include <gtest/gtest.h>

#include "sim/check/session.h"

namespace dsim::check {
namespace {

Operation op(int p, const std::string& f, const std::string& key, json in, json out, int64_t t,
             Status status = Status::ok) {
  Operation o;
  o.process = p;
  o.key = key;
  o.f = f;
  o.input = std::move(in);
  o.output = std::move(out);
  o.call = t;
  o.ret = t + 1;
  o.status = status;
  return o;
}
Operation w(int p, json v, int64_t t, const std::string& key = "k") { return op(p, "write", key, v, nullptr, t); }
Operation r(int p, json v, int64_t t, const std::string& key = "k") { return op(p, "read", key, nullptr, v, t); }

std::vector<SessionGuarantee> violated(std::vector<Operation> ops) {
  const SessionResult res = check_session_guarantees(History{std::move(ops)});
  if (res.violations.empty()) return {};
  return res.violations.front().guarantees;
}

using G = SessionGuarantee;

TEST(SessionGuarantees, CorrectHistoryPasses) {
  // Two clients, concurrent writers, each sees its own writes and never goes back.
  const SessionResult res = check_session_guarantees(History{{
      w(0, "a", 0), r(1, nullptr, 1), r(0, "a", 2), w(1, "b", 3), r(1, "b", 4), r(0, "b", 5),
      w(0, "c", 6), r(0, "c", 7), r(1, "c", 8), w(2, "z", 0, "other"), r(2, "z", 1, "other")}});
  EXPECT_TRUE(res.ok) << res.to_text();
}

TEST(SessionGuarantees, ReadYourWrites) {
  EXPECT_EQ(violated({w(0, "a", 0), r(0, nullptr, 2)}), std::vector<G>{G::read_your_writes});
  // Another client may still read the initial value (no guarantee across sessions).
  EXPECT_TRUE(violated({w(0, "a", 0), r(1, nullptr, 2)}).empty());
}

TEST(SessionGuarantees, MonotonicReads) {
  EXPECT_EQ(violated({w(0, "a", 0), r(1, "a", 2), r(1, nullptr, 3)}), std::vector<G>{G::monotonic_reads});
  // Client 0 wrote a then b; client 1 saw b then a: one of MW or MR is broken.
  EXPECT_EQ(violated({w(0, "a", 0), w(0, "b", 1), r(1, "b", 2), r(1, "a", 3)}),
            (std::vector<G>{G::monotonic_reads, G::monotonic_writes}));
}

TEST(SessionGuarantees, MonotonicWrites) {
  // The store applied client 0's writes out of order, as client 0's own read shows.
  const SessionResult res = check_session_guarantees(
      History{{w(0, "a", 0), w(0, "b", 1), r(0, "a", 2)}});
  ASSERT_FALSE(res.ok);
  EXPECT_EQ(res.violations.front().guarantees,
            (std::vector<G>{G::read_your_writes, G::monotonic_writes}));
  EXPECT_NE(res.to_text().find("key \"k\""), std::string::npos) << res.to_text();
}

TEST(SessionGuarantees, WritesFollowReads) {
  // Client 1 read a, then wrote b; client 2 then sees b and afterwards a: b was ordered
  // before the a it depends on (with client 2's monotonic reads).
  EXPECT_EQ(violated({w(0, "a", 0), r(1, "a", 1), w(1, "b", 2), r(2, "b", 3), r(2, "a", 4)}),
            (std::vector<G>{G::monotonic_reads, G::writes_follow_reads}));
}

// Sibling reads (a Dynamo-style store returns concurrent versions side by side): a read of
// ["a", "b"] stands for the later of the two. Only constraints that hold whichever it is count.
std::vector<SessionGuarantee> violated_siblings(std::vector<Operation> ops) {
  SessionOptions o;
  o.siblings = true;
  const SessionResult res = check_session_guarantees(History{std::move(ops)}, o);
  EXPECT_TRUE(res.errors.empty()) << res.to_text();
  if (res.violations.empty()) return {};
  return res.violations.front().guarantees;
}
json both(const char* a, const char* b) { return json::array({a, b}); }

TEST(SessionGuarantees, SiblingReadsThatCanBeExplainedPass) {
  // Client 0 wrote c and reads it beside a concurrent d; then d beside a later e; then e alone.
  EXPECT_TRUE(violated_siblings({w(0, "c", 0), w(1, "d", 1), r(0, both("c", "d"), 2), w(1, "e", 3),
                                 r(0, both("d", "e"), 4), r(0, "e", 5), r(0, both("e", "d"), 6)})
                  .empty());
  // Its own write missing from the siblings is fine when one of them may follow it (d after c).
  EXPECT_TRUE(violated_siblings({w(1, "a", 0), w(0, "c", 1), w(1, "d", 2), r(0, both("a", "d"), 3)}).empty());
  // Reading one of two siblings alone afterwards: it may have been the later one.
  EXPECT_TRUE(violated_siblings({w(1, "a", 0), w(2, "b", 1), r(0, both("a", "b"), 2), r(0, "a", 3)}).empty());
}

TEST(SessionGuarantees, SiblingReadsCatchEachGuarantee) {
  // Read a and b, wrote c after them, then read a and b again: c is missing and cannot precede them.
  EXPECT_EQ(violated_siblings({w(1, "a", 0), w(2, "b", 1), r(0, both("a", "b"), 2), w(0, "c", 3), r(0, both("a", "b"), 4)}),
            (std::vector<G>{G::read_your_writes, G::writes_follow_reads}));
  // Read a and b, then the initial value: monotonic reads.
  EXPECT_EQ(violated_siblings({w(1, "a", 0), w(2, "b", 1), r(0, both("a", "b"), 2), r(0, nullptr, 3)}),
            std::vector<G>{G::monotonic_reads});
  // Wrote c, then read two siblings that the session itself read before writing c.
  EXPECT_EQ(violated_siblings({w(1, "a", 0), w(2, "b", 1), r(0, both("b", "a"), 2), w(0, "c", 3), r(0, both("a", "b"), 4)})
                .size(),
            2u);
  // Without the option an array is one value, which nobody wrote: an error, not a verdict.
  const SessionResult plain = check_session_guarantees(History{{w(1, "a", 0), w(2, "b", 1), r(0, both("a", "b"), 2)}});
  EXPECT_FALSE(plain.ok);
  EXPECT_EQ(plain.errors.size(), 1u);
  SessionOptions o;
  o.siblings = true;
  const SessionResult unknown = check_session_guarantees(History{{w(1, "a", 0), r(0, both("a", "q"), 2)}}, o);
  EXPECT_EQ(unknown.errors.size(), 1u) << unknown.to_text();
}

TEST(SessionGuarantees, BrokenAssumptionsAreErrors) {
  const SessionResult res = check_session_guarantees(History{{w(0, "a", 0), w(1, "a", 1), r(2, "q", 2)}});
  EXPECT_FALSE(res.ok);
  EXPECT_EQ(res.errors.size(), 2u) << res.to_text();
  EXPECT_TRUE(res.violations.empty());
  const json j = res.to_json();
  EXPECT_EQ(j["errors"].size(), 2u);
}

}  // namespace
}  // namespace dsim::check

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

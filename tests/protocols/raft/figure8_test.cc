// The scripted Figure 8 lessons (scenarios/teaching/raft-figure8-scripted*.json) follow the
// paper's panels under every seed, not only the one a teacher tried: for 200 seeds each, the
// leaders and terms are those of panels (a)-(e), the commits happen (or not) where the comments
// in the files say, and the outcome is the expected one.
//
// Seeds are fewer under the sanitizers (tools/test sets DSIM_SANITIZED for that pass).
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocols/raft/observations.h"
#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

using dsim::sim::Time;
using dsim::sim::TraceEvent;

// What the lessons are about: who led which term, and which entries were committed when.
struct Story : dsim::sim::TraceSink {
  struct Commit {
    uint32_t node;
    uint64_t index, term, leader_term;
    Time at;
  };
  std::vector<std::pair<uint32_t, uint64_t>> leaders;  // (server index, term), in order
  std::vector<Commit> commits;
  struct Append {
    uint32_t node;
    uint64_t index, term;
    Time at;
  };
  std::vector<Append> appends;  // one per entry
  std::vector<Time> invokes;
  void on_event(const TraceEvent& ev) override {
    if (ev.client() && ev.name == "invoke") invokes.push_back(ev.time);
    if (const auto* a = ev.observed<dsim::raft::LogAppend>())
      for (size_t k = 0; k < a->entries.size(); ++k)
        appends.push_back({ev.node.value, a->first.value + k, a->entries[k].term.value, ev.time});
    if (const auto* l = ev.observed<dsim::raft::BecameLeader>()) leaders.emplace_back(ev.node.value, l->term.value);
    if (const auto* c = ev.observed<dsim::raft::Commit>())
      commits.push_back({ev.node.value, c->index.value, c->term.value, c->leader_term.value, ev.time});
  }
  // When `node` first stored the entry (index, term), if it did before `until`.
  std::optional<Time> stored(uint32_t node, uint64_t index, uint64_t term, Time until = Time::max()) const {
    for (const auto& a : appends)
      if (a.node == node && a.index == index && a.term == term && a.at < until) return a.at;
    return std::nullopt;
  }
  bool committed(uint32_t node, uint64_t index, uint64_t term, uint64_t leader_term) const {
    for (const auto& c : commits)
      if (c.node == node && c.index == index && c.term == term && c.leader_term == leader_term) return true;
    return false;
  }
};

struct Lesson {
  Story story;
  std::set<std::string> violated;
};

Lesson run(const std::string& rel, uint64_t seed) {
  Lesson r;
  const dsim::sim::Scenario s = dsim::cli::load(scenario_path(rel), {"seed=" + std::to_string(seed)});
  dsim::cli::RunRequest req;
  req.scenario = &s;
  req.digest = false;
  req.extra_sinks = {&r.story};
  r.violated = violated(dsim::cli::execute(req));
  return r;
}

Time at_ms(int64_t ms) { return Time::zero() + dsim::sim::Duration::millis(ms); }

// n1..n5 are servers 0..4: S1 leads terms 1, 2 and 4, S5 terms 3 and 5.
const std::vector<std::pair<uint32_t, uint64_t>> kPaperLeaders{{0, 1}, {0, 2}, {4, 3}, {0, 4}, {4, 5}};

// The client offers exactly one operation a second, at 1s..5s ("arrivals": "periodic").
void expect_periodic_client(const Story& s) {
  ASSERT_EQ(s.invokes.size(), 5u);
  for (size_t i = 0; i < s.invokes.size(); ++i) EXPECT_EQ(s.invokes[i], at_ms(1000 * static_cast<int64_t>(i + 1)));
}

// Panels (a)-(c), common to the three scripts: where the entries at index 2 are stored.
void expect_panels_a_to_c(const Story& s) {
  const auto within = [](std::optional<Time> t, int64_t lo_ms, int64_t hi_ms) {
    return t && *t >= at_ms(lo_ms) && *t < at_ms(hi_ms);
  };
  // (a) index 2, term 2, on S1 and S2 only.
  EXPECT_TRUE(within(s.stored(0, 2, 2), 2000, 2100));
  EXPECT_TRUE(within(s.stored(1, 2, 2), 2000, 2100));
  // (b) index 2, term 3, on S5 only (until S5 leads again in (d), after 4.1s).
  EXPECT_TRUE(within(s.stored(4, 2, 3), 3000, 3100));
  for (uint32_t n : {0u, 1u, 2u, 3u}) EXPECT_FALSE(s.stored(n, 2, 3, at_ms(4100))) << "n" << n + 1;
  // (c) S1, leader of term 4, copies index 2 to S3 but not to S4.
  EXPECT_TRUE(within(s.stored(2, 2, 2), 3350, 3600));
  EXPECT_FALSE(s.stored(3, 2, 2, at_ms(5500)));
}

TEST(RaftFigure8Scripted, WithTheBugEverySeedLosesACommittedEntry) {
  for (uint64_t seed = 1; seed <= seeds(200, 20); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Lesson r = run("teaching/raft-figure8-scripted.json", seed);
    expect_periodic_client(r.story);
    expect_panels_a_to_c(r.story);
    EXPECT_EQ(r.story.leaders, kPaperLeaders);
    // (c): in term 4, S1 "commits" the term-2 entry at index 2 by counting replicas.
    EXPECT_TRUE(r.story.committed(0, 2, 2, 4));
    // (d): S5 is leader of term 5 without it, and applies its own entry at index 2.
    EXPECT_EQ(r.violated, (std::set<std::string>{"raft.leader_completeness", "raft.state_machine_safety"}));
  }
}

TEST(RaftFigure8Scripted, WithoutTheBugTheSameEventsAreSafe) {
  for (uint64_t seed = 1; seed <= seeds(200, 20); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Lesson r = run("teaching/raft-figure8-scripted-safe.json", seed);
    expect_periodic_client(r.story);
    expect_panels_a_to_c(r.story);
    EXPECT_EQ(r.story.leaders, kPaperLeaders);
    // S1 never commits anything in term 4: index 2 is on a majority but of term 2.
    for (const auto& c : r.story.commits) EXPECT_FALSE(c.node == 0 && c.leader_term == 4) << "index " << c.index;
    // S5 commits its own entries once it has one of term 5 (op 5, at 5s).
    EXPECT_TRUE(r.story.committed(4, 3, 5, 5));
    EXPECT_TRUE(r.violated.empty()) << *r.violated.begin();
  }
}

TEST(RaftFigure8Scripted, PanelECommitsThroughAnEntryOfTheCurrentTerm) {
  for (uint64_t seed = 1; seed <= seeds(200, 20); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Lesson r = run("teaching/raft-figure8-scripted-e.json", seed);
    expect_periodic_client(r.story);
    expect_panels_a_to_c(r.story);
    ASSERT_GE(r.story.leaders.size(), 5u);
    EXPECT_EQ(std::vector(r.story.leaders.begin(), r.story.leaders.begin() + 4),
              std::vector(kPaperLeaders.begin(), kPaperLeaders.begin() + 4));
    // (e): S1's term-4 entry at index 3 reaches S2 and S3, so S1 commits it, and index 2
    // with it, before it crashes at 4.1s.
    EXPECT_TRUE(r.story.stored(1, 3, 4, at_ms(4100)));
    EXPECT_TRUE(r.story.stored(2, 3, 4, at_ms(4100)));
    bool index3 = false;
    for (const auto& c : r.story.commits)
      if (c.node == 0 && c.index == 3 && c.term == 4 && c.leader_term == 4) index3 = c.at < at_ms(4100);
    EXPECT_TRUE(index3);
    // S5 can no longer win: the next leader is S1 again, after its restart at 5.5s.
    for (size_t i = 4; i < r.story.leaders.size(); ++i) EXPECT_EQ(r.story.leaders[i].first, 0u);
    EXPECT_TRUE(r.violated.empty()) << *r.violated.begin();
  }
}

}  // namespace
}  // namespace dsim_test

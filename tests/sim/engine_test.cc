// Engine unit tests: time parsing, rng known answers and distributions, queue order, clocks.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string_view>

#include "sim/clock.h"
#include "sim/event_queue.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace dsim::sim {
namespace {

TEST(Time, ParsesUnits) {
  std::string err;
  EXPECT_EQ(parse_duration("150ms", &err)->ns(), 150'000'000);
  EXPECT_EQ(parse_duration("2s", &err)->ns(), 2'000'000'000);
  EXPECT_EQ(parse_duration("10us", &err)->ns(), 10'000);
  EXPECT_EQ(parse_duration("250ns", &err)->ns(), 250);
  EXPECT_EQ(parse_duration("1.5s", &err)->ns(), 1'500'000'000);
  EXPECT_EQ(parse_duration("1m", &err)->ns(), 60'000'000'000);
  EXPECT_EQ(parse_duration("-3ms", &err, true)->ns(), -3'000'000);
}

TEST(Time, RejectsBadDurations) {
  std::string err;
  EXPECT_FALSE(parse_duration("150", &err));
  EXPECT_NE(err.find("no unit"), std::string::npos);
  EXPECT_FALSE(parse_duration("-3ms", &err));
  EXPECT_NE(err.find("negative"), std::string::npos);
  EXPECT_FALSE(parse_duration("3 parsecs", &err));
  EXPECT_FALSE(parse_duration("ms", &err));
  EXPECT_FALSE(parse_duration("1.5ns", &err));
  EXPECT_FALSE(parse_duration("99999999999999999999s", &err));
}

TEST(Time, FormatsExactly) {
  EXPECT_EQ(format_duration(Duration::millis(150)), "150ms");
  EXPECT_EQ(format_duration(Duration::seconds(2)), "2s");
  EXPECT_EQ(format_duration(Duration::micros(1500)), "1500us");
  EXPECT_EQ(format_duration(Duration::nanos(7)), "7ns");
}

TEST(Rng, SplitMix64KnownAnswers) {
  uint64_t state = 0;  // reference values of Vigna's splitmix64.c from seed 0
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(state), 0x06c45d188009454fULL);
}

TEST(Rng, Xoshiro256StarStarKnownAnswers) {
  // xoshiro256** from state {1, 2, 3, 4}: the reference implementation's first outputs.
  Rng r = Rng::from_state(1, 2, 3, 4);
  EXPECT_EQ(r.next_u64(), 11520ULL);
  EXPECT_EQ(r.next_u64(), 0ULL);
  EXPECT_EQ(r.next_u64(), 1509978240ULL);
  EXPECT_EQ(r.next_u64(), 1215971899390074240ULL);
}

TEST(Rng, DerivedStreamsAreStableAndIndependent) {
  Rng a = Rng::derive(42, "network");
  Rng b = Rng::derive(42, "network");
  Rng c = Rng::derive(42, "node/n1/incarnation/0");
  Rng d = Rng::derive(43, "network");
  const uint64_t a1 = a.next_u64();
  EXPECT_EQ(a1, b.next_u64());
  EXPECT_NE(a1, c.next_u64());
  EXPECT_NE(a1, d.next_u64());
}

TEST(Rng, UniformIsUnbiasedAndInRange) {
  Rng r(7);
  std::vector<int> counts(10);
  const int n = 200'000;
  for (int i = 0; i < n; ++i) {
    uint64_t v = r.uniform(10);
    ASSERT_LT(v, 10u);
    ++counts[v];
  }
  double chi2 = 0;
  for (int c : counts) chi2 += std::pow(c - n / 10.0, 2) / (n / 10.0);
  EXPECT_LT(chi2, 27.88);  // chi-square, 9 degrees of freedom, p = 0.001
  for (int i = 0; i < 1000; ++i) {
    int64_t v = r.uniform_int(-3, 3);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 3);
  }
}

TEST(Rng, ContinuousDistributionsHaveTheirMoments) {
  Rng r(11);
  const int n = 200'000;
  double sum_e = 0, sum_n = 0, sum_n2 = 0, sum_ln = 0;
  for (int i = 0; i < n; ++i) {
    sum_e += r.exponential(5.0);
    double x = r.normal(3.0, 2.0);
    sum_n += x;
    sum_n2 += x * x;
    sum_ln += std::log(r.lognormal(1.0, 0.5));
  }
  // Each within ~5 standard errors of the mean.
  EXPECT_NEAR(sum_e / n, 5.0, 5 * 5.0 / std::sqrt(n));
  const double mean = sum_n / n;
  EXPECT_NEAR(mean, 3.0, 5 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sum_n2 / n - mean * mean), 2.0, 0.03);
  EXPECT_NEAR(sum_ln / n, 1.0, 5 * 0.5 / std::sqrt(n));
  for (int i = 0; i < 10000; ++i) EXPECT_GE(r.pareto(2.0, 3.0), 2.0);
}

TEST(EventQueue, OrdersByTimeThenInsertion) {
  EventQueue q;
  uint64_t key = 0;
  auto push = [&](int64_t t, uint64_t tag) {
    Event e;
    e.time = Time::from_ns(t);
    e.key = ++key;
    e.a = tag;
    q.push(e);
  };
  push(5, 1);
  push(3, 2);
  push(5, 3);
  push(1, 4);
  push(3, 5);
  std::vector<uint64_t> order;
  while (!q.empty()) order.push_back(q.pop().a);
  EXPECT_EQ(order, (std::vector<uint64_t>{4, 2, 5, 1, 3}));
}

TEST(EventQueue, LargeRandomWorkloadPopsSorted) {
  EventQueue q;
  Rng r(3);
  for (uint64_t i = 0; i < 50'000; ++i) {
    Event e;
    e.time = Time::from_ns(static_cast<int64_t>(r.uniform(1000)));
    e.key = i;
    q.push(e);
  }
  Event prev = q.pop();
  while (!q.empty()) {
    Event e = q.pop();
    ASSERT_TRUE(prev.time < e.time || (prev.time == e.time && prev.key < e.key));
    prev = e;
  }
}

// The calendar queue against a sorted model: interleaved pushes and pops as a simulation
// makes them (never before the last popped time), from dense bursts to sparse jumps of hours,
// ties, a whole-queue edit (rebuild) midway, and enough events that the width and the window
// adapt several times. Every pop must be the model's least (time, key).
TEST(EventQueue, CalendarPopsExactlyTheSortedSequenceAcrossWorkloads) {
  struct Shape {
    const char* name;
    int64_t spread_ns;   // how far ahead of now an event lands
    uint64_t burst;      // pushes per pop, on average
    int64_t jump_every;  // every so many pops, one event hours ahead (0: never)
  };
  const Shape shapes[] = {
      {"dense", 10'000'000, 1, 0},          // pingmesh-like: 10ms ahead
      {"ties", 3, 1, 0},                    // nearly everything simultaneous
      {"sparse", 3'600'000'000'000, 1, 0},  // up to an hour ahead
      {"bursty", 1'000'000, 3, 0},          // growing queue
      {"mixed", 5'000'000, 1, 97},          // a far event now and then
  };
  for (const Shape& sh : shapes) {
    EventQueue q;
    std::set<std::pair<int64_t, uint64_t>> model;
    Rng r(11);
    uint64_t key = 0;
    int64_t now = 0;
    size_t widths_seen = 0;
    int64_t last_width = q.width();
    auto push = [&](int64_t at) {
      Event e;
      e.time = Time::from_ns(at);
      e.key = ++key;
      q.push(e);
      model.insert({at, e.key});
    };
    for (int i = 0; i < 20'000; ++i) push(static_cast<int64_t>(r.uniform(static_cast<uint64_t>(sh.spread_ns))));
    for (int64_t pops = 0; pops < 200'000 && !model.empty(); ++pops) {
      ASSERT_EQ(q.size(), model.size()) << sh.name;
      const Event e = q.pop();
      ASSERT_EQ(std::make_pair(e.time.ns(), e.key), *model.begin()) << sh.name << " pop " << pops;
      model.erase(model.begin());
      now = e.time.ns();
      const uint64_t n = sh.burst == 1 ? 1 : r.uniform(2 * sh.burst);
      for (uint64_t k = 0; k < n; ++k) push(now + static_cast<int64_t>(r.uniform(static_cast<uint64_t>(sh.spread_ns))));
      if (sh.jump_every && pops % sh.jump_every == 0) push(now + 3'600'000'000'000 + static_cast<int64_t>(r.uniform(1000)));
      if (pops == 50'000) {
        // A clock jump moves some events (never before now), as Simulation::reschedule_timers does.
        model.clear();
        q.for_each([&](Event& ev) {
          if (ev.key % 3 == 0) ev.time = Time::from_ns(now + static_cast<int64_t>(ev.key % 1000));
          model.insert({ev.time.ns(), ev.key});
        });
        q.rebuild();
      }
      if (q.width() != last_width) ++widths_seen, last_width = q.width();
    }
    while (!model.empty()) {
      const Event e = q.pop();
      ASSERT_EQ(std::make_pair(e.time.ns(), e.key), *model.begin()) << sh.name;
      model.erase(model.begin());
    }
    EXPECT_TRUE(q.empty());
    if (std::string_view(sh.name) == "dense" || std::string_view(sh.name) == "sparse") {
      EXPECT_GT(widths_seen, 0u) << sh.name << ": the width never adapted";
    }
  }
}

// Emptied and refilled at an earlier time (possible for a queue on its own, not in a run).
TEST(EventQueue, RefilledAfterEmptyingStartsAnywhere) {
  EventQueue q;
  Event e;
  e.time = Time::from_ns(5'000'000'000);
  e.key = 1;
  q.push(e);
  EXPECT_EQ(q.pop().key, 1u);
  for (uint64_t k = 2; k < 6; ++k) {
    e.time = Time::from_ns(static_cast<int64_t>(100 - k));
    e.key = k;
    q.push(e);
  }
  std::vector<uint64_t> order;
  while (!q.empty()) order.push_back(q.pop().key);
  EXPECT_EQ(order, (std::vector<uint64_t>{5, 4, 3, 2}));
}

TEST(Clock, DriftOf1000PpmFiresOneSecondTimerAt0999s) {
  LocalClock clock(Duration{}, 1'000'000);  // +1000 ppm = 1,000,000 ppb
  const Time fire = clock.global_at(Time::zero() + Duration::seconds(1));
  const double exact = 1e9 / 1.001;  // 999,000,999.000999 ns
  EXPECT_LE(std::abs(static_cast<double>(fire.ns()) - exact), 1.0);
  EXPECT_GE(clock.local_at(fire).ns(), 1'000'000'000);  // never early
}

TEST(Clock, OffsetJumpAndDriftChangeKeepContinuity) {
  LocalClock clock(Duration::millis(5), 0);
  EXPECT_EQ(clock.local_at(Time::from_ns(1'000)).ns(), 5'001'000);
  clock.jump(Time::from_ns(1'000), -Duration::millis(2));
  EXPECT_EQ(clock.local_at(Time::from_ns(1'000)).ns(), 3'001'000);
  clock.set_drift_ppb(Time::from_ns(1'000), -500'000'000);  // half speed from here
  EXPECT_EQ(clock.local_at(Time::from_ns(3'000)).ns(), 3'002'000);
  EXPECT_EQ(clock.global_at(Time::from_ns(3'002'000)).ns(), 3'000);
}

}  // namespace
}  // namespace dsim::sim

// Google Benchmark: the event queue under the classic "hold" model (pop the first event, push
// one a random delay later), at 1,000 to 1,000,000 pending events, against the 4-ary heap it
// replaced (kept here for the comparison). Run: ninja -C build/release bench_queue &&
// build/release/bench_queue. Figures go in notes and the README, never in test assertions.
#include <benchmark/benchmark.h>

#include <type_traits>
#include <vector>

#include "sim/event_queue.h"
#include "sim/rng.h"

namespace {

using dsim::sim::Event;
using dsim::sim::Time;

// The previous queue: one vector-backed 4-ary heap over every pending event.
class HeapQueue {
 public:
  void push(const Event& e) {
    h_.push_back(e);
    size_t i = h_.size() - 1;
    Event x = h_[i];
    while (i > 0) {
      size_t p = (i - 1) / 4;
      if (!before(x, h_[p])) break;
      h_[i] = h_[p];
      i = p;
    }
    h_[i] = x;
  }
  Event pop() {
    Event out = h_.front();
    Event last = h_.back();
    h_.pop_back();
    if (h_.empty()) return out;
    const size_t n = h_.size();
    size_t i = 0;
    for (;;) {
      size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      size_t end = first + 4 < n ? first + 4 : n;
      for (size_t c = first + 1; c < end; ++c)
        if (before(h_[c], h_[best])) best = c;
      if (!before(h_[best], last)) break;
      h_[i] = h_[best];
      i = best;
    }
    h_[i] = last;
    return out;
  }

 private:
  static bool before(const Event& x, const Event& y) {
    return x.time < y.time || (x.time == y.time && x.key < y.key);
  }
  std::vector<Event> h_;
};

// Hold: n pending events with delays uniform in [0, 10ms) (pingmesh's latency and period).
template <class Q>
void Hold(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  Q q;
  dsim::sim::Rng r(1);
  uint64_t key = 0;
  for (uint64_t i = 0; i < n; ++i) {
    Event e;
    e.time = Time::from_ns(static_cast<int64_t>(r.uniform(10'000'000)));
    e.key = ++key;
    q.push(e);
  }
  for (auto _ : state) {
    Event e = q.pop();
    e.time = Time::from_ns(e.time.ns() + 1 + static_cast<int64_t>(r.uniform(10'000'000)));
    e.key = ++key;
    q.push(e);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if constexpr (std::is_same_v<Q, dsim::sim::EventQueue>) {
    state.counters["width_ns"] = static_cast<double>(q.width());
    state.counters["buckets"] = static_cast<double>(q.buckets());
  }
}

BENCHMARK(Hold<dsim::sim::EventQueue>)->Name("hold/calendar")->RangeMultiplier(10)->Range(1'000, 1'000'000);
BENCHMARK(Hold<HeapQueue>)->Name("hold/heap")->RangeMultiplier(10)->Range(1'000, 1'000'000);

}  // namespace

BENCHMARK_MAIN();

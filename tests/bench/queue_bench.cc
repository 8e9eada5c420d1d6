// Google Benchmark: the event queue under the classic "hold" model (pop the first event, push
// one a random delay later), at 1,000 to 1,000,000 pending events, against sim::EventHeap, the
// single 4-ary heap over every pending event that the calendar replaced.
// Run: ninja -C build/release bench_queue && build/release/bench_queue. Figures go in notes and
// the README, never in test assertions.
#include <benchmark/benchmark.h>

#include <type_traits>
#include <vector>

#include "sim/event_queue.h"
#include "sim/rng.h"

namespace {

using dsim::sim::Event;
using dsim::sim::Time;

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
BENCHMARK(Hold<dsim::sim::EventHeap>)->Name("hold/heap")->RangeMultiplier(10)->Range(1'000, 1'000'000);

}  // namespace

BENCHMARK_MAIN();

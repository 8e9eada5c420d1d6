// A large synthetic key-value history: 100,000 operations over 1,000 keys from 10 clients,
// generated from a fixed seed by simulating a linearizable store (each operation takes effect
// at a random instant between its call and its return; some writes time out as info, and of
// those some took effect and some did not). It must be linearizable; one stale read makes it
// not. The check time is printed, never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sim/check/history.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"

namespace dsim::check {
namespace {

// splitmix64: the test's own generator, so the history is the same on every platform.
struct TestRng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
};

struct Synthetic {
  History history;
  size_t stale_candidate = 0;  // a get that can be made to read a value already overwritten
  std::string stale_value;
};

Synthetic generate(size_t n_ops, int n_keys, int n_clients, uint64_t seed) {
  TestRng rng{seed};
  struct Planned {
    Operation op;
    int64_t effect;     // the instant it takes effect in the simulated store
    bool applies;       // an info write may or may not take effect
  };
  std::vector<Planned> planned;
  planned.reserve(n_ops);
  std::vector<int64_t> clock(n_clients, 0);
  for (size_t i = 0; i < n_ops; ++i) {
    const int c = static_cast<int>(i % n_clients);
    Planned p;
    p.op.process = c;
    p.op.key = "k" + std::to_string(rng.below(n_keys));
    const int64_t kind = rng.below(10);
    p.op.f = kind < 5 ? "get" : kind < 8 ? "put" : "append";
    if (p.op.f != "get") p.op.input = "c" + std::to_string(c) + "." + std::to_string(i) + ";";
    // Times: distinct per client (x16 + client), operations overlap across clients.
    p.op.call = (clock[c] + 1 + rng.below(50)) * 16 + c;
    p.op.ret = p.op.call + (1 + rng.below(400)) * 16;
    p.effect = p.op.call + 1 + rng.below(p.op.ret - p.op.call - 1);
    p.op.status = Status::ok;
    p.applies = true;
    if (p.op.f != "get" && rng.below(100) == 0) {  // 1% of writes time out
      p.op.status = Status::info;
      p.applies = rng.below(2) == 0;
    }
    clock[c] = p.op.ret / 16;
    planned.push_back(std::move(p));
  }
  // Apply the operations at their effect instants to get every get's output.
  std::vector<size_t> order(planned.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return planned[a].effect < planned[b].effect; });
  std::map<std::string, std::string> store;
  // Per key: the state each write replaced and that write's return time.
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>> replaced;
  Synthetic out;
  for (size_t i : order) {
    Planned& p = planned[i];
    std::string& value = store[p.op.key];
    if (p.op.f == "get") {
      p.op.output = value;
      // A value replaced by a write that returned before this get was called is stale.
      for (const auto& [old, writer_ret] : replaced[p.op.key]) {
        if (writer_ret < p.op.call && old != value && out.stale_value.empty() && i > n_ops / 2) {
          out.stale_candidate = i;
          out.stale_value = old;
        }
      }
      continue;
    }
    if (!p.applies) continue;
    replaced[p.op.key].push_back({value, p.op.ret});
    if (p.op.f == "put") value = p.op.input.get<std::string>();
    else value += p.op.input.get<std::string>();
  }
  for (Planned& p : planned) {
    if (p.op.status == Status::info) p.op.ret = kInfinity, p.op.output = nullptr;
    out.history.ops.push_back(std::move(p.op));
  }
  return out;
}

double check_ms(const History& h, CheckResult& result) {
  const auto start = std::chrono::steady_clock::now();  // measuring, outside any simulation
  CheckOptions options;
  options.budget = std::chrono::seconds(60);
  result = check_linearizable(h, kv_model(), options);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST(SyntheticKv, HundredThousandOpsAreLinearizableAndAStaleReadIsNot) {
  Synthetic s = generate(100'000, 1'000, 10, 20240601);
  ASSERT_EQ(s.history.size(), 100'000u);
  ASSERT_FALSE(s.stale_value.empty());

  CheckResult ok;
  const double ms = check_ms(s.history, ok);
  std::printf("100k-op kv history: %s in %.1f ms (%zu keys, %llu steps)\n",
              to_string(ok.verdict).c_str(), ms, ok.partitions,
              static_cast<unsigned long long>(ok.steps));
  EXPECT_EQ(ok.verdict, Verdict::linearizable) << ok.to_text();

  Operation& get = s.history.ops[s.stale_candidate];
  get.output = s.stale_value;
  CheckResult bad;
  const double bad_ms = check_ms(s.history, bad);
  std::printf("with one stale read: %s in %.1f ms\n", to_string(bad.verdict).c_str(), bad_ms);
  ASSERT_EQ(bad.verdict, Verdict::not_linearizable) << bad.to_text();
  EXPECT_EQ(bad.counterexample->partition, get.key);
  std::printf("%s", bad.counterexample->to_text().c_str());
}

}  // namespace
}  // namespace dsim::check

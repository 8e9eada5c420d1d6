// Probabilistically bounded staleness (Bailis et al., VLDB 2012) measured on the quorum store:
// - t-visibility (§5): the protocol's own trials agree with an independent Monte Carlo of the
//   paper's WARS model, for the synthetic exponential latencies of its §5 experiments (writes
//   as fast as, 5x and 10x slower than acknowledgements, reads and responses) and for each
//   partial-quorum (R, W) at N = 3; strict quorums are always consistent;
// - k-staleness (§3): with quorums chosen uniformly at random, P(a read returns one of the last
//   k versions) = 1 - (C(N-W, R) / C(N, R))^k.
// Tolerance, everywhere: four standard errors of the protocol's estimate (binomial, from the
// model's p and the trial count) plus 0.002 for the Monte Carlo's own error (200,000 trials:
// at most 0.0011 at one standard error). Runs are deterministic, so a pass is a pass for good.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "protocols/quorum/observations.h"
#include "sim/rng.h"
#include "tests/support/sweep.h"

namespace dsim_test {
namespace {

using dsim::quorum::PbsTrial;
using Trials = std::map<std::pair<uint32_t, int64_t>, std::pair<uint64_t, uint64_t>>;  // (k, t ns) -> (trials, fresh)

// The trials of one run of `scenario` (under scenarios/), from its pbs_trial observations.
Trials run_trials(const std::string& scenario, std::vector<std::string> sets) {
  const dsim::sim::Scenario s = dsim::cli::load(scenario_path(scenario), sets);
  dsim::cli::RunRequest req;
  req.scenario = &s;
  req.digest = false;
  struct Collector final : dsim::sim::TraceSink {
    Trials by_kt;
    void on_event(const dsim::sim::TraceEvent& ev) override {
      if (const PbsTrial* t = ev.observed<PbsTrial>()) {
        auto& [trials, fresh] = by_kt[{t->k, t->t_ns}];
        ++trials;
        fresh += t->fresh ? 1 : 0;
      }
    }
  } collector;
  req.extra_sinks.push_back(&collector);
  dsim::cli::execute(req);
  return collector.by_kt;
}

// Simulated seconds per run: a twelfth under the sanitizers, where a run is some 20 times slower
// (the tolerance follows the trial count, so the check is looser, not different).
std::string duration(int seconds) {
  return "duration=\"" + std::to_string(sanitized() ? seconds / 12 : seconds) + "s\"";
}

// The WARS latencies of scenarios/quorum/pbs.json with writes of mean `mean_w_ms`.
std::string wars_latencies(double mean_w_ms) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "network.latency_by_type={\"quorum.replicate\": {\"dist\": \"exponential\", \"mean\": \"%gms\"}, "
                "\"quorum.replicate_ack\": {\"dist\": \"exponential\", \"mean\": \"1ms\"}, "
                "\"quorum.read\": {\"dist\": \"exponential\", \"mean\": \"1ms\"}, "
                "\"quorum.read_reply\": {\"dist\": \"exponential\", \"mean\": \"1ms\"}, "
                "\"quorum.put\": {\"dist\": \"constant\", \"value\": \"0ms\"}, "
                "\"quorum.get\": {\"dist\": \"constant\", \"value\": \"0ms\"}, "
                "\"quorum.reply\": {\"dist\": \"constant\", \"value\": \"0ms\"}}",
                mean_w_ms);
  return buf;
}

// The WARS model (§5.1), by direct Monte Carlo: each of the N replicas draws W, A, R and S; the
// write commits at the W-th smallest W + A; the read leaves t later and reaches replica i at
// commit + t + R_i, which holds the write if W_i <= commit + t + R_i; the read uses the R replies
// that arrive first (at commit + t + R_i + S_i) and is consistent if one of them held the write.
double wars(uint32_t n, uint32_t r, uint32_t w, double mean_w, double mean_ars, double t, uint64_t trials) {
  dsim::sim::Rng rng(42);
  uint64_t fresh = 0;
  std::vector<double> ack(n), wv(n), rv(n), sv(n);
  std::vector<std::pair<double, bool>> replies(n);
  for (uint64_t k = 0; k < trials; ++k) {
    for (uint32_t i = 0; i < n; ++i) {
      wv[i] = rng.exponential(mean_w);
      ack[i] = wv[i] + rng.exponential(mean_ars);
      rv[i] = rng.exponential(mean_ars);
      sv[i] = rng.exponential(mean_ars);
    }
    std::vector<double> sorted = ack;
    std::sort(sorted.begin(), sorted.end());
    const double commit = sorted[w - 1];
    for (uint32_t i = 0; i < n; ++i) {
      const double at = commit + t + rv[i];
      replies[i] = {at + sv[i], wv[i] <= at};
    }
    std::sort(replies.begin(), replies.end());
    bool seen = false;
    for (uint32_t i = 0; i < r; ++i) seen |= replies[i].second;
    fresh += seen ? 1 : 0;
  }
  return static_cast<double>(fresh) / static_cast<double>(trials);
}

double share(const std::pair<uint64_t, uint64_t>& tf) {
  return static_cast<double>(tf.second) / static_cast<double>(tf.first);
}
double tolerance(double model, uint64_t trials) {
  return 4 * std::sqrt(model * (1 - model) / static_cast<double>(trials)) + 0.002;
}

// One t-visibility curve (k = 1, t = 0..10ms) against the WARS model.
void expect_wars_curve(uint32_t r, uint32_t w, double mean_w_ms, int seconds) {
  const Trials trials = run_trials("quorum/pbs.json", {wars_latencies(mean_w_ms), "protocol.params.r=" + std::to_string(r),
                                                       "protocol.params.w=" + std::to_string(w), duration(seconds)});
  ASSERT_EQ(trials.size(), 11u);
  double previous = 0;
  for (const auto& [kt, tf] : trials) {
    const double t_ms = static_cast<double>(kt.second) / 1e6;
    ASSERT_EQ(kt.first, 1u);
    ASSERT_GT(tf.first, sanitized() ? 80u : 500u) << "t = " << t_ms;
    const double model = wars(3, r, w, mean_w_ms, 1.0, t_ms, 200'000);
    std::printf("  R=%u W=%u mean W %4.1fms  t = %4.1fms  dsim %.4f (%5llu trials)  WARS %.4f\n", r, w, mean_w_ms, t_ms,
                share(tf), static_cast<unsigned long long>(tf.first), model);
    EXPECT_NEAR(share(tf), model, tolerance(model, tf.first)) << "R=" << r << " W=" << w << " t = " << t_ms;
    EXPECT_GE(share(tf), previous - tolerance(model, tf.first));  // fresher with t, up to noise
    previous = share(tf);
  }
}

// The scenario as shipped: N = 3, R = W = 1, writes 5x slower than the rest.
TEST(QuorumPbs, TVisibilityMatchesTheWarsModelAtEveryT) { expect_wars_curve(1, 1, 5.0, 300); }

// The paper's synthetic exponential experiments vary how much slower writes are than the other
// three delays: with equal means most reads are fresh at once; ten times slower, few are.
TEST(QuorumPbs, TVisibilityMatchesTheWarsModelForEachWriteLatency) {
  expect_wars_curve(1, 1, 1.0, 200);
  expect_wars_curve(1, 1, 10.0, 300);
}

// Every partial quorum of N = 3: a larger R or W makes reads fresher, as the model says.
TEST(QuorumPbs, TVisibilityMatchesTheWarsModelForEachPartialQuorum) {
  expect_wars_curve(2, 1, 5.0, 200);
  expect_wars_curve(1, 2, 5.0, 200);
}

// R + W > N: every read quorum meets the write quorum, so every trial is consistent, at every t.
TEST(QuorumPbs, StrictQuorumsAreAlwaysConsistent) {
  for (const auto& [r, w] : {std::pair{2, 2}, std::pair{3, 1}, std::pair{1, 3}}) {
    const Trials trials = run_trials("quorum/pbs.json", {"protocol.params.r=" + std::to_string(r),
                                                         "protocol.params.w=" + std::to_string(w), duration(40)});
    ASSERT_EQ(trials.size(), 11u);
    for (const auto& [kt, tf] : trials) {
      EXPECT_GT(tf.first, 0u);
      EXPECT_EQ(tf.first, tf.second) << "R=" << r << " W=" << w << " t = " << kt.second;
    }
  }
}

double choose(uint32_t n, uint32_t k) {
  if (k > n) return 0;
  double out = 1;
  for (uint32_t i = 0; i < k; ++i) out = out * (n - i) / (i + 1);
  return out;
}

// §3's closed form: P(one of the last k versions) = 1 - (C(N-W, R) / C(N, R))^k, for writes and
// reads sent to exactly W and R replicas chosen at random (fanout quorum). With k = 1..5.
void expect_k_staleness(uint32_t n, uint32_t r, uint32_t w, uint32_t servers) {
  const Trials trials = run_trials(
      "quorum/k-staleness.json", {"protocol.params.n=" + std::to_string(n), "protocol.params.r=" + std::to_string(r),
                                  "protocol.params.w=" + std::to_string(w), "nodes=" + std::to_string(servers), duration(600)});
  ASSERT_EQ(trials.size(), 5u);
  const double miss = choose(n - w, r) / choose(n, r);
  for (const auto& [kt, tf] : trials) {
    const double model = 1 - std::pow(miss, kt.first);
    ASSERT_GT(tf.first, sanitized() ? 150u : 1000u);
    std::printf("  N=%u R=%u W=%u  k = %u  dsim %.4f (%5llu trials)  closed form %.4f\n", n, r, w, kt.first, share(tf),
                static_cast<unsigned long long>(tf.first), model);
    EXPECT_NEAR(share(tf), model, tolerance(model, tf.first)) << "N=" << n << " R=" << r << " W=" << w << " k=" << kt.first;
  }
}

TEST(QuorumPbs, KStalenessMatchesTheClosedForm) {
  expect_k_staleness(3, 1, 1, 3);  // the case: 1 - (2/3)^k
  expect_k_staleness(3, 1, 2, 3);  // 1 - (1/3)^k
  expect_k_staleness(5, 2, 2, 6);  // 1 - (3/10)^k
}

// Without fanout quorum the write goes to every replica and only the acknowledgements are
// partial: a read some time later finds it far more often than the closed form says (the form
// is a bound for Dynamo-style stores, not their behaviour).
TEST(QuorumPbs, SendingToEveryReplicaBeatsTheClosedForm) {
  const Trials trials = run_trials("quorum/k-staleness.json", {"protocol.params.fanout=\"all\"", "workload.pbs_versions=1",
                                                               "workload.pbs_t_points=2", "workload.pbs_t_step=\"20ms\"",
                                                               duration(100)});
  ASSERT_EQ(trials.size(), 2u);
  const auto& [kt, tf] = *trials.rbegin();
  EXPECT_EQ(kt.second, 20'000'000);
  EXPECT_GT(share(tf), 0.99);  // every write has reached all three replicas 20ms later (links 1-5ms)
}

}  // namespace
}  // namespace dsim_test

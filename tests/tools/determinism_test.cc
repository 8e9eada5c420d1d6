// Determinism over every protocol: every scenario under scenarios/ run twice gives the same
// digest and byte-identical JSONL traces; another seed gives another digest; four runs at once
// on threads give the digests of the same runs one after another. Every registered protocol
// must have a scenario, so a new protocol is covered as soon as it is registered. Under the
// sanitizers, one scenario per protocol (files_for_this_pass).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "protocols/registry.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(DSIM_SOURCE_DIR) / "scenarios"))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Keeps runs short: determinism does not need long runs, and this runs under sanitizers too.
sim::Scenario load_short(const std::string& path, std::vector<std::string> sets = {}) {
  sim::Scenario s = load(path, sets);
  if (s.duration > sim::Duration::seconds(2)) {
    sets.push_back("duration=2s");
    s = load(path, sets);
  }
  return s;
}

std::string run_digest(const sim::Scenario& s, const std::string& trace = "") {
  RunRequest req;
  req.scenario = &s;
  req.trace_path = trace;
  return execute(req).digest;
}

// The files the determinism tests run: every scenario in the Release pass; under the sanitizers
// (tools/test sets DSIM_SANITIZED), whose pass looks for memory errors and already runs every
// scenario once (the `scenarios` test), the first scenario of each protocol.
std::vector<std::string> files_for_this_pass() {
  const auto all = scenario_files();
  if (std::getenv("DSIM_SANITIZED") == nullptr) return all;
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& f : all)
    if (seen.insert(load_short(f).protocol->name).second) out.push_back(f);
  return out;
}

TEST(Determinism, EveryProtocolHasAScenario) {
  std::set<std::string> covered;
  for (const auto& f : scenario_files()) covered.insert(load_short(f).protocol->name);
  for (const auto& p : protocols::registry().all()) EXPECT_TRUE(covered.count(p.name)) << p.name << " has no scenario";
}

TEST(Determinism, SameSeedSameDigestAndIdenticalTraces) {
  for (const auto& f : files_for_this_pass()) {
    SCOPED_TRACE(f);
    const sim::Scenario s = load_short(f);
    const std::string a = testing::TempDir() + "dsim_det_a.jsonl", b = testing::TempDir() + "dsim_det_b.jsonl";
    const std::string d1 = run_digest(s, a);
    const std::string d2 = run_digest(s, b);
    const std::string d3 = run_digest(s);  // no JSONL file: the digest must not depend on sinks
    EXPECT_EQ(d1, d2);
    EXPECT_EQ(d1, d3);
    const std::string ta = slurp(a), tb = slurp(b);
    EXPECT_GT(ta.size(), 1000u);
    EXPECT_TRUE(ta == tb) << "JSONL traces differ";
    fs::remove(a);
    fs::remove(b);
  }
}

TEST(Determinism, DifferentSeedsGiveDifferentDigests) {
  for (const auto& f : files_for_this_pass()) {
    SCOPED_TRACE(f);
    std::set<std::string> digests;
    for (uint64_t seed : {1, 2, 3}) digests.insert(run_digest(load_short(f, {"seed=" + std::to_string(seed)})));
    EXPECT_EQ(digests.size(), 3u);
  }
}

TEST(Determinism, ConcurrentRunsOnThreadsMatchSequentialRuns) {
  for (const auto& f : files_for_this_pass()) {
    SCOPED_TRACE(f);
    std::vector<sim::Scenario> scenarios;
    for (uint64_t seed = 1; seed <= 4; ++seed) scenarios.push_back(load_short(f, {"seed=" + std::to_string(seed)}));
    std::vector<std::string> sequential, concurrent(4);
    for (const auto& s : scenarios) sequential.push_back(run_digest(s));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 4; ++i) threads.emplace_back([&, i] { concurrent[i] = run_digest(scenarios[i]); });
    for (auto& t : threads) t.join();
    EXPECT_EQ(sequential, concurrent);
  }
}

}  // namespace
}  // namespace dsim::cli

// Regression-testing a change (issue 23): `dsim sweep --baseline` and `dsim test --baseline`
// compare a run with an earlier run's --out file seed by seed, list what newly fails first
// (with the command that reproduces it), then what was fixed, then digest-only changes, and
// exit 1 only when something newly fails. A bad baseline is a one-line error before any work.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;
namespace fs = std::filesystem;

// Pingmesh under a nemesis; with "byzantine" among its kinds some seeds forge replies.
std::string hunt(bool byzantine) {
  return std::string(R"({
  "protocol": {"name": "pingmesh"}, "nodes": 6, "duration": "6s",
  "faults": [{"from": "500ms", "to": "5s", "exceed_budget": true, "nemesis": {
    "kinds": ["crash", "partition", "isolate", "clock", "omit", "slow")") +
         (byzantine ? R"(, "byzantine")" : "") + R"(],
    "every": "200ms", "max_concurrent": 3, "length": ["100ms", "1s"]}}],
  "invariants": ["pingmesh.reply_matches_ping"]
})";
}

// The count after "label: " in the comparison.
long count_of(const std::string& out, const std::string& label) {
  const auto at = out.find("  " + label + ": ");
  if (at == std::string::npos) return -1;
  return std::stol(out.substr(at + label.size() + 4));
}

TEST(Baseline, ASweepAgainstItselfChangesNothing) {
  const std::string f = write("hunt.json", hunt(true)), base = tmp("base.jsonl");
  Result first = run_dsim("sweep " + f + " --seeds 1:20 --out " + base);
  ASSERT_EQ(first.code, 1) << first.err;  // some seeds fail, in the baseline too
  Result again = run_dsim("sweep " + f + " --seeds 1:20 --baseline " + base);
  EXPECT_EQ(again.code, 0) << again.out << again.err;  // old failures are not regressions
  EXPECT_EQ(count_of(again.out, "newly failing"), 0) << again.out;
  EXPECT_EQ(count_of(again.out, "fixed"), 0);
  EXPECT_EQ(count_of(again.out, "outcome the same, digest changed"), 0);
  EXPECT_EQ(count_of(again.out, "unchanged (same digest)"), 20);
  EXPECT_EQ(again.out.find("note:"), std::string::npos);
}

TEST(Baseline, NewFailuresComeFirstWithTheirReproduceCommandAndExitOne) {
  const std::string clean = write("clean.json", hunt(false)), forged = write("forged.json", hunt(true));
  const std::string base = tmp("base.jsonl"), now = tmp("now.jsonl");
  ASSERT_EQ(run_dsim("sweep " + clean + " --seeds 1:20 --out " + base).code, 0);
  Result r = run_dsim("sweep " + forged + " --seeds 1:20 --out " + now + " --baseline " + base);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const long newly = count_of(r.out, "newly failing");
  EXPECT_GT(newly, 0) << r.out;
  EXPECT_NE(r.out.find("note: the baseline swept " + clean), std::string::npos) << r.out;
  const auto at = r.out.find("  newly failing: ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(at, r.out.find("  fixed: "));
  EXPECT_NE(r.out.find("pingmesh.reply_matches_ping", at), std::string::npos);
  EXPECT_NE(r.out.find("tools/dsim run " + forged + " --seed ", at), std::string::npos) << r.out;
  // The other way round, the same seeds are fixed and nothing newly fails.
  Result back = run_dsim("sweep " + clean + " --seeds 1:20 --baseline " + now);
  EXPECT_EQ(back.code, 0) << back.out;
  EXPECT_EQ(count_of(back.out, "fixed"), newly) << back.out;
  EXPECT_EQ(count_of(back.out, "newly failing"), 0);
}

TEST(Baseline, SeedsOutsideTheBaselineAreCountedNotCompared) {
  const std::string f = write("hunt.json", hunt(false)), base = tmp("base.jsonl");
  ASSERT_EQ(run_dsim("sweep " + f + " --seeds 1:10 --out " + base).code, 0);
  Result r = run_dsim("sweep " + f + " --seeds 6:15 --baseline " + base);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(count_of(r.out, "unchanged (same digest)"), 5);
  EXPECT_NE(r.out.find("not in the baseline: 5 (seeds 11, 12, 13, 14, 15)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in the baseline only: 5 seeds"), std::string::npos) << r.out;
}

TEST(Baseline, TestRunsCompareByScenario) {
  const fs::path dir = fs::path(tmp("dir"));
  fs::create_directories(dir);
  const std::string ok = R"({"protocol": {"name": "pingmesh"}, "nodes": 3, "duration": "1s",
    "invariants": ["pingmesh.reply_matches_ping"], "expect": {"safety": "holds"}})";
  std::ofstream(dir / "a.json") << ok;
  std::ofstream(dir / "b.json") << ok;
  const std::string base = tmp("base.jsonl");
  ASSERT_EQ(run_dsim("test " + dir.string() + " --seeds 2 --out " + base).code, 0);
  Result same = run_dsim("test " + dir.string() + " --seeds 2 --baseline " + base);
  EXPECT_EQ(same.code, 0) << same.out << same.err;
  EXPECT_NE(same.out.find("  newly failing: 0"), std::string::npos) << same.out;
  EXPECT_NE(same.out.find("  digests changed: 0 scenarios"), std::string::npos) << same.out;
  // A "protocol change": b.json's servers now answer with the wrong id.
  std::ofstream(dir / "b.json") << R"({"protocol": {"name": "pingmesh", "bugs": ["wrong_reply_id"]}, "nodes": 3,
    "duration": "1s", "invariants": ["pingmesh.reply_matches_ping"], "expect": {"safety": "holds"}})";
  Result changed = run_dsim("test " + dir.string() + " --seeds 2 --baseline " + base);
  EXPECT_EQ(changed.code, 1) << changed.out;
  EXPECT_NE(changed.out.find("  newly failing: 1\n    " + (dir / "b.json").string()), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("    " + (dir / "b.json").string() + ": 2 seeds"), std::string::npos) << changed.out;
  fs::remove_all(dir);
}

TEST(Baseline, ABadBaselineIsOneLineBeforeAnyWork) {
  const std::string f = write("hunt.json", hunt(false));
  const auto one_line_exit_2 = [](const Result& r, const std::string& fragment) {
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_EQ(r.out.find("sweep "), std::string::npos) << "the sweep started: " << r.out;
  };
  const std::string garbled = write("garbled.jsonl", "{\"dsim_sweep\": 1, \"file\": \"x\", \"sets\": []}\n{\"seed\": 1, \"ok\"\n");
  one_line_exit_2(run_dsim("sweep " + f + " --seeds 1:5 --baseline " + garbled), "garbled.jsonl:2: garbled result line");
  const std::string other = write("other.jsonl", "{\"hello\": 1}\n");
  one_line_exit_2(run_dsim("sweep " + f + " --seeds 1:5 --baseline " + other), "other.jsonl:1: not a dsim results file");
  one_line_exit_2(run_dsim("sweep " + f + " --seeds 1:5 --baseline " + tmp("missing.jsonl")), "missing.jsonl");
  const std::string tests = write("tests.jsonl", "{\"dsim_test\": 1, \"dir\": \"scenarios\"}\n");
  one_line_exit_2(run_dsim("sweep " + f + " --seeds 1:5 --baseline " + tests), "results of dsim test, not of a sweep");
  // The baseline is an input: --out may not overwrite it.
  const std::string base = tmp("base.jsonl");
  ASSERT_EQ(run_dsim("sweep " + f + " --seeds 1:3 --out " + base).code, 0);
  const std::string before = slurp(base);
  Result alias = run_dsim("sweep " + f + " --seeds 1:3 --out " + base + " --baseline " + base);
  EXPECT_EQ(alias.code, 2) << alias.out << alias.err;
  EXPECT_EQ(slurp(base), before);
  // A merge compares too (a fleet's shards against main's results), but never writes its input.
  EXPECT_EQ(run_dsim("sweep --merge " + base + " --baseline " + base).code, 0);
  EXPECT_EQ(run_dsim("sweep --merge " + base + " --out " + base).code, 2);
  EXPECT_EQ(slurp(base), before);
}

}  // namespace

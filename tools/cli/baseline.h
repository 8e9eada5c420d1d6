// Results files and regression comparisons. `dsim sweep --out` and `dsim test --out` write one
// JSON line per seed (a test: per scenario); `--merge` combines a sweep's shards, and
// `--baseline FILE` compares a run with an earlier one seed by seed: which seeds newly fail
// (first), which are fixed, which fail differently, and which only changed digest.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/cli/seeds.h"

namespace dsim::cli {

// One scenario of a `dsim test` run.
struct CaseRecord {
  std::string file, name;
  bool passed = true;
  std::string failure;
  std::vector<SeedResult> results;
};

// What a sweep set out to run, recorded in its results file so that `--merge` can tell whether
// the shards it combines cover the range (older files without it merge unchecked).
struct SweepPlan {
  std::string seeds;      // the --seeds range, "A:B"
  uint32_t shard = 1, shards = 1;  // 1-based: shard k of n
  uint64_t planned = 0;   // seeds in this file's slice; fewer results mean an interrupted sweep
};

struct ResultsFile {
  std::string path;
  bool test = false;              // written by dsim test (cases) or dsim sweep (results)
  std::string scenario;           // sweep: the scenario file; test: the directory
  std::vector<std::string> sets;  // sweep: its --set overrides
  std::optional<SweepPlan> plan;  // sweep: what it set out to run (absent in older files)
  std::vector<SeedResult> results;
  std::vector<CaseRecord> cases;
};

// Reads a results file; a line it cannot read is an InputError "PATH:LINE: ...".
ResultsFile read_results_file(const std::string& path);

// The text of a sweep's results file, and of a test run's.
// The plan is recorded in the header when given (a merge of older files has none).
std::string sweep_results_text(const std::string& file, const std::vector<std::string>& sets, const SweepPlan* plan,
                               const std::vector<SeedResult>& results);
std::string test_results_text(const std::string& dir, const std::vector<CaseRecord>& cases);

// Compares a sweep's results with a baseline's and prints the differences. Returns the number
// of seeds that newly fail (as expected before, not now; or failing now with an invariant the
// baseline's run of that seed did not violate).
size_t print_sweep_comparison(const ResultsFile& baseline, const std::string& file, const std::vector<std::string>& sets,
                              const std::vector<SeedResult>& now);

// The same for a test run, by scenario file: returns the number of scenarios that newly fail.
size_t print_test_comparison(const ResultsFile& baseline, const std::string& dir, const std::vector<CaseRecord>& now);

}  // namespace dsim::cli

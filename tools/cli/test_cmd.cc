// `dsim test DIR`: the regression runner. Every scenario under DIR runs over N seeds (from its
// own seed on) with its "expect" block:
//   {"safety": "holds"}       every seed must be free of violations;
//   {"violation": "<inv>"}    the named invariant must be violated on at least one seed (on the
//                             scenario's own seed for a teaching scenario to be useful), and no
//                             other invariant on any seed.
// Prints a line per scenario and writes JUnit XML for CI systems.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "tools/cli/baseline.h"
#include "tools/cli/commands.h"
#include "tools/cli/args.h"
#include "tools/cli/format.h"
#include "tools/cli/output.h"
#include "tools/cli/runner.h"
#include "tools/cli/seeds.h"

namespace dsim::cli {
namespace {

struct TestArgs {
  std::string dir;
  uint64_t seeds = 5;
  std::string junit;
  unsigned jobs = 0;
  std::string out, baseline;
};

struct CaseResult {
  std::string file, name;
  bool passed = true;
  std::string failure;
  double seconds = 0;
  size_t seeds = 0;
  std::vector<SeedResult> results;
};

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

CaseResult run_case(const std::string& file, uint64_t n, unsigned jobs) {
  CaseResult c;
  c.file = file;
  const auto start = std::chrono::steady_clock::now();
  const sim::JsonDocument doc = sim::load_json_file(file);
  const sim::Scenario s = load_document(doc, {});
  c.name = s.name;
  std::vector<uint64_t> seeds;
  for (uint64_t i = 0; i < n; ++i) seeds.push_back(s.seed + i);
  SweepOptions options;
  options.threads = jobs;
  c.results = run_seeds(doc, {}, seeds, options);
  const auto& results = c.results;
  c.seeds = results.size();
  bool expected_seen = !s.expect.expects_violation();
  for (const auto& r : results) {
    for (const auto& v : r.violated) {
      if (v == s.expect.violation) {
        expected_seen = true;
      } else if (s.expect.allows(v)) {
        continue;
      } else if (c.passed) {
        c.passed = false;
        c.failure = "seed " + std::to_string(r.seed) + ": unexpected violation of " + v + " (the run's first violation: " + r.first_what + ")" +
                    " (reproduce: " + reproduce_command(file, r.seed, {}) + ")";
      }
    }
  }
  if (c.passed && !expected_seen) {
    c.passed = false;
    c.failure = "expected a violation of " + s.expect.violation + " in seeds " + std::to_string(s.seed) + ".." +
                std::to_string(s.seed + n - 1) + "; none happened";
  }
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c;
}

void write_junit(const std::string& path, const std::string& dir, const std::vector<CaseResult>& cases) {
  size_t failures = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += !c.passed;
    total += c.seconds;
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites><testsuite name=\"" << xml_escape(dir) << "\" tests=\"" << cases.size() << "\" failures=\""
      << failures << "\" time=\"" << total << "\">\n";
  for (const auto& c : cases) {
    out << "  <testcase classname=\"dsim.scenarios\" name=\"" << xml_escape(c.file) << "\" time=\"" << c.seconds << "\">";
    if (!c.passed) out << "<failure message=\"" << xml_escape(c.failure) << "\"/>";
    out << "</testcase>\n";
  }
  out << "</testsuite></testsuites>\n";
  write_file_atomically(path, out.str());
}

}  // namespace

Command add_test(CLI::App& app) {
  auto a = std::make_shared<TestArgs>();
  CLI::App* cmd = app.add_subcommand("test", "Run every scenario under a directory with its expect block over N seeds");
  cmd->add_option("dir", a->dir, "directory of scenario files (searched recursively)")->required();
  add_number(cmd, "--seeds", a->seeds, "seeds per scenario, from the scenario's own seed on, 1 to 1000000 (default 5)", 1,
             1'000'000);
  cmd->add_option("--junit", a->junit, "write JUnit XML here");
  add_number(cmd, "-j,--jobs", a->jobs, "simulations at once, 1 to 256 (default: all cores)", 1, 256);
  cmd->add_option("--out", a->out, "write each scenario's verdict and per-seed results, one JSON line each (for --baseline)");
  cmd->add_option("--baseline", a->baseline,
                  "compare with an earlier --out file: scenarios that newly fail, fixed ones, changed digests (exit 1 "
                  "only when a scenario newly fails)");
  cmd->footer(
      "Examples:\n"
      "  dsim test scenarios/\n"
      "  dsim test scenarios/raft --seeds 50 --junit results.xml\n"
      "  dsim test scenarios/ --seeds 20 --out main.jsonl               # on main\n"
      "  dsim test scenarios/ --seeds 20 --baseline main.jsonl          # on the branch: what changed\n"
      "Exit code: 0 every scenario as expected, 1 some failed, 2 bad input. With --baseline: 0 no scenario\n"
      "newly fails, 1 some scenario does.");
  return [a]() -> int {
    namespace fs = std::filesystem;
    if (!fs::is_directory(a->dir)) throw sim::InputError(a->dir + ": not a directory");
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(a->dir))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw sim::InputError(a->dir + ": no scenario files (*.json) found");
    OutputPlan plan;
    for (const auto& f : files) plan.input("a scenario file under " + a->dir, f);
    plan.output("--junit", a->junit);
    plan.output("--out", a->out);
    if (!a->baseline.empty()) plan.input("the --baseline results", a->baseline);
    plan.check();
    std::optional<ResultsFile> baseline;
    if (!a->baseline.empty()) {
      baseline = read_results_file(a->baseline);
      if (!baseline->test) throw sim::InputError(a->baseline + ": results of dsim sweep, not of dsim test (dsim sweep --baseline takes it)");
    }
    const unsigned jobs = a->jobs ? a->jobs : std::max(1u, std::thread::hardware_concurrency());
    std::vector<CaseResult> cases;
    size_t failed = 0;
    for (const auto& f : files) {
      CaseResult c = run_case(f, a->seeds, jobs);
      failed += !c.passed;
      std::printf("%-4s %-60s %3zu seeds %7.2fs%s%s\n", c.passed ? "ok" : "FAIL", f.c_str(), c.seeds, c.seconds,
                  c.passed ? "" : "\n     ", c.failure.c_str());
      std::fflush(stdout);
      cases.push_back(std::move(c));
    }
    if (!a->junit.empty()) write_junit(a->junit, a->dir, cases);
    std::printf("%zu scenarios, %zu passed, %zu failed\n", cases.size(), cases.size() - failed, failed);
    std::vector<CaseRecord> records;
    if (!a->out.empty() || baseline)
      for (const auto& c : cases) records.push_back(CaseRecord{c.file, c.name, c.passed, c.failure, c.results});
    if (!a->out.empty()) write_file_atomically(a->out, test_results_text(a->dir, records));
    if (baseline) return print_test_comparison(*baseline, a->dir, records) > 0 ? 1 : 0;
    return failed ? 1 : 0;
  };
}

}  // namespace dsim::cli

// Porcupine's corpus (real Jepsen etcd runs and Porcupine's kv histories) with the verdicts
// Porcupine's own tests assert, read in place from ../shared/conformance/porcupine/ (skipped
// without it, see tests/support/shared_data.h). Every listed file must get its known
// verdict; `unknown` fails the test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/check/history.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"
#include "tests/support/shared_data.h"

namespace dsim::check {
namespace {

struct Listed {
  std::string file, model, verdict;
};

std::vector<Listed> read_verdicts(const std::string& corpus) {
  std::ifstream in(corpus + "verdicts.tsv");
  std::vector<Listed> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Listed l;
    std::getline(fields, l.file, '\t');
    std::getline(fields, l.model, '\t');
    std::getline(fields, l.verdict, '\t');
    out.push_back(l);
  }
  return out;
}

TEST(PorcupineConformance, EveryListedHistoryGetsItsKnownVerdict) {
  DSIM_SHARED_DATA(corpus, "conformance/porcupine");
  const std::vector<Listed> listed = read_verdicts(corpus);
  ASSERT_EQ(listed.size(), 108u) << "verdicts.tsv at " << corpus;
  using Clock = std::chrono::steady_clock;  // measuring the checker, outside any simulation
  double total_ms[2] = {0, 0};              // jepsen, kv
  int files[2] = {0, 0};
  double slowest_ms = 0;
  std::string slowest;
  for (const Listed& l : listed) {
    const auto start = Clock::now();
    std::ifstream in(corpus + l.file);
    ASSERT_TRUE(in) << l.file;
    const bool kv = l.model == "kv";
    const History history = kv ? parse_porcupine_kv(in) : parse_jepsen_etcd_log(in);
    CheckOptions options;
    options.budget = std::chrono::seconds(30);
    const CheckResult result = check_linearizable(history, model_by_name(l.model), options);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    total_ms[kv] += ms;
    files[kv] += 1;
    if (ms > slowest_ms) slowest_ms = ms, slowest = l.file;
    std::printf("  %-22s %-9s %-17s %8.2f ms  %6zu ops %9llu steps\n", l.file.c_str(),
                l.model.c_str(), to_string(result.verdict).c_str(), ms, history.size(),
                static_cast<unsigned long long>(result.steps));
    EXPECT_NE(result.verdict, Verdict::unknown) << l.file << ": " << result.to_text();
    EXPECT_EQ(to_string(result.verdict), l.verdict) << l.file << ": " << result.to_text();
    if (result.verdict == Verdict::not_linearizable) {
      EXPECT_TRUE(result.counterexample);
    }
  }
  std::printf("jepsen etcd: %d files in %.1f ms (Porcupine: 0.33 s)\n", files[0], total_ms[0]);
  std::printf("kv:          %d files in %.1f ms (Porcupine: 0.23 s)\n", files[1], total_ms[1]);
  std::printf("slowest: %s %.1f ms (times include parsing, not process start-up)\n",
              slowest.c_str(), slowest_ms);
}

}  // namespace
}  // namespace dsim::check

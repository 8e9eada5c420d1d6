// `dsim check` on traces whose observation payloads were garbled (inputs the trace fuzzer
// found, kept in tests/fuzz/regressions/trace/): exit code 2 and one line naming the event and
// the invariant, where it used to abort on an uncaught exception or read out of bounds.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;

void expect_check_rejects(const std::string& name, const std::string& fragment) {
  const std::string path = std::string(DSIM_SOURCE_DIR) + "/tests/fuzz/regressions/trace/" + name;
  Result r = run_dsim("check " + path);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(CliBadInput, TraceWithGarbledObservations) {
  expect_check_rejects("commit-submit-without-participants",
                       "trace event 0 (observe \"submit\"): invariant twopc.ac3_commit_needs_all_yes cannot read it");
  expect_check_rejects("raft-commit-too-short", "trace event 0 (observe \"commit\"): invariant raft.leader_completeness");
  expect_check_rejects("raft-log-append-gap", "leaves a gap after index 0");
  expect_check_rejects("raft-term-float", "\"term\" must be a non-negative integer");
}

}  // namespace

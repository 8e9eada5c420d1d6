// `dsim check` on traces whose observation payloads were garbled (inputs the trace fuzzer
// found, kept in tests/fuzz/regressions/trace/): exit code 2 and one line, where it used to
// abort on an uncaught exception or read out of bounds. An observation that does not fit its
// type is refused as it is decoded (file:line and the field); one that fits but cannot be so
// (a log with a gap) by the invariant that reads it (the event and the invariant).
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
                       "commit-submit-without-participants:2: observation submit: missing field \"txn\"");
  expect_check_rejects("raft-commit-too-short", "raft-commit-too-short:2: observation commit: field \"data\" must be an object");
  expect_check_rejects("raft-log-append-gap",
                       "trace event 0 (observe \"log_append\"): invariant raft.leader_append_only cannot read it: log_append "
                       "at index 1000000000000 leaves a gap after index 0");
  expect_check_rejects("raft-term-float", "raft-term-float:2: observation became_leader: field \"term\" must be an integer");
}

}  // namespace

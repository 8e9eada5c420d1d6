// The command line as a user meets it: the dsim binary run as a subprocess. Bad input gives
// exactly one line on stderr naming what and where, exit code 2, and no output file; good
// input runs, traces, re-checks, and on a violation prints a command that reproduces it.
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

using namespace dsim_test;

namespace fs = std::filesystem;

const std::string kGood = R"({
  "protocol": {"name": "pingmesh"},
  "nodes": 3,
  "duration": "1s"
})";

// Runs `args` (which should include --trace <trace>) and expects a one-line error on stderr
// containing every fragment, exit code 2, and no trace file (nor its partial) left behind.
void expect_input_error(const std::string& args, const std::vector<std::string>& fragments) {
  const std::string trace = tmp("should_not_exist.jsonl");
  fs::remove(trace);
  Result r = run_dsim(args + " --trace " + trace);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << "missing '" << f << "' in: " << r.err;
  EXPECT_FALSE(fs::exists(trace));
  EXPECT_FALSE(fs::exists(trace + ".partial"));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliBadInput, MissingScenarioFile) {
  expect_input_error("run /nonexistent/scenario.json", {"/nonexistent/scenario.json", "cannot read file"});
}

TEST(CliBadInput, InvalidJsonNamesLineAndColumn) {
  const auto f = write("invalid.json", "{\n  \"nodes\": 3,\n  \"protocol\": {\"name\": \"pingmesh\"\n}\n");
  expect_input_error("run " + f, {f + ":5:1", "invalid JSON"});
}

TEST(CliBadInput, UnknownKeyNamesItsPath) {
  const auto f = write("unknown_key.json", R"({
  "protocol": {"name": "pingmesh"},
  "network": {"latency": {"dist": "uniform", "min": "1ms", "max": "2ms"}, "los": 0.1}
})");
  expect_input_error("run " + f, {f + ":3:", "network.los", "unknown key", "did you mean \"loss\""});
}

TEST(CliBadInput, LatencyByTypeNamesAnUnknownTypeAndBadMixtures) {
  const auto unknown = write("by_type_unknown.json", R"({"protocol": {"name": "quorum"},
  "network": {"latency_by_type": {"quorum.wrte": {"dist": "constant", "value": "1ms"}}}})");
  expect_input_error("run " + unknown, {unknown + ":2:", "quorum.wrte", "unknown message type", "quorum.replicate"});
  const auto nested = write("mixture_nested.json", R"({"protocol": {"name": "quorum"},
  "network": {"latency": {"dist": "mixture", "of": [{"weight": 1, "dist": "mixture", "of": []}]}}})");
  expect_input_error("run " + nested, {nested + ":2:", "cannot itself be a mixture"});
  const auto weightless = write("mixture_weightless.json", R"({"protocol": {"name": "quorum"},
  "network": {"latency": {"dist": "mixture", "of": [{"dist": "constant", "value": "1ms"}]}}})");
  expect_input_error("run " + weightless, {weightless + ":2:", "weight"});
  const auto empty = write("mixture_empty.json", R"({"protocol": {"name": "quorum"},
  "network": {"latency": {"dist": "mixture", "of": []}}})");
  expect_input_error("run " + empty, {empty + ":2:", "1 to 16 parts"});
}

TEST(CliBadInput, SagaServicesAndPivotAreChecked) {
  const auto twice = write("saga_twice.json", R"({"protocol": {"name": "saga", "params": {"services": "a,b,a"}}, "nodes": 4})");
  expect_input_error("run " + twice, {twice, "services", "\"a\" is named twice"});
  const auto count = write("saga_count.json", R"({"protocol": {"name": "saga"}, "nodes": 4})");
  expect_input_error("run " + count, {count, "nodes", "4 services need 5"});
  const auto unknown = write("saga_pivot.json", R"({"protocol": {"name": "saga", "params": {"pivot": "billing"}}, "nodes": 5})");
  expect_input_error("run " + unknown, {unknown, "pivot", "\"billing\" is not one of the services"});
  const auto refusing = write("saga_pivot_fail.json", R"({"protocol": {"name": "saga", "params": {"pivot": "payment"},
  "node_params": {"n4": {"fail": 0.1}}}, "nodes": 5})");
  expect_input_error("run " + refusing, {refusing, "pivot", "\"inventory\" comes after the pivot"});
}

TEST(CliBadInput, WrongType) {
  const auto f = write("wrong_type.json", R"({"protocol": {"name": "pingmesh"}, "nodes": "three"})");
  expect_input_error("run " + f, {f + ":1:", "nodes", "must be an integer"});
}

TEST(CliBadInput, NegativeDuration) {
  const auto f = write("negative.json", R"({"protocol": {"name": "pingmesh"}, "duration": "-5s"})");
  expect_input_error("run " + f, {f + ":1:", "duration", "negative"});
}

TEST(CliBadInput, UnitlessDuration) {
  const auto f = write("unitless.json", R"({"protocol": {"name": "pingmesh", "params": {"interval": 10}}})");
  expect_input_error("run " + f, {f + ":1:", "protocol.params.interval", "no unit"});
}

TEST(CliBadInput, UnknownProtocol) {
  const auto f = write("unknown_protocol.json", R"({"protocol": {"name": "pigmesh"}})");
  expect_input_error("run " + f, {f + ":1:", "protocol.name", "unknown protocol \"pigmesh\"", "pingmesh"});
}

TEST(CliBadInput, UnknownInvariant) {
  const auto f = write("unknown_invariant.json", R"({"protocol": {"name": "pingmesh"}, "invariants": ["raft.election_safety"]})");
  expect_input_error("run " + f, {f + ":1:", "invariants.0", "unknown invariant"});
}

TEST(CliBadInput, NodeNameOutOfRange) {
  const auto f = write("node_range.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 3,
  "clocks": {"n9": {"offset": "1ms"}}})");
  expect_input_error("run " + f, {f + ":2:", "clocks.n9", "no node named \"n9\"", "n1..n3"});
}

TEST(CliBadInput, SetOfAnUnknownKey) {
  const auto f = write("good.json", kGood);
  expect_input_error("run " + f + " --set network.bogus=1", {"--set network.bogus=1", "network.bogus", "unknown key"});
}

TEST(CliBadInput, SetWithoutValue) {
  const auto f = write("good.json", kGood);
  expect_input_error("run " + f + " --set nodes", {"--set nodes", "key=value"});
}

TEST(CliBadInput, UnknownFlag) {
  const auto f = write("good.json", kGood);
  expect_input_error("run " + f + " --sed 3", {"--sed"});
}

TEST(CliBadInput, TruncatedTrace) {
  const auto f = write("good.json", kGood);
  const std::string trace = tmp("full.jsonl");
  ASSERT_EQ(run_dsim("run " + f + " --trace " + trace).code, 0);
  std::string text = slurp(trace);
  const std::string cut = write("truncated.jsonl", text.substr(0, text.size() / 2));
  Result r = run_dsim("check " + cut);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(cut), std::string::npos) << r.err;
  EXPECT_TRUE(r.err.find("truncated") != std::string::npos || r.err.find("garbled") != std::string::npos) << r.err;
  // Cut exactly at a line boundary: no end record.
  const std::string lines = write("no_end.jsonl", text.substr(0, text.rfind('\n', text.size() / 2) + 1));
  r = run_dsim("check " + lines);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("truncated trace: no end record"), std::string::npos) << r.err;
}

TEST(CliBadInput, GarbledTrace) {
  const auto f = write("good.json", kGood);
  const std::string trace = tmp("full2.jsonl");
  ASSERT_EQ(run_dsim("run " + f + " --trace " + trace).code, 0);
  std::string text = slurp(trace);
  const size_t third_line = text.find('\n', text.find('\n') + 1) + 1;
  text.replace(third_line, 10, "#garbage#!");
  const std::string bad = write("garbled.jsonl", text);
  Result r = run_dsim("check " + bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(bad + ":3:"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = run_dsim("check " + write("not_a_trace.jsonl", "{\"hello\": 1}\n"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("not a dsim trace"), std::string::npos) << r.err;
}

TEST(Cli, RunTraceAndCheckAgree) {
  const std::string scenario = std::string(DSIM_SOURCE_DIR) + "/scenarios/pingmesh/basic.json";
  const std::string trace = tmp("basic.jsonl");
  Result run = run_dsim("run " + scenario + " --trace " + trace);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("pingmesh.reply_within_bound  holds"), std::string::npos) << run.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex("digest: +([0-9a-f]{16})")));
  Result check = run_dsim("check " + trace);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("same verdicts (digest " + m[1].str() + ")"), std::string::npos) << check.out;
}

// The commit invariants read the trace only: offline they reach the live verdicts, for a
// safety violation (3PC split by a partition), a liveness one (2PC blocked: AC5 at the end)
// and runs that hold under the nemesis.
TEST(Cli, CommitInvariantsAgreeLiveAndOffline) {
  for (const char* rel : {"teaching/threepc-partition.json", "teaching/twopc-blocking.json", "twopc/nemesis.json",
                          "threepc/nemesis.json"}) {
    SCOPED_TRACE(rel);
    const std::string trace = tmp("commit.jsonl");
    Result run = run_dsim("run " + std::string(DSIM_SOURCE_DIR) + "/scenarios/" + rel + " --trace " + trace);
    ASSERT_EQ(run.code, 0) << run.out << run.err;
    Result check = run_dsim("check " + trace);
    EXPECT_EQ(check.code, 0) << check.out << check.err;
    EXPECT_NE(check.out.find("same verdicts"), std::string::npos) << check.out;
  }
  // The "coordinator" selector named n1 in teaching/twopc-blocking.json.
  const std::string trace = tmp("blocking.jsonl");
  run_dsim("run " + std::string(DSIM_SOURCE_DIR) + "/scenarios/teaching/twopc-blocking.json --trace " + trace);
  EXPECT_NE(slurp(trace).find(R"("ev":"crash","node":"n1")"), std::string::npos);
}

TEST(Cli, ViolationPrintsTheEventAndAReproducingCommand) {
  const std::string scenario = std::string(DSIM_SOURCE_DIR) + "/scenarios/pingmesh/basic.json";
  const std::string trace = tmp("bug.jsonl");
  Result run = run_dsim("run " + scenario + " --seed 9 --set 'protocol.bugs=[\"wrong_reply_id\"]' --trace " + trace);
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.out.find("VIOLATION pingmesh.reply_matches_ping"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("event: {\"seq\":"), std::string::npos) << run.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.out, m, std::regex("reproduce: tools/dsim (run .*)\n")));
  Result again = run_dsim(m[1].str());
  EXPECT_EQ(again.code, 1);
  std::smatch d1, d2;
  ASSERT_TRUE(std::regex_search(run.out, d1, std::regex("digest: +([0-9a-f]{16})")));
  ASSERT_TRUE(std::regex_search(again.out, d2, std::regex("digest: +([0-9a-f]{16})")));
  EXPECT_EQ(d1[1].str(), d2[1].str());
  // The offline check finds the same violation.
  Result check = run_dsim("check " + trace);
  EXPECT_EQ(check.code, 1);
  EXPECT_NE(check.out.find("VIOLATION pingmesh.reply_matches_ping"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("same verdicts"), std::string::npos) << check.out;
}

TEST(Cli, ListShowsProtocolsParamsInvariantsAndDistributions) {
  Result r = run_dsim("list");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"protocol pingmesh", "interval", "pingmesh.reply_matches_ping", "wrong_reply_id", "lognormal",
                        "pareto", "exponential", "protocol twopc", "protocol threepc", "workload (workload.*",
                        "shards_per_txn", "read_ratio", "threepc.ac1_agreement", "no_termination",
                        "protocol.node_params.<server>"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

TEST(Cli, BenchReportsAllModes) {
  Result r = run_dsim("bench pingmesh --nodes 20 --duration 200ms");
  EXPECT_EQ(r.code, 0) << r.err;
  for (const char* s : {"off ", "digest ", "jsonl ", "events/s", "peak memory"}) EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

TEST(Cli, EveryCommandHasHelpWithExamples) {
  for (const char* cmd : {"", "run ", "check ", "list ", "bench "}) {
    Result r = run_dsim(std::string(cmd) + "--help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << r.out;
  }
}

// teaching/threepc-partition.json: the split decision (AC1) also leaves the shards non-atomic;
// "may_also_violate" allows that consequence, and only that.
TEST(Cli, MayAlsoViolateAllowsNamedConsequencesOnly) {
  const std::string scenario = std::string(DSIM_SOURCE_DIR) + "/scenarios/teaching/threepc-partition.json";
  Result r = run_dsim("run " + scenario);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("threepc.atomic_state"), std::string::npos);
  r = run_dsim("run " + scenario + " --set 'expect={\"violation\": \"threepc.ac1_agreement\"}'");
  EXPECT_EQ(r.code, 1) << "atomic_state breaks too, and is no longer allowed\n" << r.out;
  const auto f = write("also.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 3, "duration": "1s",
    "invariants": ["pingmesh.reply_matches_ping"], "expect": {"violation": "pingmesh.reply_matches_ping", "may_also_violate": ["raft.log_matching"]}})");
  expect_input_error("run " + f, {f + ":", "expect.may_also_violate", "\"raft.log_matching\" is not one of this scenario's invariants"});
  const auto g = write("also_alone.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 3, "duration": "1s",
    "expect": {"may_also_violate": ["pingmesh.reply_matches_ping"]}})");
  expect_input_error("run " + g, {g + ":", "expect.may_also_violate", "only goes with"});
}

TEST(Cli, ExpectedViolationThatDoesNotHappenFails) {
  const auto f = write("expects.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 3, "duration": "1s",
    "invariants": ["pingmesh.reply_matches_ping"], "expect": {"violation": "pingmesh.reply_matches_ping"}})");
  Result r = run_dsim("run " + f);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("EXPECTED VIOLATION MISSING"), std::string::npos) << r.out;
  r = run_dsim("run " + f + " --set 'protocol.bugs=[\"wrong_reply_id\"]'");
  EXPECT_EQ(r.code, 0) << r.out;
}

}  // namespace

namespace {

TEST(Cli, EmitScheduleReplaysToTheSameDigest) {
  const std::string scenario = std::string(DSIM_SOURCE_DIR) + "/scenarios/pingmesh/nemesis.json";
  const std::string schedule = tmp("schedule.json");
  Result first = run_dsim("run " + scenario + " --seed 5 --emit-schedule " + schedule);
  ASSERT_EQ(first.code, 0) << first.err;
  const std::string text = slurp(schedule);
  EXPECT_EQ(text.find("\"nemesis\""), std::string::npos) << "the nemesis is written out as explicit faults";
  EXPECT_NE(text.find("\"stream\""), std::string::npos);
  Result second = run_dsim("run " + schedule);
  ASSERT_EQ(second.code, 0) << second.err;
  std::smatch d1, d2;
  ASSERT_TRUE(std::regex_search(first.out, d1, std::regex("digest: +([0-9a-f]{16})")));
  ASSERT_TRUE(std::regex_search(second.out, d2, std::regex("digest: +([0-9a-f]{16})")));
  EXPECT_EQ(d1[1].str(), d2[1].str());
}

TEST(CliBadInput, InvalidFaultSpec) {
  const auto f = write("bad_fault.json", R"({"protocol": {"name": "pingmesh"}, "nodes": 3,
  "faults": [{"at": "1s", "crash": "n9"}]})");
  expect_input_error("run " + f, {f + ":2:", "faults.0.crash", "no node named \"n9\""});
}

TEST(CliBadInput, DropOfAnUnknownMessageType) {
  const auto f = write("bad_drop.json", R"({"protocol": {"name": "raft"}, "nodes": 3,
  "faults": [{"at": "1s", "drop": {"from": "n1", "type": ["raft.append_entries", "raft.heartbeat"]}, "for": "1s"}]})");
  expect_input_error("run " + f, {f + ":2:", "faults.0.drop.type.1", "unknown message type \"raft.heartbeat\" for raft",
                                  "raft.request_vote"});
}

TEST(CliBadInput, NodeParamsOfAnUnknownServer) {
  const auto f = write("good.json", kGood);
  expect_input_error("run " + f + " --set protocol.node_params.n4.interval=5ms",
                     {"--set protocol.node_params.n4.interval=5ms", "protocol.node_params.n4", "no server named \"n4\""});
}

// A scripted scenario with a drop rule and per-node parameters is traced (drops with their
// cause, the rule's start and end), re-checked offline and replayed to the same digest.
TEST(Cli, DropRuleAndNodeParamsTraceCheckAndReplay) {
  const std::string scenario = std::string(DSIM_SOURCE_DIR) + "/scenarios/teaching/raft-figure8-scripted.json";
  const std::string trace = tmp("figure8.jsonl");
  Result run = run_dsim("run " + scenario + " --seed 3 --trace " + trace);
  EXPECT_EQ(run.code, 0) << run.err;  // the expected violation happened
  EXPECT_NE(run.out.find("scripted_drop"), std::string::npos) << run.out;
  const std::string text = slurp(trace);
  EXPECT_NE(text.find("\"cause\":\"scripted_drop\""), std::string::npos);
  EXPECT_NE(text.find("\"what\":\"drop\""), std::string::npos);
  EXPECT_NE(text.find("\"end_of\":\"drop\""), std::string::npos);
  EXPECT_NE(text.find("\"node_params\":{\"n1\""), std::string::npos);
  Result check = run_dsim("check " + trace);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  Result replay = run_dsim("replay " + trace);
  EXPECT_EQ(replay.code, 0) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("identical"), std::string::npos) << replay.out;
}

TEST(Cli, ListShowsFaultKinds) {
  Result r = run_dsim("list");
  for (const char* s : {"fault kinds", "partition", "byzantine", "nemesis", "forge_reply", "fault budget", "\n  drop "})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

}  // namespace

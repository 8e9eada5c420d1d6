// Running to a point (issue 18): `dsim run --until T` and `--stop-at-violation` end the run
// early. The cut run is the prefix of the full run, its trace is complete (check and replay
// read it), liveness is skipped rather than judged on a run that never reached its end, and
// the summary says the run stopped early. `--expect-safe` shows a lesson with its bug off.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace {

using namespace dsim_test;
namespace fs = std::filesystem;

std::string stop_scenario(const std::string& rel) { return std::string(DSIM_SOURCE_DIR) + "/scenarios/" + rel; }

struct Trace {
  nlohmann::json header, footer;
  std::vector<std::string> events;  // the event lines as written (no state records)
  std::vector<nlohmann::json> parsed;
};

Trace read(const std::string& path) {
  Trace t;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("dsim_trace")) t.header = j;
    else if (j.contains("end")) t.footer = j;
    else if (j.contains("seq")) t.events.push_back(line), t.parsed.push_back(j);
  }
  return t;
}

std::string stop_verdict_line(const std::string& out, const std::string& invariant) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("\n  " + invariant + " +([^\n]*)\n"))) return "";
  return m[1].str();
}

// raft-basics crashes the leader at 2s for 1s; its liveness holds on the full run. Cut 100ms
// after the crash, no leader is in place yet: an end-of-run liveness check would call that a
// violation. The cut run must skip liveness instead, say why, and still check safety.
TEST(Until, CutsAtTheTimeAndSkipsLivenessInsteadOfReportingAFalseViolation) {
  const std::string full_trace = tmp("full.jsonl"), cut_trace = tmp("cut.jsonl");
  Result full = run_dsim("run " + stop_scenario("teaching/raft-basics.json") + " --trace " + full_trace);
  ASSERT_EQ(full.code, 0) << full.out << full.err;
  EXPECT_EQ(stop_verdict_line(full.out, "raft.liveness"), "holds") << full.out;

  Result cut = run_dsim("run " + stop_scenario("teaching/raft-basics.json") + " --until 2100ms --trace " + cut_trace);
  ASSERT_EQ(cut.code, 0) << cut.out << cut.err;
  EXPECT_NE(cut.out.find("simulated:  2100.000ms in"), std::string::npos) << cut.out;
  EXPECT_NE(cut.out.find("stopped:    early: the run was stopped at 2100.000ms by --until, before the scenario's "
                         "end at 8000.000ms"),
            std::string::npos)
      << cut.out;
  EXPECT_EQ(stop_verdict_line(cut.out, "raft.liveness"),
            "skipped (the run was stopped at 2100.000ms by --until, before the scenario's end at 8000.000ms)")
      << cut.out;
  for (const char* safety : {"raft.election_safety", "raft.state_machine_safety", "linearizable"})
    EXPECT_EQ(stop_verdict_line(cut.out, safety), "holds") << safety << "\n" << cut.out;

  // The cut really caught the cluster leaderless (the old leader is down, nobody won yet):
  // the naive end-of-run check would have failed.
  Result state = run_dsim("state " + cut_trace);
  ASSERT_EQ(state.code, 0) << state.err;
  EXPECT_TRUE(std::regex_search(state.out, std::regex("\nn1  DOWN since 2000.000ms"))) << state.out;
  EXPECT_FALSE(std::regex_search(state.out, std::regex("\nn[0-9]  [^D\n][^\n]*role=leader"))) << state.out;

  // Nothing at or after 2100ms, and the events are exactly the full run's first ones.
  const Trace f = read(full_trace), c = read(cut_trace);
  ASSERT_FALSE(c.events.empty());
  ASSERT_LT(c.events.size(), f.events.size());
  for (size_t i = 0; i < c.events.size(); ++i) ASSERT_EQ(c.events[i], f.events[i]) << "event " << i;
  EXPECT_LT(c.parsed.back()["t"].get<int64_t>(), 2'100'000'000);
  EXPECT_GE(f.parsed[c.events.size()]["t"].get<int64_t>(), 2'100'000'000) << "the cut lost an event before 2100ms";
  EXPECT_EQ(c.footer["t"], 2'100'000'000);
  EXPECT_EQ(c.footer["verdicts"]["raft.liveness"], "skipped");
  EXPECT_EQ(c.header["scenario"]["until"], "2100ms");
  EXPECT_EQ(c.header["scenario"]["duration"], "8s");
  EXPECT_FALSE(f.header["scenario"].contains("until"));

  // check and replay reproduce the cut from the header alone.
  Result check = run_dsim("check " + cut_trace);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("same verdicts"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("stopped:    early"), std::string::npos) << check.out;
  Result replay = run_dsim("replay " + cut_trace);
  EXPECT_EQ(replay.code, 0) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("identical"), std::string::npos) << replay.out;
  // dsim log judges the trace as the run did: no liveness violation, and it says why.
  Result log = run_dsim("log " + cut_trace + " --story");
  EXPECT_EQ(log.code, 0) << log.err;
  EXPECT_EQ(log.out.find("VIOLATION"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("\n(the run was stopped at 2100.000ms by --until, before the scenario's end at 8000.000ms)\n"),
            std::string::npos)
      << log.out;
}

// A lesson whose expected violation is a liveness one cannot show it on a cut run: the
// expectation is "not judged", not "missing".
TEST(Until, AnExpectedLivenessViolationIsNotJudgedOnACutRun) {
  Result r = run_dsim("run " + stop_scenario("teaching/twopc-blocking.json") + " --until 1500ms");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("expected:   a violation of twopc.ac5_termination: not judged, the run was stopped early"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("EXPECTED VIOLATION MISSING"), std::string::npos) << r.out;
}

void expect_bad(const std::string& args, const std::vector<std::string>& fragments) {
  const std::string trace = tmp("never.jsonl");
  fs::remove(trace);
  Result r = run_dsim(args + " --trace " + trace);
  EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << "'" << f << "' not in: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(trace));
}

TEST(Until, BadValuesAreOneLineErrors) {
  const std::string s = stop_scenario("teaching/raft-basics.json");
  expect_bad("run " + s + " --until 8s", {"--until 8s", "not before the end", "\"duration\": \"8s\""});
  expect_bad("run " + s + " --until 20s", {"--until 20s", "not before the end"});
  expect_bad("run " + s + " --until 0s", {"--until", "must be positive"});
  expect_bad("run " + s + " --until 5", {"--until", "no unit"});
  expect_bad("run " + s + " --until=-1s", {"--until", "negative"});
  expect_bad("run " + s + " --until soon", {"--until", "not a duration"});
  expect_bad("run " + s + " --set until=9s", {"--set until=9s", "until", "not before the scenario's end"});
  expect_bad("run " + s + " --stop-at-violation --no-invariants", {"--stop-at-violation", "--no-invariants"});
}

// teaching/raft-figure8.json (seed 121) loses a committed entry at 2.92s. With
// --stop-at-violation the trace's last event is the violating one, and the rest of the run
// never happens; check and replay agree.
TEST(StopAtViolation, EndsAtTheViolatingEventOfFigure8) {
  const std::string full_trace = tmp("full.jsonl"), cut_trace = tmp("cut.jsonl");
  Result full = run_dsim("run " + stop_scenario("teaching/raft-figure8.json") + " --trace " + full_trace);
  ASSERT_EQ(full.code, 0) << full.out << full.err;
  Result cut = run_dsim("run " + stop_scenario("teaching/raft-figure8.json") + " --stop-at-violation --trace " + cut_trace);
  ASSERT_EQ(cut.code, 0) << cut.out << cut.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cut.out, m,
                                std::regex("VIOLATION raft.leader_completeness at t=([0-9.]+)ms \\(trace event #([0-9]+)\\)")))
      << cut.out;
  const uint64_t seq = std::stoull(m[2].str());
  EXPECT_NE(cut.out.find("stopped:    early: the run was stopped at its first violation (raft.leader_completeness at " +
                         m[1].str() + "ms) by --stop-at-violation"),
            std::string::npos)
      << cut.out;
  EXPECT_NE(cut.out.find("simulated:  " + m[1].str() + "ms in"), std::string::npos) << cut.out;

  const Trace f = read(full_trace), c = read(cut_trace);
  ASSERT_FALSE(c.parsed.empty());
  EXPECT_EQ(c.parsed.back()["seq"].get<uint64_t>(), seq);
  EXPECT_EQ(c.parsed.back()["what"], "became_leader");
  EXPECT_EQ(c.footer["records"].get<uint64_t>(), seq + 1);
  EXPECT_EQ(c.footer["t"], c.parsed.back()["t"]);
  ASSERT_GT(f.events.size(), c.events.size()) << "the full run goes on after the violation";
  for (size_t i = 0; i < c.events.size(); ++i) ASSERT_EQ(c.events[i], f.events[i]) << "event " << i;
  // The full run found the same violation at the same event.
  EXPECT_NE(full.out.find("(trace event #" + m[2].str() + ")"), std::string::npos) << full.out;
  EXPECT_EQ(c.header["scenario"]["stop_at_violation"], true);

  Result check = run_dsim("check " + cut_trace);
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("same verdicts"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("stopped:    early: the run was stopped at its first violation"), std::string::npos)
      << check.out;
  Result replay = run_dsim("replay " + cut_trace);
  EXPECT_EQ(replay.code, 0) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("identical ("), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find(c.footer["digest"].get<std::string>()), std::string::npos) << replay.out;
  // The reproduce line repeats the flag.
  EXPECT_NE(cut.out.find("--stop-at-violation\n"), std::string::npos) << cut.out;
}

// Liveness is skipped on a run stopped at a violation; a run that never violates runs to its
// end and judges liveness as usual.
TEST(StopAtViolation, SkipsLivenessOnlyWhenItStopped) {
  Result r = run_dsim("run " + stop_scenario("teaching/threepc-partition.json") + " --stop-at-violation");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(stop_verdict_line(r.out, "threepc.ac5_termination").rfind("skipped (the run was stopped at its first violation", 0),
            0u)
      << r.out;
  // Both invariants that break at the violating event are reported.
  EXPECT_EQ(stop_verdict_line(r.out, "threepc.ac1_agreement"), "violated (expected)") << r.out;
  EXPECT_EQ(stop_verdict_line(r.out, "threepc.atomic_state"), "violated (expected)") << r.out;
  Result safe = run_dsim("run " + stop_scenario("teaching/raft-basics.json") + " --stop-at-violation");
  EXPECT_EQ(safe.code, 0) << safe.out << safe.err;
  EXPECT_EQ(safe.out.find("stopped:"), std::string::npos) << safe.out;
  EXPECT_EQ(stop_verdict_line(safe.out, "raft.liveness"), "holds") << safe.out;
}

// A lecturer shows a lesson with its bug switched off: without --expect-safe the missing
// violation fails (and says how to ask for safety); with it the run passes, and a trace of
// it records the expectation, so `dsim check` agrees. With the bug on, --expect-safe fails.
TEST(ExpectSafe, ShowsALessonWithItsBugSwitchedOff) {
  const std::string s = stop_scenario("teaching/raft-figure8.json");
  Result off = run_dsim("run " + s + " --set 'protocol.bugs=[]'");
  EXPECT_EQ(off.code, 1) << off.out;
  EXPECT_NE(off.out.find("EXPECTED VIOLATION MISSING"), std::string::npos) << off.out;
  EXPECT_NE(off.out.find("add --expect-safe"), std::string::npos) << off.out;

  const std::string trace = tmp("safe.jsonl");
  Result safe = run_dsim("run " + s + " --set 'protocol.bugs=[]' --expect-safe --trace " + trace);
  EXPECT_EQ(safe.code, 0) << safe.out << safe.err;
  EXPECT_EQ(stop_verdict_line(safe.out, "raft.leader_completeness"), "holds") << safe.out;
  EXPECT_EQ(read(trace).header["scenario"]["expect"], nlohmann::json({{"safety", "holds"}}));
  Result check = run_dsim("check " + trace);
  EXPECT_EQ(check.code, 0) << check.out << check.err;

  Result bug = run_dsim("run " + s + " --expect-safe");
  EXPECT_EQ(bug.code, 1) << bug.out;
  EXPECT_EQ(stop_verdict_line(bug.out, "raft.leader_completeness"), "violated") << bug.out;
  EXPECT_NE(bug.out.find("reproduce: tools/dsim run " + s + " --seed 121 --expect-safe"), std::string::npos) << bug.out;
}

}  // namespace

namespace {

// Every new flag is documented in --help, with an example.
TEST(RunHelp, DocumentsTheFlagsForLessons) {
  dsim_test::Result run = dsim_test::run_dsim("run --help");
  EXPECT_EQ(run.code, 0);
  for (const char* s : {"--until", "--stop-at-violation", "--expect-safe", "--history", "--until 2.5s",
                        "--stop-at-violation --trace", "--expect-safe\n", "check-history /tmp/h.jsonl --model kv"})
    EXPECT_NE(run.out.find(s), std::string::npos) << s << "\n" << run.out;
  dsim_test::Result ch = dsim_test::run_dsim("check-history --help");
  EXPECT_EQ(ch.code, 0);
  for (const char* s : {"or a dsim trace", "dsim run --history", "check-history /tmp/t.jsonl\n"})
    EXPECT_NE(ch.out.find(s), std::string::npos) << s << "\n" << ch.out;
}

}  // namespace

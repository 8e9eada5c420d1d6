// `dsim run --history FILE` and `dsim check-history TRACE` (issue 18): the client history a
// run writes, the same history read straight from its trace, and the run's own
// `linearizable` invariant reach the same verdict (with the same processes in the
// counterexample), on seeds that hold and on seeds where Raft's stale_read bug breaks
// linearizability. Violations name the server that answered, as the trace shows it.
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

std::string history_scenario(const std::string& rel) { return std::string(DSIM_SOURCE_DIR) + "/scenarios/" + rel; }

std::string verdict_line(const std::string& out, const std::string& invariant) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("\n  " + invariant + " +([^\n]*)\n"))) return "";
  return m[1].str();
}

// The counterexample without the "line" fields (a history file counts lines, a trace seqs).
nlohmann::json without_lines(nlohmann::json j) {
  if (j.is_object()) {
    j.erase("line");
    for (auto& [k, v] : j.items()) v = without_lines(v);
  } else if (j.is_array()) {
    for (auto& v : j) v = without_lines(v);
  }
  return j;
}

struct Case {
  std::string file;
  uint64_t seed;
  std::string sets;
};

TEST(History, RoundTripsToTheInvariantsVerdictOnSeveralSeeds) {
  const std::string stale = " --set 'protocol.bugs=[\"stale_read\"]'";
  const std::vector<Case> cases = {
      {"raft/leader-isolation.json", 1, stale}, {"raft/leader-isolation.json", 2, stale},
      {"raft/leader-isolation.json", 3, stale}, {"raft/leader-isolation.json", 6, stale},
      {"teaching/raft-basics.json", 1, ""},     {"raft/nemesis.json", 4, ""},
  };
  int violated = 0, held = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file + " seed " + std::to_string(c.seed));
    const std::string history = tmp("h.jsonl"), trace = tmp("t.jsonl");
    Result run = run_dsim("run " + history_scenario(c.file) + " --seed " + std::to_string(c.seed) + c.sets + " --history " +
                          history + " --trace " + trace);
    ASSERT_TRUE(run.code == 0 || run.code == 1) << run.out << run.err;
    const std::string live = verdict_line(run.out, "linearizable");
    ASSERT_TRUE(live == "holds" || live == "violated") << run.out;
    const int expected = live == "holds" ? 0 : 1;
    (expected ? violated : held)++;

    Result from_file = run_dsim("check-history " + history + " --model kv --json");
    Result from_trace = run_dsim("check-history " + trace + " --json");
    EXPECT_EQ(from_file.code, expected) << from_file.out << from_file.err;
    EXPECT_EQ(from_trace.code, expected) << from_trace.out << from_trace.err;
    const auto a = nlohmann::json::parse(from_file.out), b = nlohmann::json::parse(from_trace.out);
    EXPECT_EQ(a["operations"], b["operations"]);
    EXPECT_EQ(a["partitions"], b["partitions"]);
    EXPECT_EQ(b["model"], "kv") << "the protocol's model by default";
    EXPECT_EQ(b["format"], "dsim trace");
    EXPECT_EQ(without_lines(a.value("counterexample", nlohmann::json())),
              without_lines(b.value("counterexample", nlohmann::json())));
    EXPECT_EQ(a.contains("counterexample"), expected == 1);

    // The text forms: from the trace, the run's own counterexample, line for line.
    Result text = run_dsim("check-history " + trace);
    EXPECT_NE(text.out.find("(a dsim trace: scenario "), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("model:      kv (the protocol's)"), std::string::npos) << text.out;
    if (expected == 1) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(text.out, m, std::regex("\n(key \"[^\n]*)\n"))) << text.out;
      EXPECT_NE(run.out.find("  event: " + m[1].str() + "\n"), std::string::npos) << run.out;
      ASSERT_TRUE(std::regex_search(text.out, m, std::regex("returns before it can take effect:\n    ([^\n]*)\n")));
      EXPECT_NE(run.out.find("(kv): " + m[1].str() + " cannot take effect"), std::string::npos)
          << m[1].str() << "\n" << run.out;
    }
  }
  EXPECT_GE(violated, 2);
  EXPECT_GE(held, 2);
}

// "answered by nX" in a violation is the sender of the reply delivered to the client just
// before its completion event: checked against the trace itself.
TEST(History, TheViolationNamesTheServerThatAnsweredAsTheTraceShows) {
  const std::string trace = tmp("t.jsonl");
  Result run = run_dsim("run " + history_scenario("raft/leader-isolation.json") +
                        " --seed 1 --set 'protocol.bugs=[\"stale_read\"]' --trace " + trace);
  ASSERT_EQ(run.code, 1) << run.out << run.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      run.out, m,
      std::regex("VIOLATION linearizable at t=[0-9.]+ms \\(trace event #([0-9]+)\\): the client history is not "
                 "linearizable \\(kv\\): (c[0-9]+)(p[0-9]+)? [^\n]* -> ok [^\n]*\\([0-9.]+ms to [0-9.]+ms, answered "
                 "by (n[0-9]+)\\) cannot take effect\n")))
      << run.out;
  const uint64_t seq = std::stoull(m[1].str());
  const std::string client = m[2].str(), server = m[4].str();
  std::istringstream in(slurp(trace));
  std::string line;
  nlohmann::json previous_at_client;
  bool checked = false;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("seq") || j.value("node", "") != client) continue;
    if (j["seq"] == seq) {
      EXPECT_EQ(j["ev"], "client");
      EXPECT_EQ(j["what"], "ok");
      ASSERT_TRUE(previous_at_client.is_object());
      EXPECT_EQ(previous_at_client["ev"], "deliver");
      EXPECT_EQ(previous_at_client["from"], server);
      EXPECT_EQ(previous_at_client["type"], "raft.client_reply");
      checked = true;
      break;
    }
    previous_at_client = j;
  }
  EXPECT_TRUE(checked);
  // The counterexample comes in lines, each operation with its times in ms.
  EXPECT_TRUE(std::regex_search(run.out, std::regex("\n         longest linearizable prefix: [0-9]+ ops")));
  EXPECT_TRUE(std::regex_search(run.out, std::regex("\n           c[0-9]+(p[0-9]+)? [a-z]+ \"k[0-9]\"[^\n]*ms")));
}

void expect_bad(const std::string& args, const std::vector<std::string>& fragments, const std::string& must_not_exist) {
  Result r = run_dsim(args);
  EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << "'" << f << "' not in: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  if (!must_not_exist.empty()) {
    EXPECT_FALSE(fs::exists(must_not_exist)) << must_not_exist;
  }
}

TEST(History, BadValuesAreOneLineErrorsAndLeaveNoFile) {
  const std::string s = history_scenario("teaching/raft-basics.json");
  const std::string out = tmp("never.jsonl");
  fs::remove(out);
  expect_bad("run " + s + " --history " + out + " --set nodes=0", {"nodes"}, out);
  expect_bad("run " + history_scenario("pingmesh/basic.json") + " --history " + out,
             {"--history", "protocol pingmesh records no client history"}, out);
  expect_bad("run " + s + " --history " + s, {"--history", s}, "");
  expect_bad("run " + s + " --history " + out + " --trace " + out, {"--history", "--trace"}, out);
  expect_bad("run " + s + " --history " + ::testing::TempDir(), {"--history"}, "");
  // Nothing partial is left beside a file that was written.
  const fs::path dir = fs::path(tmp("dir"));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ASSERT_EQ(run_dsim("run " + s + " --history " + (dir / "h.jsonl").string()).code, 0);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().filename() == "h.jsonl" ? 1 : 100;
  EXPECT_EQ(files, 1u);
}

TEST(History, CheckHistoryOfABadTraceIsBadInput) {
  const std::string trace = tmp("t.jsonl");
  ASSERT_EQ(run_dsim("run " + history_scenario("teaching/raft-basics.json") + " --trace " + trace).code, 0);
  std::string text = slurp(trace);
  // A garbled third line: the trace reader names file:line.
  const size_t third = text.find('\n', text.find('\n') + 1) + 1;
  std::string garbled = text;
  garbled.replace(third, 8, "#garbage");
  const std::string bad = write("garbled.jsonl", garbled);
  expect_bad("check-history " + bad, {bad + ":3:"}, "");
  // Truncated: no end record.
  const std::string cut = write("cut.jsonl", text.substr(0, text.rfind('\n', text.size() / 2) + 1));
  expect_bad("check-history " + cut, {cut, "truncated"}, "");
  // A protocol without a client history.
  const std::string ping = tmp("ping.jsonl");
  ASSERT_EQ(run_dsim("run " + history_scenario("pingmesh/basic.json") + " --trace " + ping).code, 0);
  expect_bad("check-history " + ping, {ping, "pingmesh", "no history to check"}, "");
  // --model still overrides the protocol's (and a model that cannot read kv ops is bad input).
  expect_bad("check-history " + trace + " --model counter", {trace, "model counter"}, "");
}

}  // namespace

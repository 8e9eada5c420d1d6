// Reading a run: state records in traces, `dsim log`, `dsim state` and `dsim step`.
//
// The state records are checked against what the protocols observe (a node that observed
// became_leader is a leader in its state at that event, a participant that observed a commit
// decision shows the transaction committed), so a record that lags, leaks or lies fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "protocols/commit/observations.h"
#include "protocols/quorum/observations.h"
#include "protocols/saga/observations.h"
#include "protocols/raft/observations.h"
#include "tests/support/subprocess.h"
#include "tests/support/sweep.h"
#include "tools/cli/trace_text.h"

namespace {

using namespace dsim_test;
namespace fs = std::filesystem;

const std::string kRoot = DSIM_SOURCE_DIR;

// seed 0: the scenario's own seed.
std::string traced(const std::string& scenario, uint64_t seed, const std::string& extra = "") {
  const std::string path = tmp("seed" + std::to_string(seed) + ".jsonl");
  const std::string seed_flag = seed ? " --seed " + std::to_string(seed) : "";
  Result r = run_dsim("run " + kRoot + "/" + scenario + seed_flag + " --trace " + path + " " + extra);
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
  EXPECT_TRUE(fs::exists(path)) << r.out << r.err;
  return path;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string digest_of(const std::string& summary) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(summary, m, std::regex("digest\\s*:?\\s*([0-9a-f]{16})"))) << summary;
  return m.size() > 1 ? m[1].str() : "";
}

TEST(StateRecords, RaftStateAgreesWithObservationsAtEveryElection) {
  size_t checked = 0;
  // Fewer seeds under the sanitizers (the Release pass runs all four).
  const uint64_t seeds = dsim_test::seeds(4, 2);
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto path = traced("scenarios/raft/leader-crash.json", seed);
    const dsim::cli::LoadedTrace t = dsim::cli::load_trace(path);
    ASSERT_FALSE(t.states.empty());
    dsim::cli::StateFold fold(t);
    for (size_t i = 0; i < t.events.size(); ++i) {
      const auto& ev = t.events[i];
      if (ev.kind == dsim::sim::TraceKind::crash) {
        fold.advance_to(i + 1);
        EXPECT_FALSE(fold.nodes()[ev.node.value].up) << "#" << i;
      }
      const auto* elected = ev.view().observed<dsim::raft::BecameLeader>();
      if (!elected && !ev.view().observed<dsim::raft::SteppedDown>()) continue;
      // The handler's state record follows its events: apply up to the next handler's event.
      size_t end = i + 1;
      while (end < t.events.size() && t.events[end].time == ev.time && t.events[end].node == ev.node &&
             t.events[end].kind != dsim::sim::TraceKind::deliver && t.events[end].kind != dsim::sim::TraceKind::timer)
        ++end;
      fold.advance_to(end);
      const auto& st = fold.nodes()[ev.node.value].state;
      if (elected) {
        EXPECT_EQ(st.value("role", ""), "leader") << path << " #" << i << " " << st.dump();
        EXPECT_EQ(st.value("term", 0ull), elected->term.value) << path << " #" << i;
        EXPECT_EQ(st.value("leader", ""), t.names[ev.node.value]);
      } else {
        EXPECT_NE(st.value("role", ""), "leader") << path << " #" << i;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 2 * seeds) << "too few elections to check (an election and a step-down per seed at least)";
}

TEST(StateRecords, CommitParticipantsShowTheirDecisions) {
  size_t checked = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const auto path = traced("scenarios/teaching/threepc-partition.json", seed);
    const dsim::cli::LoadedTrace t = dsim::cli::load_trace(path);
    dsim::cli::StateFold fold(t);
    for (size_t i = 0; i < t.events.size(); ++i) {
      const auto& ev = t.events[i];
      const auto* decided = ev.view().observed<dsim::commit::Decided>();
      if (!decided || ev.node.value == 0) continue;
      size_t end = i + 1;
      while (end < t.events.size() && t.events[end].time == ev.time && t.events[end].node == ev.node &&
             t.events[end].kind != dsim::sim::TraceKind::deliver && t.events[end].kind != dsim::sim::TraceKind::timer)
        ++end;
      fold.advance_to(end);
      const auto& txns = fold.nodes()[ev.node.value].state["txns"];
      const std::string txn = std::to_string(decided->txn.value);
      const std::string want = decided->decision == dsim::commit::Decision::commit ? "committed" : "aborted";
      ASSERT_TRUE(txns.contains(txn)) << path << " #" << i << " " << txns.dump();
      EXPECT_EQ(txns[txn], want) << path << " #" << i;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3u);
}

// The quorum store's records: after each change of a home copy (observation `stored`), the
// server's record of that key lists exactly as many sibling values as the copy has versions and
// ends with the copy's causal context; a copy handed away is gone from the record.
TEST(StateRecords, QuorumReplicasShowTheirCopies) {
  size_t checked = 0, emptied = 0;
  for (const char* scenario : {"scenarios/quorum/replica-down.json", "scenarios/quorum/join-leave.json"}) {
    const auto path = traced(scenario, 1);
    const dsim::cli::LoadedTrace t = dsim::cli::load_trace(path);
    dsim::cli::StateFold fold(t);
    for (size_t i = 0; i < t.events.size(); ++i) {
      const auto& ev = t.events[i];
      const auto* stored = ev.view().observed<dsim::quorum::Stored>();
      if (!stored) continue;
      size_t end = i + 1;
      while (end < t.events.size() && t.events[end].time == ev.time && t.events[end].node == ev.node &&
             t.events[end].kind != dsim::sim::TraceKind::deliver && t.events[end].kind != dsim::sim::TraceKind::timer)
        ++end;
      // Later observations of the same handler may change the key again: judge at the last.
      bool later = false;
      for (size_t j = i + 1; j < end; ++j)
        if (const auto* s = t.events[j].view().observed<dsim::quorum::Stored>(); s && s->key == stored->key) later = true;
      if (later) continue;
      fold.advance_to(end);
      const auto& keys = fold.nodes()[ev.node.value].state["keys"];
      if (stored->dots.empty()) {
        EXPECT_FALSE(keys.contains(stored->key)) << path << " #" << i << " " << keys.dump();
        ++emptied;
        continue;
      }
      ASSERT_TRUE(keys.contains(stored->key)) << path << " #" << i << " " << keys.dump();
      const std::string record = keys[stored->key].get<std::string>();
      const std::string context = stored->context.text(t.names);
      size_t siblings = 1;
      for (size_t at = record.find(" | "); at != std::string::npos; at = record.find(" | ", at + 3)) ++siblings;
      EXPECT_EQ(siblings, stored->dots.size()) << path << " #" << i << " " << record;
      ASSERT_GE(record.size(), context.size());
      EXPECT_EQ(record.substr(record.size() - context.size()), context) << path << " #" << i;
      ++checked;
    }
  }
  EXPECT_GE(checked, 100u);
  EXPECT_GE(emptied, 1u);  // join-leave: a server that no longer hosts a key drops its copy
}

// The orchestrator's records: after a saga begins it is in flight; after it ends it is not, and
// the counts of completed and compensated sagas are those observed so far, crashes and all.
TEST(StateRecords, TheOrchestratorShowsSagasInFlightAndEnded) {
  const auto path = traced("scenarios/saga/orchestrator-crash.json", 1);
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(path);
  dsim::cli::StateFold fold(t);
  uint64_t completed = 0, compensated = 0, begun = 0;
  for (size_t i = 0; i < t.events.size(); ++i) {
    const auto& ev = t.events[i];
    const auto* b = ev.view().observed<dsim::saga::Begun>();
    const auto* e = ev.view().observed<dsim::saga::Ended>();
    if (!b && !e) continue;
    // The rest of the handler may begin or end more sagas: judge this one after it.
    size_t end = i + 1;
    while (end < t.events.size() && t.events[end].time == ev.time && t.events[end].node == ev.node &&
           t.events[end].kind != dsim::sim::TraceKind::deliver && t.events[end].kind != dsim::sim::TraceKind::timer)
      ++end;
    fold.advance_to(end);
    const auto& state = fold.nodes()[0].state;
    const std::string name = dsim::saga::saga_text(b ? b->saga : e->saga);
    if (b) {
      ++begun;
      bool ends_here = false;
      for (size_t j = i + 1; j < end; ++j)
        if (const auto* x = t.events[j].view().observed<dsim::saga::Ended>(); x && x->saga == b->saga) ends_here = true;
      if (!ends_here) EXPECT_TRUE(state["in_flight"].contains(name)) << path << " #" << i << " " << state.dump();
      continue;
    }
    ++(e->completed ? completed : compensated);
    EXPECT_FALSE(state["in_flight"].contains(name)) << path << " #" << i;
    EXPECT_EQ(state["completed"].get<uint64_t>(), completed) << path << " #" << i;
    EXPECT_EQ(state["compensated"].get<uint64_t>(), compensated) << path << " #" << i;
  }
  EXPECT_GE(begun, 100u);
  EXPECT_GE(compensated, 10u);
}

TEST(StateRecords, DoNotChangeTheDigestAndCanBeLeftOut) {
  const std::string scenario = kRoot + "/scenarios/raft/leader-crash.json";
  const std::string with = tmp("with.jsonl"), without = tmp("without.jsonl");
  Result a = run_dsim("run " + scenario + " --trace " + with);
  Result b = run_dsim("run " + scenario + " --trace " + without + " --no-state");
  Result c = run_dsim("run " + scenario);
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(digest_of(a.out), digest_of(b.out));
  EXPECT_EQ(digest_of(a.out), digest_of(c.out));
  EXPECT_NE(slurp(with).find("\"ev\":\"state\""), std::string::npos);
  EXPECT_EQ(slurp(without).find("\"ev\":\"state\""), std::string::npos);
  // State records are not events: check and replay read past them.
  EXPECT_EQ(run_dsim("check " + with).code, 0);
  Result r = run_dsim("replay " + with);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST(StateRecords, AGarbledStateLineIsBadInput) {
  const auto path = traced("scenarios/raft/leader-crash.json", 1);
  std::string text = slurp(path);
  const auto at = text.find("\"ev\":\"state\"");
  ASSERT_NE(at, std::string::npos);
  const auto data = text.find("\"data\":", at);
  text.replace(data, 7, "\"data\":7,\"x\":");
  const auto bad = write("garbled_state.jsonl", text);
  Result r = run_dsim("state " + bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("state \"data\" must be an object"), std::string::npos) << r.err;
}

TEST(Log, NamesNodesAndTimersAndFiltersByNode) {
  const auto path = traced("scenarios/raft/leader-crash.json", 1);
  Result r = run_dsim("log " + path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("timer: election\n"), std::string::npos) << r.out.substr(0, 3000);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("raft\\.request_vote term=\\d+ candidate_id=n\\d")));
  EXPECT_EQ(r.out.find("tag "), std::string::npos) << "an unnamed timer";
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\\d+\\.\\d{3}ms  ")));
  Result n = run_dsim("log " + path + " --node n2 --from 1s --to 2s");
  ASSERT_EQ(n.code, 0) << n.err;
  size_t count = 0;
  for (const auto& line : split_lines(n.out)) {
    EXPECT_NE(line.find("n2"), std::string::npos) << line;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, std::regex("(\\d+)\\.(\\d{3})ms"))) << line;
    const long ms = std::stol(m[1]);
    EXPECT_TRUE(ms >= 1000 && ms <= 2000) << line;
    ++count;
  }
  EXPECT_GT(count, 10u);
}

TEST(Log, HideHeartbeatsRemovesEmptyAppendsAndTheirAnswers) {
  // Without clients every AppendEntries is a heartbeat: hidden with its answers, nothing is left.
  const auto idle = traced("scenarios/raft/leader-crash.json", 2, "--set workload.clients=0");
  Result all = run_dsim("log " + idle);
  Result quiet = run_dsim("log " + idle + " --hide heartbeats");
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_GT(std::count(all.out.begin(), all.out.end(), '\n'), 1000);
  EXPECT_NE(all.out.find("raft.append_entries_reply"), std::string::npos);
  EXPECT_EQ(quiet.out.find("raft.append_entries"), std::string::npos) << quiet.out.substr(0, 3000);
  EXPECT_NE(quiet.out.find("became_leader"), std::string::npos);
  // Under load, entries still travel and only the empty ones go.
  const auto busy = traced("scenarios/raft/leader-crash.json", 2);
  Result b = run_dsim("log " + busy + " --hide heartbeats");
  ASSERT_EQ(b.code, 0) << b.err;
  size_t appends = 0;
  for (const auto& line : split_lines(b.out))
    if (line.find("-> ") != std::string::npos && line.find("raft.append_entries ") != std::string::npos) {
      EXPECT_NE(line.find("entries=["), std::string::npos) << "an empty AppendEntries left in: " << line;
      ++appends;
    }
  EXPECT_GT(appends, 10u);
}

TEST(Log, StoryKeepsFaultsElectionsAndTheViolation) {
  const auto path = traced("scenarios/teaching/raft-figure8.json", 0);
  Result r = run_dsim("log " + path + " --story");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("became_leader"), std::string::npos);
  EXPECT_NE(r.out.find("FAULT"), std::string::npos);
  EXPECT_NE(r.out.find("^ VIOLATION of raft."), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("raft.append_entries"), std::string::npos);
  EXPECT_EQ(r.out.find("timer:"), std::string::npos);
}

TEST(Log, AroundViolationShowsTheWindowAndMarksTheEvent) {
  const auto path = traced("scenarios/teaching/raft-figure8.json", 0);
  Result r = run_dsim("log " + path + " --around-violation 3");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 8u) << r.out;  // 3 before, the event, its note, 3 after
  EXPECT_EQ(lines[3].find_first_not_of(' '), lines[3].find('>')) << r.out;
  EXPECT_NE(lines[4].find("^ VIOLATION"), std::string::npos);
  // A trace without a violation has nothing to be around.
  const auto clean = traced("scenarios/raft/leader-crash.json", 1);
  Result c = run_dsim("log " + clean + " --around-violation 3");
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("has no violation"), std::string::npos) << c.err;
}

TEST(Log, BadFlagsAreOneLineAndExit2) {
  const auto path = traced("scenarios/pingmesh/basic.json", 1);
  for (const auto& [flags, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"--node n99", "no such node"}, {"--unit parsecs", "must be s, ms, us or ns"}, {"--from soon", "--from"}}) {
    Result r = run_dsim("log " + path + " " + flags);
    EXPECT_EQ(r.code, 2) << flags;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  }
}

TEST(Log, LanesPutEachEventInItsNodesColumn) {
  const auto path = traced("scenarios/pingmesh/basic.json", 1);
  Result r = run_dsim("log " + path + " --lanes --width 20 --type send --to 50ms");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = split_lines(r.out);
  ASSERT_GT(lines.size(), 2u);
  const size_t n2 = lines[0].find("| n2");
  ASSERT_NE(n2, std::string::npos) << lines[0];
  bool seen = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    // A send by n2 starts in n2's column.
    if (lines[i].size() > n2 + 2 && lines[i].compare(n2, 5, "| -> ") == 0) seen = true;
  }
  EXPECT_TRUE(seen) << r.out;
}

TEST(State, ShowsTheLogMatrixAtTheViolation) {
  const auto path = traced("scenarios/teaching/raft-figure8.json", 0);
  Result r = run_dsim("state " + path + " --at violation");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("role=leader"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\\nindex +\\d+ +\\d+"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\\nn1 +\\d"))) << r.out;
  EXPECT_NE(r.out.find("*"), std::string::npos) << "the commit point is marked";
  EXPECT_NE(r.out.find("violation at #"), std::string::npos);
}

TEST(State, PointsOutsideTheRunAreBadInput) {
  const auto path = traced("scenarios/pingmesh/basic.json", 1);
  for (const auto& [at, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"'#99999999'", "the trace has events #0 to #"}, {"1h", "the run ends at"}, {"'#x'", "'#N'"}, {"soon", "--at soon"}}) {
    Result r = run_dsim("state " + path + " --at " + at);
    EXPECT_EQ(r.code, 2) << at << r.out;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  }
  // An earlier moment shows an earlier state.
  const auto raft = traced("scenarios/raft/leader-crash.json", 1);
  Result early = run_dsim("state " + raft + " --at 100ms");
  Result end = run_dsim("state " + raft);
  ASSERT_EQ(early.code, 0) << early.err;
  EXPECT_NE(early.out, end.out);
  EXPECT_NE(early.out.find("role=follower term=0"), std::string::npos) << early.out;
}

TEST(Step, AScriptBreaksOnAnElectionAndShowsTheStateChange) {
  const auto path = traced("scenarios/raft/leader-crash.json", 1);
  const auto script = write("script.txt", "break became_leader\ncontinue\nstate\nprev\nnext\nbreaks\nfrobnicate\nquit\n");
  Result r = sh(std::string(DSIM_BINARY) + " step " + path + " < " + script);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("breakpoint 1: became_leader"), std::string::npos);
  const auto after_continue = r.out.substr(r.out.find("> continue"));
  const auto first_line = split_lines(after_continue).at(1);
  EXPECT_NE(first_line.find("became_leader"), std::string::npos) << after_continue;
  EXPECT_TRUE(std::regex_search(after_continue, std::regex("state n\\d: .*role candidate -> leader"))) << after_continue;
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos);
  // prev then next comes back to the same event.
  const auto after_next = r.out.substr(r.out.find("> next"));
  EXPECT_EQ(split_lines(after_next).at(1), first_line);
}

}  // namespace

namespace {

// A linearizability violation reads as the rest of a run does: the client process by name,
// times in ms, and the server whose reply completed the operation (the lease lesson: the old
// leader n1, cut off with a slow clock, answers a stale read).
TEST(ViolationText, NamesTheClientTheServerThatAnsweredAndTimesInMs) {
  Result r = run_dsim("run " + kRoot + "/scenarios/teaching/raft-lease-clock-skew.json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("VIOLATION linearizable at t=\\d+\\.\\d{3}ms .*: (c\\d(p\\d)?) get \"k\\d\" -> ok "
                                                     "\"[^\"]*\" \\(\\d+\\.\\d{3}ms to \\d+\\.\\d{3}ms, "
                                                     "answered by (n\\d)\\) cannot take effect")))
      << r.out;
  EXPECT_EQ(m[3].str(), "n1");
}

}  // namespace

namespace {

// The summary of a commit protocol tells what the participants did, not only what the client
// was told: in the 3PC partition lesson the client hears "aborted" while n2 committed.
TEST(CommitSummary, ShowsTheParticipantsDecisions) {
  Result r = run_dsim("run " + kRoot + "/scenarios/teaching/threepc-partition.json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("the clients heard 0 committed, 1 aborted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decisions:  transaction 10000000000001: commit at n1 (coordinator) n2, abort at n3 n4: SPLIT, "
                       "atomicity broken"),
            std::string::npos)
      << r.out;
  Result nemesis = run_dsim("run " + kRoot + "/scenarios/twopc/nemesis.json");
  ASSERT_EQ(nemesis.code, 0) << nemesis.out << nemesis.err;
  EXPECT_TRUE(std::regex_search(nemesis.out, std::regex("decisions:  \\d{2,} transactions: \\d+ committed everywhere, \\d+ "
                                                        "aborted everywhere, 0 split")))
      << nemesis.out;
}

}  // namespace

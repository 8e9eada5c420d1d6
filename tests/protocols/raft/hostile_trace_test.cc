// The Raft invariants on observations from a garbled trace (`dsim check` of a file anyone can
// edit): a record of the wrong shape, an index that would size a mirror beyond the trace, or
// a log emptied below its first entry is an input error, never a read out of bounds or a huge
// allocation. Found by the trace fuzzer (tests/fuzz/trace.cc); the same inputs are replayed
// from tests/fuzz/regressions/trace/. Correct records keep working.
//
// Each record goes the way `dsim check` reads it: decoded by the registry's decoder (a body
// that does not fit is an input error naming the observation and the field, as
// sim::read_trace reports it), then fed to every Raft safety invariant.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>

#include "protocols/raft/invariants.h"
#include "protocols/raft/observations.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "tests/support/subprocess.h"
#include "tools/cli/trace_text.h"

namespace dsim::raft {
namespace {

using nlohmann::json;
using Factory = std::function<std::unique_ptr<sim::Invariant>(const sim::InvariantEnv&)>;

// Servers n1..n3 and client c1; observations fed to every Raft safety invariant at once.
class Trace {
 public:
  Trace() : topology_(3, 1), scenario_({{"protocol", {{"name", "raft"}}}}) {
    for (const Factory& make : {Factory(make_election_safety), Factory(make_leader_append_only),
                                Factory(make_log_matching), Factory(make_leader_completeness),
                                Factory(make_state_machine_safety)})
      invariants_.push_back(make(sim::InvariantEnv{&scenario_, &topology_, sim::Healing{}}));
  }
  Trace& observe(uint32_t node, const std::string& what, const json& data) {
    const sim::ValueDecoder& decode = protocols::registry().find("raft")->decode_observation;
    sim::MessagePtr value;
    try {
      value = decode(what, data);
    } catch (const std::invalid_argument& e) {
      throw sim::InputError("observation " + what + ": " + e.what());
    }
    if (!value) throw sim::InputError("unknown observation \"" + what + "\"");
    return feed(node, std::move(value));
  }
  // A typed observation fed as is, without the decoder's checks.
  template <class T>
  Trace& observe_undecoded(uint32_t node, T value) {
    return feed(node, sim::make_message<std::variant<T>>(std::move(value)));
  }
  bool any_violation() const {
    for (const auto& inv : invariants_)
      if (inv->violation()) return true;
    return false;
  }

 private:
  Trace& feed(uint32_t node, sim::MessagePtr value) {
    values_.push_back(std::move(value));
    sim::TraceEvent ev;
    ev.seq = seq_++;
    ev.kind = sim::TraceKind::observe;
    ev.node = sim::NodeId(node);
    ev.name = values_.back()->type_name();
    ev.msg = values_.back().get();
    for (auto& inv : invariants_) inv->on_event(ev);
    return *this;
  }

  sim::Topology topology_;
  json scenario_;
  std::vector<std::unique_ptr<sim::Invariant>> invariants_;
  std::deque<sim::MessagePtr> values_;
  uint64_t seq_ = 0;
};

// A log_append or apply body: entries first, first + 1, ... given as (term, digest) pairs.
json run(uint64_t first, std::initializer_list<std::pair<json, json>> entries) {
  json e = json::array();
  for (const auto& [term, digest] : entries) e.push_back({{"term", term}, {"digest", digest}});
  return {{"first", first}, {"entries", e}};
}

// The message of the InputError `f` throws ("" if it throws none).
std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(RaftHostileTrace, CorrectRecordsStillHold) {
  Trace t;
  t.observe(0, "became_leader", {{"term", 1}, {"last_index", 0}, {"last_term", 0}})
      .observe(0, "log_append", run(1, {{1, 11}, {1, 12}}))
      .observe(1, "log_append", run(1, {{1, 11}}))
      .observe(1, "log_append", run(2, {{1, 12}}))
      .observe(0, "commit", {{"index", 2}, {"term", 1}, {"leader_term", 1}})
      .observe(0, "apply", run(1, {{1, 11}, {1, 12}}))
      .observe(2, "snapshot_installed", {{"index", 2}, {"term", 1}, {"last_index", 2}})
      .observe(1, "log_truncate", {{"from", 2}})
      .observe(1, "apply", run(1, {{1, 11}}));
  EXPECT_FALSE(t.any_violation());
}

TEST(RaftHostileTrace, MalformedRecordsAreInputErrors) {
  // Each names the observation and what is wrong with it.
  EXPECT_EQ(input_error([] { Trace().observe(0, "log_append", json::object()); }),
            "observation log_append: missing field \"first\"")
      << "was a null dereference";
  EXPECT_EQ(input_error([] { Trace().observe(0, "log_append", run(0, {{1, 1}})); }),
            "observation log_append: field \"first\" must be at least 1 (the log starts at index 1)")
      << "index 0 emptied the mirror";
  EXPECT_EQ(input_error([] { Trace().observe(0, "log_append", {{"first", 1}, {"entries", {{{"term", 1}}}}}); }),
            "observation log_append: missing field \"digest\"")
      << "a term without digest";
  EXPECT_EQ(input_error([] { Trace().observe(0, "apply", run(1, {{"1", 1}})); }),
            "observation apply: field \"term\" must be an integer");
  EXPECT_EQ(input_error([] { Trace().observe(0, "apply", run(1, {{-1, 1}})); }),
            "observation apply: field \"term\" must be an integer from 0 to 18446744073709551615");
  EXPECT_EQ(input_error([] { Trace().observe(0, "log_append", {{"first", 1}}); }),
            "observation log_append: missing field \"entries\"");
  EXPECT_EQ(input_error([] { Trace().observe(0, "commit", json::array({5})); }),
            "observation commit: field \"data\" must be an object")
      << "was a heap overflow";
  EXPECT_EQ(input_error([] { Trace().observe(0, "became_leader", {{"term", 1e300}, {"last_index", 0}, {"last_term", 0}}); }),
            "observation became_leader: field \"term\" must be an integer")
      << "was a float-cast overflow";
  EXPECT_EQ(input_error([] { Trace().observe(0, "log_truncate", {{"from", 0}}); }),
            "observation log_truncate: field \"from\" must be at least 1 (the log starts at index 1)");
  EXPECT_EQ(input_error([] { Trace().observe(0, "stepped_down", {{"term", 1}, {"reason", "bored"}}); }),
            "observation stepped_down: field \"reason\" must be one of higher_term, check_quorum");
}

TEST(RaftHostileTrace, IndicesBeyondTheTraceAreInputErrors) {
  // Each once sized a vector by the index: a 16 TB allocation, or an overflow to size 0.
  EXPECT_EQ(input_error([] { Trace().observe(0, "log_append", run(1000000000000, {{1, 1}})); }),
            "log_append at index 1000000000000 leaves a gap after index 0");
  EXPECT_EQ(input_error([] {
              Trace().observe(0, "snapshot_installed", {{"index", 1000000000000}, {"term", 1}, {"last_index", 0}});
            }),
            "snapshot_installed at index 1000000000000, beyond any appended entry (0)");
  EXPECT_EQ(input_error([] { Trace().observe(0, "apply", run(1000000000000, {{1, 1}})); }),
            "apply up to index 1000000000000, beyond any appended entry (0)");
  EXPECT_EQ(input_error([] { Trace().observe(0, "apply", run(UINT64_MAX, {{1, 1}})); }),
            "apply up to index 18446744073709551615, beyond any appended entry (0)");
  // A run whose last index wraps around to a small one once passed the check above.
  EXPECT_EQ(input_error([] { Trace().observe(0, "apply", run(UINT64_MAX, {{1, 1}, {1, 1}})); }),
            "observation apply: field \"entries\" runs past the largest index (first 18446744073709551615, 2 entries)");
  Trace appended;
  appended.observe(0, "log_append", run(1, {{1, 1}}));
  EXPECT_EQ(input_error([&] { appended.observe(1, "apply", run(2, {{1, 1}})); }),
            "apply up to index 2, beyond any appended entry (1)")
      << "index 2 was never appended";
  // Truncating to index 0 left the mirror empty, and the commit below then read slot 1 of it.
  Trace truncated;
  EXPECT_EQ(input_error([&] {
              truncated.observe(0, "log_truncate", {{"from", 0}})
                  .observe(0, "commit", {{"index", 1}, {"term", 1}, {"leader_term", 1}});
            }),
            "observation log_truncate: field \"from\" must be at least 1 (the log starts at index 1)");
}

// The invariants do not rely on the decoder: fed the same impossible values directly, they
// still refuse them rather than index with them.
TEST(RaftHostileTrace, TheInvariantsRefuseImpossibleIndicesOnTheirOwn) {
  const EntryDigest e{Term{1}, 1};
  EXPECT_EQ(input_error([&] { Trace().observe_undecoded(0, LogAppend{{LogIndex{0}, {e}}}); }),
            "log_append at index 0 (the log starts at 1)");
  EXPECT_EQ(input_error([&] { Trace().observe_undecoded(0, LogTruncate{LogIndex{0}}); }),
            "log_truncate from index 0 (the log starts at 1)");
  EXPECT_EQ(input_error([&] {
              Trace()
                  .observe_undecoded(0, LogAppend{{LogIndex{1}, {e}}})
                  .observe_undecoded(0, Apply{{LogIndex{UINT64_MAX}, {e, e, e}}});
            }),
            "apply of 3 entries from index 18446744073709551615 runs past the largest index");
}

// The same through a trace file, as `dsim check` reads it: the reader names the line.
TEST(RaftHostileTrace, ATraceFileWithAnImpossibleIndexIsAnInputError) {
  const std::string path = dsim_test::write(
      "t.jsonl",
      R"({"build":"","dsim_trace":2,"scenario":{"protocol":{"name":"raft"}},"version":""})"
      "\n"
      R"({"seq":0,"t":0,"ev":"observe","node":"n1","what":"log_append","data":{"first":0,"entries":[]}})"
      "\n");
  EXPECT_EQ(input_error([&] { cli::load_trace(path); }),
            path + ":2: observation log_append: field \"first\" must be at least 1 (the log starts at index 1)");
}

}  // namespace
}  // namespace dsim::raft

// The Raft invariants on payloads from a garbled trace (`dsim check` of a file anyone can
// edit): a payload of the wrong shape, an index that would size a mirror beyond the trace,
// or a log emptied below its first entry is an input error, never a read out of bounds or a
// huge allocation. Found by the trace fuzzer (tests/fuzz/trace.cc); the same inputs are
// replayed from tests/fuzz/regressions/trace/. Correct payloads keep working.
#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "protocols/raft/invariants.h"
#include "sim/json_source.h"

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
  Trace& observe(uint32_t node, const char* what, json data) {
    data_.push_back(std::move(data));
    sim::TraceEvent ev;
    ev.seq = seq_++;
    ev.kind = sim::TraceKind::observe;
    ev.node = sim::NodeId(node);
    ev.name = what;
    ev.data = &data_.back();
    for (auto& inv : invariants_) inv->on_event(ev);
    return *this;
  }
  bool any_violation() const {
    for (const auto& inv : invariants_)
      if (inv->violation()) return true;
    return false;
  }

 private:
  sim::Topology topology_;
  json scenario_;
  std::vector<std::unique_ptr<sim::Invariant>> invariants_;
  std::deque<json> data_;
  uint64_t seq_ = 0;
};

TEST(RaftHostileTrace, CorrectPayloadsStillHold) {
  Trace t;
  t.observe(0, "became_leader", {{"term", 1}})
      .observe(0, "log_append", json::array({1, 1, 11, 1, 12}))
      .observe(1, "log_append", json::array({1, 1, 11}))
      .observe(1, "log_append", json::array({2, 1, 12}))
      .observe(0, "commit", json::array({2, 1, 1}))
      .observe(0, "apply", json::array({1, 1, 11, 1, 12}))
      .observe(2, "snapshot_installed", {{"index", 2}, {"term", 1}, {"last_index", 2}})
      .observe(1, "log_truncate", {{"from", 2}})
      .observe(1, "apply", json::array({1, 1, 11}));
  EXPECT_FALSE(t.any_violation());
}

TEST(RaftHostileTrace, MalformedEntriesAreInputErrors) {
  EXPECT_THROW(Trace().observe(0, "log_append", json::array()), sim::InputError) << "was a null dereference";
  EXPECT_THROW(Trace().observe(0, "log_append", json::array({0, 1, 1})), sim::InputError) << "index 0 emptied the mirror";
  EXPECT_THROW(Trace().observe(0, "log_append", json::array({1, 1})), sim::InputError) << "a term without digest";
  EXPECT_THROW(Trace().observe(0, "apply", json::array({1, "1", 1})), sim::InputError);
  EXPECT_THROW(Trace().observe(0, "apply", json::array({1, -1, 1})), sim::InputError);
  EXPECT_THROW(Trace().observe(0, "log_append", json{{"first", 1}}), sim::InputError);
  EXPECT_THROW(Trace().observe(0, "commit", json::array({5})), sim::InputError) << "was a heap overflow";
  EXPECT_THROW(Trace().observe(0, "became_leader", {{"term", 1e300}}), sim::InputError) << "was a float-cast overflow";
}

TEST(RaftHostileTrace, IndicesBeyondTheTraceAreInputErrors) {
  // Each once sized a vector by the index: a 16 TB allocation, or an overflow to size 0.
  EXPECT_THROW(Trace().observe(0, "log_append", json::array({1000000000000, 1, 1})), sim::InputError);
  EXPECT_THROW(Trace().observe(0, "snapshot_installed", {{"index", 1000000000000}, {"term", 1}, {"last_index", 0}}),
               sim::InputError);
  EXPECT_THROW(Trace().observe(0, "apply", json::array({1000000000000, 1, 1})), sim::InputError);
  EXPECT_THROW(Trace().observe(0, "apply", json::array({UINT64_MAX, 1, 1})), sim::InputError);
  Trace appended;
  appended.observe(0, "log_append", json::array({1, 1, 1}));
  EXPECT_THROW(appended.observe(1, "apply", json::array({2, 1, 1})), sim::InputError) << "index 2 was never appended";
  // Truncating to index 0 left the mirror empty, and the commit below then read slot 1 of it.
  Trace truncated;
  EXPECT_THROW(truncated.observe(0, "log_truncate", {{"from", 0}}).observe(0, "commit", json::array({1, 1, 1})),
               sim::InputError);
}

}  // namespace
}  // namespace dsim::raft

// InvariantSet on payloads an invariant cannot read (a garbled trace given to `dsim check`):
// an input error naming the event and the invariant, never an escaping nlohmann exception.
#include <gtest/gtest.h>

#include <functional>

#include "sim/invariant.h"
#include "sim/json_source.h"

namespace dsim::sim {
namespace {

// Reads data["x"] as an integer at every event, and again at the end.
class ReadsX final : public Invariant {
 public:
  void on_event(const TraceEvent& ev) override { last_ = ev.data->at("x").get<int64_t>(); }
  void on_end(Time) override { (void)seen_.at("x"); }

 private:
  int64_t last_ = 0;
  nlohmann::json seen_ = nlohmann::json::object();
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(InvariantSet, UnreadablePayloadIsAnInputErrorNamingTheEvent) {
  const Topology topology(3, 0);
  InvariantSet set(topology);
  auto inv = std::make_unique<ReadsX>();
  inv->set_name("test.reads_x");
  set.add(std::move(inv));
  const nlohmann::json good{{"x", 1}}, bad{{"y", 1}};
  TraceEvent ev;
  ev.seq = 7;
  ev.kind = TraceKind::observe;
  ev.node = NodeId(0);
  ev.name = "submit";
  ev.data = &good;
  set.on_event(ev);  // readable: nothing happens
  ev.data = &bad;
  const std::string what = error_of([&] { set.on_event(ev); });
  EXPECT_NE(what.find("trace event 7 (observe \"submit\")"), std::string::npos) << what;
  EXPECT_NE(what.find("invariant test.reads_x cannot read it"), std::string::npos) << what;
  EXPECT_NE(what.find("'x' not found"), std::string::npos) << what;
  const std::string at_end = error_of([&] { set.finish(Time::zero()); });
  EXPECT_NE(at_end.find("at the end of the trace: invariant test.reads_x"), std::string::npos) << at_end;
}

TEST(InvariantSet, SkippedInvariantIsReportedSkippedWithItsReason) {
  const Topology topology(3, 0);
  InvariantSet set(topology);
  auto inv = skipped_invariant("the network is lossy");
  inv->set_name("test.bound");
  set.add(std::move(inv));
  const nlohmann::json data{{"x", 1}};
  TraceEvent ev;
  ev.kind = TraceKind::observe;
  ev.node = NodeId(0);
  ev.name = "submit";
  ev.data = &data;
  set.on_event(ev);
  set.finish(Time::zero() + Duration::seconds(1));
  const auto results = set.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::skipped);
  EXPECT_EQ(results[0].detail, "the network is lossy");
  EXPECT_FALSE(set.any_violated());
}

}  // namespace
}  // namespace dsim::sim

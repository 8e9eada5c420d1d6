// The generic "linearizable" invariant over a real client history: a one-server key-value
// store with three clients (timeouts make some operations indeterminate). Correct code passes
// over many seeds; a server that answers reads from a stale copy is caught; the verdict read
// back from a JSONL trace is the live one.
#include <gtest/gtest.h>

#include <filesystem>
#include <variant>

#include "sim/check/linearizable_invariant.h"
#include "sim/json_source.h"
#include "sim/jsonl.h"
#include "sim/overloaded.h"
#include "sim/scenario.h"

namespace dsim::check {
namespace {

struct Request {
  static constexpr std::string_view type_name = "kvt.request";
  uint64_t id = 0;
  std::string f, key, value;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("id", self.id); v("f", self.f); v("key", self.key); v("value", self.value); }
};
struct Response {
  static constexpr std::string_view type_name = "kvt.response";
  uint64_t id = 0;
  std::string value;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("id", self.id); v("value", self.value); }
};
using Msg = std::variant<Request, Response>;
struct IssueTimer {
  static constexpr std::string_view type_name = "issue";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct TimeoutTimer {
  static constexpr std::string_view type_name = "timeout";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
using Timer = std::variant<IssueTimer, TimeoutTimer>;

// n1: the store. With `stale`, a get answers the value the key had before its latest put.
class Store final : public sim::ProcessOf<Msg> {
 public:
  explicit Store(bool stale) : stale_(stale) {}
  void on_message(sim::Context& ctx, sim::NodeId from, const Msg& m) override {
    const auto& r = std::get<Request>(m);
    if (r.f == "put") {
      previous_[r.key] = data_[r.key];
      data_[r.key] = r.value;
      send(ctx, from, Response{r.id, ""});
    } else {
      send(ctx, from, Response{r.id, stale_ ? previous_[r.key] : data_[r.key]});
    }
  }

 private:
  bool stale_;
  std::map<std::string, std::string> data_, previous_;
};

// A client: one operation at a time, 30% puts of unique values, a 40ms timeout -> info.
class Client final : public sim::ProcessOf<Msg, Timer> {
 public:
  void on_start(sim::Context& ctx) override { next(ctx); }
  void on_timer(sim::Context& ctx, sim::TimerId, const Timer& t) override {
    if (std::holds_alternative<TimeoutTimer>(t) && pending_) {  // timed out: the outcome is unknown
      ctx.client_complete(sim::Completion::info, op(), key_);
      pending_ = false;
      next(ctx);
    } else if (std::holds_alternative<IssueTimer>(t)) {
      issue(ctx);
    }
  }
  void on_message(sim::Context& ctx, sim::NodeId, const Msg& m) override {
    const auto& r = std::get<Response>(m);
    if (!pending_ || r.id != id_) return;
    pending_ = false;
    ctx.cancel_timer(timeout_);
    ctx.client_complete(sim::Completion::ok, op(), key_, f_ == "get" ? nlohmann::json(r.value) : nlohmann::json());
    next(ctx);
  }

 private:
  sim::ClientOp op() const { return f_ == "put" ? sim::ClientOp::put : sim::ClientOp::get; }
  void next(sim::Context& ctx) { set_timer(ctx, sim::Duration::millis(1), sim::Duration::millis(5), IssueTimer{}); }
  void issue(sim::Context& ctx) {
    ++id_;
    key_ = "k" + std::to_string(ctx.rng().uniform(2));
    f_ = ctx.rng().bernoulli(0.3) ? "put" : "get";
    const std::string value = f_ == "put" ? ctx.name(ctx.self()) + "-" + std::to_string(id_) : "";
    ctx.client_invoke(op(), key_, f_ == "put" ? nlohmann::json(value) : nlohmann::json());
    send(ctx, sim::NodeId(0), Request{id_, f_, key_, value});
    pending_ = true;
    timeout_ = set_timer(ctx, sim::Duration::millis(40), TimeoutTimer{});
  }
  uint64_t id_ = 0;
  bool pending_ = false;
  std::string f_, key_;
  sim::TimerId timeout_;
};

const sim::Registry& registry() {
  static const sim::Registry r = [] {
    sim::Registry reg;
    sim::ProtocolSpec p;
    p.name = "kvt";
    p.min_nodes = 1;
    p.history_model = "kv";
    p.bugs = {{"stale", "reads answer the value before the latest put"}};
    p.make_factory = [](const sim::ProtocolConfig& c) -> sim::ProcessFactory {
      const bool stale = c.has_bug("stale");
      return [stale](sim::NodeId id, const sim::Topology& t) -> std::unique_ptr<sim::Process> {
        if (t.role(id) == sim::Role::server) return std::make_unique<Store>(stale);
        return std::make_unique<Client>();
      };
    };
    p.decode = sim::message_decoder<Msg>();
    p.decode_timer = sim::timer_decoder<Timer>();
    reg.add(std::move(p));
    reg.add_generic({"linearizable", "", [](const sim::InvariantEnv&) { return make_linearizable_invariant("kv"); }});
    return reg;
  }();
  return r;
}

sim::Scenario scenario(uint64_t seed, bool stale) {
  const std::string text = R"({"protocol": {"name": "kvt", "bugs": )" + std::string(stale ? R"(["stale"])" : "[]") +
                           R"(}, "nodes": 1, "duration": "2s", "seed": )" + std::to_string(seed) +
                           R"(, "workload": {"clients": 3}, "network": {"latency": {"dist": "uniform", "min": "1ms", "max": "8ms"}, "loss": 0.02},
                             "invariants": ["linearizable"]})";
  return sim::parse_scenario(sim::ConfigSource(sim::parse_json_source(text, "kvt.json")), registry());
}

std::unique_ptr<sim::Invariant> linearizable() {
  auto inv = make_linearizable_invariant("kv");
  inv->set_name("linearizable");
  return inv;
}

// Runs live (optionally writing a trace) and returns the verdict.
sim::InvariantResult run(const sim::Scenario& s, const std::string& trace = "") {
  sim::Simulation sim(s.options(), s.topology(), s.network, s.protocol->make_factory(s.config));
  sim::InvariantSet invariants(sim.topology());
  invariants.add(linearizable());
  sim.add_sink(&invariants);
  std::unique_ptr<sim::JsonlSink> jsonl;
  if (!trace.empty()) {
    jsonl = std::make_unique<sim::JsonlSink>(trace, sim.topology(), sim::TraceHeader{sim::kTraceFormat, "test", "test", s.resolved});
    sim.add_sink(jsonl.get());
  }
  const sim::RunStats st = sim.run();
  invariants.finish(sim.end());
  if (jsonl) jsonl->commit(sim::TraceFooter{st.trace_records, st.events, st.end.ns(), "", nlohmann::json::object()});
  return invariants.results().at(0);
}

TEST(LinearizableInvariant, CorrectStorePassesManySeeds) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    auto r = run(scenario(seed, false));
    EXPECT_EQ(r.verdict, sim::Verdict::holds) << "seed " << seed << ": " << (r.violation ? r.violation->what : r.detail);
  }
}

TEST(LinearizableInvariant, StaleReadsAreCaughtAndPinnedToAnEvent) {
  int caught = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    auto r = run(scenario(seed, true));
    if (r.verdict == sim::Verdict::violated) {
      ++caught;
      EXPECT_NE(r.violation->what.find("not linearizable"), std::string::npos);
      EXPECT_GT(r.violation->seq, 0u);
    }
  }
  EXPECT_EQ(caught, 10);
}

TEST(LinearizableInvariant, OfflineVerdictFromTheTraceMatchesTheLiveOne) {
  for (bool stale : {false, true}) {
    const std::string path = testing::TempDir() + "dsim_kvt_" + (stale ? "stale" : "ok") + ".jsonl";
    const auto live = run(scenario(3, stale), path);
    const sim::Topology topology(1, 3);  // must outlive the set, which keeps a pointer to it
    sim::InvariantSet offline_set(topology);
    offline_set.add(linearizable());
    sim::TraceReadResult read = sim::read_trace(
        path, registry(), {}, [](const sim::Scenario&) {}, [&](const sim::TraceEvent& ev) { offline_set.on_event(ev); });
    offline_set.finish(sim::Time::from_ns(read.footer.end_ns));
    const auto offline = offline_set.results().at(0);
    EXPECT_EQ(offline.verdict, live.verdict);
    if (live.violation) {
      ASSERT_TRUE(offline.violation.has_value());
      EXPECT_EQ(offline.violation->seq, live.violation->seq);
    }
    std::filesystem::remove(path);
  }
}

// Client events fed straight to the invariant: (node, logical process, type, f, value).
struct Op {
  uint32_t node, process;
  const char* type;
  const char* f;
  nlohmann::json value;
};

sim::InvariantResult check_events(const std::vector<Op>& events, const CheckOptions& options = {}) {
  const sim::Topology topology(1, 2);
  sim::InvariantSet set(topology);
  auto inv = make_linearizable_invariant("kv", {}, options);
  inv->set_name("linearizable");
  set.add(std::move(inv));
  uint64_t seq = 0;
  std::vector<sim::MessagePtr> boxes;
  for (const Op& c : events) {
    sim::ClientEvent data;
    data.f = std::string_view(c.f) == "put" ? sim::ClientOp::put : sim::ClientOp::get;
    data.key = "k";
    data.value = c.value;
    data.process = c.process;
    boxes.push_back(sim::make_message<std::variant<sim::ClientEvent>>(std::move(data)));
    sim::TraceEvent ev;
    ev.seq = ++seq;
    ev.time = sim::Time::from_ns(static_cast<int64_t>(seq) * 1000);
    ev.kind = sim::TraceKind::client;
    ev.node = sim::NodeId(c.node);
    ev.name = c.type;
    ev.msg = boxes.back().get();
    set.on_event(ev);
  }
  set.finish(sim::Time::from_ns(static_cast<int64_t>(seq + 1) * 1000));
  return set.results().at(0);
}

// Two logical processes of one client node (c1 = node 1) with overlapping operations: each is
// its own Jepsen process, so this is a valid (and linearizable) history, not "two outstanding
// operations for one process".
TEST(LinearizableInvariant, LogicalProcessesOfOneNodeAreSeparateJepsenProcesses) {
  const std::vector<Op> overlapping = {
      {1, 0, "invoke", "put", "x"}, {1, 1, "invoke", "get", nullptr}, {1, 1, "ok", "get", ""},
      {1, 0, "ok", "put", nullptr}, {1, 1, "invoke", "get", nullptr}, {1, 1, "ok", "get", "x"},
  };
  const auto r = check_events(overlapping);
  EXPECT_EQ(r.verdict, sim::Verdict::holds) << (r.violation ? r.violation->what : r.detail);

  // The same events on one process are malformed: the second invoke finds one outstanding.
  std::vector<Op> one_process = overlapping;
  for (auto& e : one_process) e.process = 0;
  const auto bad = check_events(one_process);
  ASSERT_EQ(bad.verdict, sim::Verdict::violated);
  EXPECT_NE(bad.violation->what.find("outstanding"), std::string::npos) << bad.violation->what;

  // And the processes are really checked together: process 1 reading "x" before process 0's
  // put was even invoked is not linearizable, and the message names node and process.
  const auto stale = check_events({{1, 1, "invoke", "get", nullptr}, {1, 1, "ok", "get", "x"},
                                   {1, 0, "invoke", "put", "x"}, {1, 0, "ok", "put", nullptr}});
  ASSERT_EQ(stale.verdict, sim::Verdict::violated);
  EXPECT_NE(stale.violation->what.find("not linearizable"), std::string::npos) << stale.violation->what;
}

// The live check uses the same bounded search: when its memory budget runs out the invariant
// is skipped with the reason, never a violation guessed from a search cut short.
TEST(LinearizableInvariant, ExhaustedMemoryBudgetSkipsAndGuessesNothing) {
  // 24 overlapping puts, then a get of a value nobody put: refuting it visits ~2^24 configurations.
  std::vector<Op> hard;
  for (uint32_t p = 0; p < 24; ++p) hard.push_back({1, p, "invoke", "put", p});
  for (uint32_t p = 0; p < 24; ++p) hard.push_back({1, p, "ok", "put", nullptr});
  hard.push_back({1, 99, "invoke", "get", nullptr});
  hard.push_back({1, 99, "ok", "get", "nope"});
  CheckOptions small;
  small.max_memory_bytes = size_t{1} << 20;
  small.budget = std::chrono::minutes(10);  // memory, not time, must be what stops it
  const auto r = check_events(hard, small);
  EXPECT_EQ(r.verdict, sim::Verdict::skipped) << (r.violation ? r.violation->what : r.detail);
  EXPECT_EQ(r.detail, "linearizability unknown: memory budget of 1 MiB exhausted (no verdict is guessed)");

  // The same budget still decides a small history: a stale read is a violation.
  const auto stale = check_events({{1, 0, "invoke", "put", "x"}, {1, 0, "ok", "put", nullptr},
                                   {1, 1, "invoke", "get", nullptr}, {1, 1, "ok", "get", ""}},
                                  small);
  EXPECT_EQ(stale.verdict, sim::Verdict::violated);
}

}  // namespace
}  // namespace dsim::check

// check::ClientHistory: client trace events become history events with one process per
// (node, logical process), and each completed operation knows the server whose delivered
// reply completed it (none for a timeout: nothing is invented). to_dsim_line writes what
// parse_dsim_history reads back.
#include <gtest/gtest.h>

#include <sstream>

#include "sim/check/client_history.h"
#include "sim/observe.h"
#include "sim/reflect.h"

namespace dsim::check {
namespace {

// n1 n2 n3 are servers, c1 c2 clients (indexes 3, 4).
const std::vector<std::string> kNames = {"n1", "n2", "n3", "c1", "c2"};

struct Script {
  ClientHistory clients{kNames};
  std::vector<Event> out;
  std::vector<nlohmann::json> keep;  // data outlives the views
  uint64_t seq = 0;

  void feed(sim::TraceKind kind, uint32_t node, int64_t ms, std::string_view name = "", uint32_t peer = 0,
            nlohmann::json data = nullptr) {
    keep.push_back(std::move(data));
    sim::TraceEvent ev;
    ev.seq = seq++;
    ev.time = sim::Time::zero() + sim::Duration::millis(ms);
    ev.kind = kind;
    ev.node = sim::NodeId(node);
    ev.peer = sim::NodeId(peer);
    ev.name = name;
    ev.data = keep.back().is_null() ? nullptr : &keep.back();
    if (auto e = clients.on_event(ev)) out.push_back(*e);
  }
  std::vector<sim::MessagePtr> boxes;
  // A client event as the runtime records it; `data` holds f, key and optionally value, process.
  void client(uint32_t node, int64_t ms, std::string_view type, const nlohmann::json& data) {
    sim::ClientEvent c;
    sim::from_json_value(data.at("f"), c.f, "f");
    c.key = data.at("key").get<std::string>();
    c.value = data.value("value", nlohmann::json());
    c.process = data.value("process", 0u);
    boxes.push_back(sim::make_message<std::variant<sim::ClientEvent>>(std::move(c)));
    sim::TraceEvent ev;
    ev.seq = seq++;
    ev.time = sim::Time::zero() + sim::Duration::millis(ms);
    ev.kind = sim::TraceKind::client;
    ev.node = sim::NodeId(node);
    ev.name = type;
    ev.msg = boxes.back().get();
    if (auto e = clients.on_event(ev)) out.push_back(*e);
  }
};

TEST(ClientHistory, DistinctNodeProcessPairsAreDistinctProcesses) {
  Script s;
  s.client(3, 1, "invoke", {{"f", "put"}, {"key", "k"}, {"value", "a"}});                   // c1 p0
  s.client(3, 2, "invoke", {{"f", "get"}, {"key", "k"}, {"process", 1}});                    // c1 p1
  s.client(4, 3, "invoke", {{"f", "get"}, {"key", "k"}});                                    // c2 p0
  s.client(4, 4, "invoke", {{"f", "get"}, {"key", "j"}, {"process", 1}});                    // c2 p1
  ASSERT_EQ(s.out.size(), 4u);
  EXPECT_EQ(s.out[0].process, 0);
  EXPECT_EQ(s.out[1].process, 1);
  EXPECT_EQ(s.out[2].process, 2);
  EXPECT_EQ(s.out[3].process, 3);
  EXPECT_EQ(s.clients.process_name(0), "c1");
  EXPECT_EQ(s.clients.process_name(1), "c1p1");
  EXPECT_EQ(s.clients.process_name(2), "c2");
  EXPECT_EQ(s.clients.process_name(3), "c2p1");
  EXPECT_EQ(s.out[0].time, 1'000'000);
  EXPECT_EQ(s.out[0].value, "a");
}

TEST(ClientHistory, TheServerWhoseReplyCompletedAnOperationAnsweredIt) {
  Script s;
  s.client(3, 1, "invoke", {{"f", "put"}, {"key", "k"}, {"value", "a"}});        // seq 0
  s.client(3, 2, "invoke", {{"f", "get"}, {"key", "k"}, {"process", 1}});         // seq 1
  s.feed(sim::TraceKind::deliver, 3, 10, "kv.reply", /*peer=*/2);                 // from n3
  s.client(3, 10, "ok", {{"f", "put"}, {"key", "k"}});                            // c1's put: n3
  s.feed(sim::TraceKind::timer, 3, 50);                                           // c1p1 times out
  s.client(3, 50, "info", {{"f", "get"}, {"key", "k"}, {"process", 1}});
  s.feed(sim::TraceKind::deliver, 4, 60, "kv.reply", /*peer=*/0);                 // a reply to c2 from n1...
  s.client(3, 61, "invoke", {{"f", "get"}, {"key", "k"}});                        // seq 7, c1 again
  s.feed(sim::TraceKind::timer, 3, 70);                                           // ...c1 woken by a timer
  s.client(3, 70, "fail", {{"f", "get"}, {"key", "k"}});                          // no server: none named
  EXPECT_EQ(s.clients.answered_by(0), "n3");
  EXPECT_EQ(s.clients.answered_by(1), "");
  EXPECT_EQ(s.clients.answered_by(7), "");

  Operation put;
  put.process = 0, put.f = "put", put.key = "k", put.input = "a", put.call = 1'000'000, put.ret = 10'000'000;
  put.status = Status::ok, put.line = 0;
  EXPECT_EQ(s.clients.describe(put), "c1 put \"k\" \"a\" -> ok (1.000ms to 10.000ms, answered by n3)");
  Operation get;
  get.process = 1, get.f = "get", get.key = "k", get.call = 2'000'000, get.status = Status::info, get.line = 1;
  EXPECT_EQ(s.clients.describe(get), "c1p1 get \"k\" -> info (from 2.000ms, no answer)");
}

TEST(ClientHistory, ARestartForgetsWhatWokeTheNode) {
  Script s;
  s.client(3, 1, "invoke", {{"f", "get"}, {"key", "k"}});
  s.feed(sim::TraceKind::deliver, 3, 5, "kv.reply", 1);
  s.feed(sim::TraceKind::crash, 3, 6);
  s.feed(sim::TraceKind::restart, 3, 7);
  s.client(3, 7, "fail", {{"f", "get"}, {"key", "k"}});  // on_start after the restart
  EXPECT_EQ(s.clients.answered_by(0), "");
}

TEST(ClientHistory, DsimLinesReadBackAsTheSameHistory) {
  std::vector<Event> events(4);
  events[0] = Event{0, Event::Type::invoke, "cas", "k\"1", nlohmann::json::array({"a", "b"}), 5};
  events[1] = Event{7, Event::Type::invoke, "get", "", nullptr, 6};
  events[2] = Event{0, Event::Type::ok, "cas", "k\"1", false, 9};
  events[3] = Event{7, Event::Type::info, "get", "", nullptr, 9};
  std::string text;
  for (const auto& e : events) text += to_dsim_line(e) + "\n";
  EXPECT_EQ(text.substr(0, text.find('\n')),
            R"({"process":0,"type":"invoke","f":"cas","key":"k\"1","value":["a","b"],"time":5})");
  std::istringstream in(text);
  const History h = parse_dsim_history(in);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(to_string(h.ops[0]), "p0 cas \"k\\\"1\" [\"a\",\"b\"] -> ok false @[5,9]");
  EXPECT_EQ(to_string(h.ops[1]), "p7 get -> info @[6,inf)");
}

}  // namespace
}  // namespace dsim::check

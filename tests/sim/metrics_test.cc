// Summary metrics from the trace: messages by type, client outcomes and latency percentiles.
#include <gtest/gtest.h>

#include "sim/metrics.h"
#include "sim/observe.h"

namespace dsim::sim {
namespace {

TEST(Metrics, NearestRankPercentiles) {
  std::vector<int64_t> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(percentile(v, 0.5), 50);
  EXPECT_EQ(percentile(v, 0.99), 99);
  EXPECT_EQ(percentile(v, 1.0), 100);
  EXPECT_EQ(percentile({}, 0.5), 0);
  EXPECT_EQ(percentile({7}, 0.99), 7);
}

TEST(Metrics, ClientLatenciesAndMessageTypes) {
  Metrics m;
  nlohmann::json op{{"f", "get"}, {"key", "k"}, {"value", nullptr}};
  auto client = [&](uint32_t node, int64_t t_ms, std::string_view what) {
    TraceEvent ev;
    ev.kind = TraceKind::client;
    ev.node = NodeId(node);
    ev.time = Time::zero() + Duration::millis(t_ms);
    ev.name = what;
    ev.data = &op;
    m.on_event(ev);
  };
  client(5, 0, "invoke");
  client(6, 0, "invoke");
  client(5, 10, "ok");      // 10ms
  client(6, 30, "ok");      // 30ms
  client(5, 40, "invoke");
  client(5, 90, "info");    // indeterminate: no latency sample
  TraceEvent send;
  send.kind = TraceKind::send;
  send.name = "x.ping";
  m.on_event(send);
  m.on_event(send);
  const MetricLines lines = m.report(Time::zero() + Duration::seconds(1));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].second, "x.ping 2");
  EXPECT_NE(lines[1].second.find("2 ok, 0 fail, 1 info"), std::string::npos) << lines[1].second;
  EXPECT_NE(lines[2].second.find("p50 10.000ms"), std::string::npos) << lines[2].second;
  EXPECT_NE(lines[2].second.find("p99 30.000ms"), std::string::npos) << lines[2].second;
}

// Two logical processes of one node overlap: each completion pairs with its own invocation.
TEST(Metrics, LogicalProcessesOfOneNodeAreTimedSeparately) {
  Metrics m;
  const MessagePtr p0 = make_message<std::variant<ClientEvent>>(ClientEvent{ClientOp::get, "k", nullptr, 0});
  const MessagePtr p1 = make_message<std::variant<ClientEvent>>(ClientEvent{ClientOp::get, "k", nullptr, 1});
  auto client = [&](const MessagePtr& data, int64_t t_ms, std::string_view what) {
    TraceEvent ev;
    ev.kind = TraceKind::client;
    ev.node = NodeId(5);
    ev.time = Time::zero() + Duration::millis(t_ms);
    ev.name = what;
    ev.msg = data.get();
    m.on_event(ev);
  };
  client(p0, 0, "invoke");
  client(p1, 20, "invoke");
  client(p0, 30, "ok");  // 30ms, not 10ms
  client(p1, 25 + 20, "ok");  // 25ms
  const MetricLines lines = m.report(Time::zero() + Duration::seconds(1));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].second.find("2 ok, 0 fail, 0 info"), std::string::npos) << lines[0].second;
  EXPECT_NE(lines[1].second.find("p50 25.000ms"), std::string::npos) << lines[1].second;
  EXPECT_NE(lines[1].second.find("max 30.000ms"), std::string::npos) << lines[1].second;
}

}  // namespace
}  // namespace dsim::sim

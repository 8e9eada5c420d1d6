// Summary metrics from the trace: messages by type, client outcomes and latency percentiles.
#include <gtest/gtest.h>

#include "sim/metrics.h"

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
  EXPECT_NE(lines[2].second.find("p50 0.01s"), std::string::npos) << lines[2].second;
  EXPECT_NE(lines[2].second.find("p99 0.03s"), std::string::npos) << lines[2].second;
}

}  // namespace
}  // namespace dsim::sim

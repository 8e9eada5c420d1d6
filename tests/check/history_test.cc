// HistoryBuilder rules and the three parsers (dsim JSON Lines, Jepsen etcd log, Porcupine kv).
#include <gtest/gtest.h>

#include <sstream>

#include "sim/check/history.h"

namespace dsim::check {
namespace {

History dsim(const std::string& text) {
  std::istringstream in(text);
  return parse_dsim_history(in);
}

std::string error_of(const std::string& text) {
  try {
    dsim(text);
  } catch (const HistoryError& e) {
    return e.what();
  }
  return "";
}

TEST(History, DsimFormatBuildsOperations) {
  const History h = dsim(
      R"({"process":0,"type":"invoke","f":"put","key":"k1","value":"x","time":10}
{"process":1,"type":"invoke","f":"get","key":"k1","time":11}

{"process":0,"type":"ok","f":"put","key":"k1","value":"x","time":12}
{"process":1,"type":"info","f":"get","key":"k1","time":13}
{"process":2,"type":"invoke","f":"cas","key":"k1","value":["x","y"],"time":14}
{"process":2,"type":"fail","f":"cas","time":15}
{"process":3,"type":"invoke","f":"put","key":"k2","value":"z","time":16}
)");
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h.ops[0].f, "put");
  EXPECT_EQ(h.ops[0].input, "x");
  EXPECT_EQ(h.ops[0].call, 10);
  EXPECT_EQ(h.ops[0].ret, 12);
  EXPECT_EQ(h.ops[0].status, Status::ok);
  EXPECT_EQ(h.ops[1].status, Status::info);
  EXPECT_EQ(h.ops[1].ret, kInfinity);
  EXPECT_EQ(h.ops[2].status, Status::fail);
  EXPECT_EQ(h.ops[2].input, json::array({"x", "y"}));
  EXPECT_EQ(h.ops[3].status, Status::info) << "never returned: indeterminate";
  EXPECT_EQ(h.ops[3].ret, kInfinity);
  EXPECT_EQ(to_string(h.ops[2]), R"(p2 cas "k1" ["x","y"] -> fail @[14,15])");
}

TEST(History, DsimTimeDefaultsToLineNumber) {
  const History h = dsim(R"({"process":0,"type":"invoke","f":"read"}
{"process":0,"type":"ok","f":"read","value":3})");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.ops[0].call, 1);
  EXPECT_EQ(h.ops[0].ret, 2);
  EXPECT_EQ(h.ops[0].output, 3);
}

TEST(History, StreamErrorsNameTheLine) {
  EXPECT_EQ(error_of(R"({"process":0,"type":"ok","f":"read"})"),
            "line 1: ok of read for process 0 which has no outstanding invocation");
  EXPECT_EQ(error_of("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}"),
            "line 2: process 0 invokes read while its operation from line 1 is outstanding");
  EXPECT_EQ(error_of("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"write\"}"),
            "line 2: ok of write for process 0 whose outstanding invocation (line 1) is read");
  EXPECT_EQ(error_of(R"({"process":0,"type":"done","f":"read"})"),
            "line 1: \"type\" must be one of invoke, ok, fail, info");
  EXPECT_EQ(error_of(R"({"process":0,"type":"invoke","f":"read","tmie":3})"),
            "line 1: unknown field \"tmie\" (expected process, type, f, key, value, time)");
  EXPECT_EQ(error_of("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":5}\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"time\":4}"),
            "line 2: time 4 goes backwards (previous event at 5)");
  EXPECT_NE(error_of("{nope"), "");
}

TEST(History, JepsenEtcdLog) {
  std::istringstream in(
      "some header line\n"
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 0\t:ok\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 2\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 3\t:fail\t:read\t:timed-out\n"
      "INFO  jepsen.util - 4\t:invoke\t:write\t1\n");
  const History h = parse_jepsen_etcd_log(in);
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h.ops[0].output, nullptr);
  EXPECT_EQ(h.ops[0].status, Status::ok);
  EXPECT_EQ(h.ops[1].input, json::array({3, 0}));
  EXPECT_EQ(h.ops[1].status, Status::fail);
  EXPECT_EQ(h.ops[2].status, Status::info);
  EXPECT_EQ(h.ops[3].status, Status::info) << "a timed-out read is indeterminate";
  EXPECT_EQ(h.ops[4].status, Status::info) << "never returned";
  EXPECT_EQ(h.ops[0].call, 2) << "time is the line number";
}

TEST(History, PorcupineKv) {
  std::istringstream in(
      "{:process 0, :type :invoke, :f :get, :key \"3\", :value nil}\n"
      "{:process 1, :type :invoke, :f :append, :key \"3\", :value \"x 1 0 y\"}\n"
      "{:process 0, :type :ok, :f :get, :key \"3\", :value \"x 0 1 y\"}\n"
      "{:process 1, :type :ok, :f :append, :key \"3\", :value \"x 1 0 y\"}\n");
  const History h = parse_porcupine_kv(in);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.ops[0].key, "3");
  EXPECT_EQ(h.ops[0].output, "x 0 1 y");
  EXPECT_EQ(h.ops[1].input, "x 1 0 y");
  EXPECT_EQ(h.ops[1].ret, 4);
  std::istringstream bad("{:process 0, :type :invoke, :f :get, :key \"3\", :value nil\n");
  EXPECT_THROW(parse_porcupine_kv(bad), HistoryError);
}

}  // namespace
}  // namespace dsim::check

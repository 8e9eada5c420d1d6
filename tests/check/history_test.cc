// HistoryBuilder rules and the three parsers (dsim JSON Lines, Jepsen etcd log, Porcupine kv).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "sim/check/history.h"
#include "sim/check/history_input.h"

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

template <class Parse>
std::string error_in(Parse parse, const std::string& text) {
  std::istringstream in(text);
  try {
    parse(in);
  } catch (const HistoryError& e) {
    return e.what();
  }
  return "";
}

// An invocation with the given "process" and "time" JSON texts, on line 2.
std::string dsim_line2(const std::string& process, const std::string& time) {
  return "\n{\"process\":" + process + ",\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k1\",\"value\":\"x\",\"time\":" +
         time + "}";
}

TEST(History, DsimIntegersOutOfRangeAreErrorsNamingFieldLineAndValue) {
  const std::string time_range = "\"time\" must be an integer in [0, 9223372036854775806], got ";
  const std::string process_range = "\"process\" must be an integer in [0, 2147483647], got ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dsim_line2("0", "1e999"), time_range + "1e999"},  // nlohmann: out_of_range 406, not parse_error
      {dsim_line2("0", "-1e999"), time_range + "-1e999"},
      {dsim_line2("0", "1.5"), time_range + "1.5"},
      {dsim_line2("0", "1e30"), time_range + "1e30"},
      {dsim_line2("0", "1.0"), time_range + "1.0"},
      {dsim_line2("0", "-1"), time_range + "-1"},
      {dsim_line2("0", "9223372036854775807"), time_range + "9223372036854775807"},
      {dsim_line2("0", "9223372036854775808"), time_range + "9223372036854775808"},
      {dsim_line2("0", "18446744073709551616"), time_range + "18446744073709551616"},
      {dsim_line2("0", "\"5\""), time_range + "\"5\""},
      {dsim_line2("-1", "1"), process_range + "-1"},
      {dsim_line2("1e20", "1"), process_range + "1e20"},
      {dsim_line2("1e999", "1"), process_range + "1e999"},
      {dsim_line2("4294967296", "1"), process_range + "4294967296"},
      {dsim_line2("2147483648", "1"), process_range + "2147483648"},
      {dsim_line2("null", "1"), process_range + "null"},
  };
  for (const auto& [text, what] : cases) EXPECT_EQ(error_of(text), "line 2: " + what) << text;
  // The largest values are accepted.
  const History h = dsim(dsim_line2("2147483647", "9223372036854775806"));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.ops[0].process, 2147483647);
  EXPECT_EQ(h.ops[0].call, kInfinity - 1);
}

TEST(History, DsimValuesJsonCannotHoldAndDeepNestingAreErrors) {
  EXPECT_EQ(error_of(R"({"process":0,"type":"invoke","f":"put","value":[1,-1e999]})"),
            "line 1: \"value\": number -1e999 is out of range");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(error_of(R"({"process":0,"type":"invoke","f":"put","value":)" + deep + "}"),
            "line 1: JSON nested more than 64 levels deep");
  const std::string ok = std::string(60, '[') + std::string(60, ']');
  EXPECT_EQ(error_of(R"({"process":0,"type":"invoke","f":"put","value":)" + ok + "}"), "");
}

TEST(History, ErrorsQuoteAtMostSixtyCharactersOfInput) {
  const std::string long_name(5000, 'z');
  const std::string e1 = error_of(R"({"process":0,"type":"invoke","f":"put",")" + long_name + R"(":1})");
  EXPECT_EQ(e1, "line 1: unknown field \"" + std::string(kShownChars, 'z') +
                    "...\" (expected process, type, f, key, value, time)");
  const std::string e2 = error_of(R"({"process":0,"type":"invoke","f":"put","key":")" + long_name);
  EXPECT_EQ(e2.rfind("line 1: not JSON at column ", 0), 0u) << e2;
  EXPECT_NE(e2.find("last read: '\"" + std::string(kShownChars - 1, 'z') + "...'"), std::string::npos) << e2;
  EXPECT_LT(e2.size(), 200u) << e2;
  const std::string e3 = error_of("{\"process\":0,\"type\":\"ok\",\"f\":\"" + long_name + "\"}");
  EXPECT_EQ(e3, "line 1: ok of " + std::string(kShownChars, 'z') + "... for process 0 which has no outstanding invocation");
}

TEST(History, JepsenIntegersOutOfRangeAreErrors) {
  const std::string range = "must be an integer in [0, 2147483647], got ";
  EXPECT_EQ(error_in(parse_jepsen_etcd_log, "INFO  jepsen.util - 99999999999999999999\t:invoke\t:read\tnil\n"),
            "line 1: the process " + range + "99999999999999999999");
  EXPECT_EQ(error_in(parse_jepsen_etcd_log, "x\nINFO  jepsen.util - -3\t:invoke\t:read\tnil\n"),
            "line 2: the process " + range + "-3");
  EXPECT_EQ(error_in(parse_jepsen_etcd_log, "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 9223372036854775808]\n"),
            "line 1: a Jepsen value must be an integer in [-9223372036854775808, 9223372036854775807], got "
            "9223372036854775808");
  EXPECT_EQ(error_in(parse_jepsen_etcd_log, "INFO  jepsen.util - 1\t:invoke\t:write\t[[1]]\n"),
            "line 1: cannot read Jepsen value '[1]'");
  // The nemesis (a keyword process) is still not an operation, and not an error.
  EXPECT_EQ(error_in(parse_jepsen_etcd_log, "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"), "");
}

TEST(History, PorcupineIntegersOutOfRangeAndBadUtf8AreErrors) {
  const auto line = [](const std::string& process, const std::string& key, const std::string& value) {
    return "{:process " + process + ", :type :invoke, :f :put, :key " + key + ", :value " + value + "}\n";
  };
  EXPECT_EQ(error_in(parse_porcupine_kv, line("99999999999999999999", "\"3\"", "nil")),
            "line 1: :process must be an integer in [0, 2147483647], got 99999999999999999999");
  EXPECT_EQ(error_in(parse_porcupine_kv, line("-1", "\"3\"", "nil")),
            "line 1: :process must be an integer in [0, 2147483647], got -1");
  EXPECT_EQ(error_in(parse_porcupine_kv, line("0", "\"3\"", "-9223372036854775809")),
            "line 1: :value must be an integer in [-9223372036854775808, 9223372036854775807], got "
            "-9223372036854775809");
  EXPECT_EQ(error_in(parse_porcupine_kv, line("0", "\"\xff\"", "nil")),
            "line 1: an EDN string is not valid UTF-8: \\xFF");
  EXPECT_EQ(error_in(parse_porcupine_kv, line("0", "\"3\"", ":a\xc3")),
            "line 1: an EDN keyword is not valid UTF-8: a\\xC3");
  EXPECT_EQ(error_in(parse_porcupine_kv, line("2147483647", "\"3\"", "-9223372036854775808")), "");
}

}  // namespace
}  // namespace dsim::check

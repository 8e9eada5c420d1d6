// The engine's side of hostile input: decoding refuses numbers a field cannot hold, durations
// stop at 100 days, Time/Duration arithmetic is checked (never wraps), and echoed input is
// escaped and bounded.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include <sstream>

#include "sim/json_source.h"
#include "sim/printable.h"
#include "sim/reflect.h"
#include "sim/time.h"

namespace dsim::sim {
namespace {

struct Narrow {
  uint32_t round = 0;
  int8_t small = 0;
  int64_t wide = 0;
  template <class Self, class V>
  static void reflect(Self& s, V&& v) {
    v("round", s.round);
    v("small", s.small);
    v("wide", s.wide);
  }
};

Narrow decode(const std::string& text) {
  Narrow n;
  from_json_value(nlohmann::json::parse(text), n, "narrow");
  return n;
}

TEST(Limits, DecodingRefusesValuesTheFieldCannotHold) {
  EXPECT_EQ(decode(R"({"round": 4294967295, "small": -128, "wide": -9223372036854775808})").round, 4294967295u);
  EXPECT_THROW(decode(R"({"round": 4294967296, "small": 0, "wide": 0})"), std::invalid_argument);
  EXPECT_THROW(decode(R"({"round": -1, "small": 0, "wide": 0})"), std::invalid_argument);
  EXPECT_THROW(decode(R"({"round": 0, "small": 128, "wide": 0})"), std::invalid_argument);
  EXPECT_THROW(decode(R"({"round": 0, "small": -129, "wide": 0})"), std::invalid_argument);
  EXPECT_THROW(decode(R"({"round": 0, "small": 0, "wide": 9223372036854775808})"), std::invalid_argument);
  EXPECT_THROW(decode(R"({"round": 1.5, "small": 0, "wide": 0})"), std::invalid_argument);
}

TEST(Limits, DurationsStopAtOneHundredDays) {
  std::string error;
  EXPECT_EQ(parse_duration("2400h", &error), kLongestDuration);
  EXPECT_EQ(parse_duration("-2400h", &error, true), -kLongestDuration);
  for (const char* text : {"8640000000000001ns", "2401h", "2562047h", "9223372036854775807ns", "99999999999999999999999h"}) {
    EXPECT_FALSE(parse_duration(text, &error, true)) << text;
    EXPECT_NE(error.find("longer than 2400h"), std::string::npos) << text << ": " << error;
  }
  // Sums and the multiples protocols take of accepted values stay exact.
  EXPECT_EQ((kLongestDuration * 40 + kLongestDuration).ns(), 41 * kLongestDuration.ns());
}

TEST(LimitsDeathTest, TimeArithmeticIsCheckedNeverWraps) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const Time late = Time::from_ns(INT64_MAX - 5);
  EXPECT_DEATH((void)(late + Duration::nanos(10)), "time arithmetic");
  EXPECT_DEATH((void)(Duration::max() * 2), "time arithmetic");
  EXPECT_DEATH((void)(Time::from_ns(INT64_MIN) - Duration::nanos(1)), "time arithmetic");
  EXPECT_DEATH((void)(-Duration::nanos(INT64_MIN)), "time arithmetic");
  EXPECT_DEATH((void)(Duration::hours(INT64_MAX / 1000)), "time arithmetic");
}

TEST(Limits, PrintableEscapesAndBounds) {
  EXPECT_EQ(printable("plain"), "plain");
  EXPECT_EQ(printable(std::string("a\nb\0c\x1b[1m", 9)), "a\\nb\\x00c\\x1b[1m");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...(90 more bytes)");
  // A cut never splits a UTF-8 character.
  EXPECT_EQ(printable("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9\xc3\xa9");
  EXPECT_EQ(printable("\xc3\xa9\xc3\xa9x", 4), "\xc3\xa9\xc3\xa9...(1 more bytes)");
}

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

TEST(Limits, ReadLineIsBoundedAndExact) {
  std::istringstream in("first\n" + std::string(200000, 'x') + "\nlast-without-newline");
  std::string line;
  ASSERT_TRUE(read_line(in, line, 1 << 20));
  EXPECT_EQ(line, "first");
  ASSERT_TRUE(read_line(in, line, 1 << 20));
  EXPECT_EQ(line.size(), 200000u);
  ASSERT_TRUE(read_line(in, line, 1 << 20));
  EXPECT_EQ(line, "last-without-newline");
  EXPECT_FALSE(read_line(in, line, 1 << 20));
  std::istringstream endless(std::string(300000, 'y'));
  EXPECT_THROW(read_line(endless, line, 100000), InputError);
}

}  // namespace
}  // namespace dsim::sim

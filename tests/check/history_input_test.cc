// The strict conversions every history parser reads integers with, and shown(), which every
// error message quotes input with: exact limits, no wrap, one short line.
#include <gtest/gtest.h>

#include <string>

#include "sim/check/history_input.h"

namespace dsim::check {
namespace {

TEST(HistoryInput, ParseIntegerAcceptsExactlyTheRange) {
  EXPECT_EQ(parse_integer("0", kInt64Range), 0);
  EXPECT_EQ(parse_integer("-0", kInt64Range), 0);
  EXPECT_EQ(parse_integer("00012", kInt64Range), 12);
  EXPECT_EQ(parse_integer("9223372036854775807", kInt64Range), INT64_MAX);
  EXPECT_EQ(parse_integer("-9223372036854775808", kInt64Range), INT64_MIN);
  EXPECT_EQ(parse_integer("9223372036854775808", kInt64Range), std::nullopt) << "2^63 does not fit";
  EXPECT_EQ(parse_integer("-9223372036854775809", kInt64Range), std::nullopt);
  EXPECT_EQ(parse_integer("18446744073709551616", kInt64Range), std::nullopt) << "2^64 must not wrap to 0";
  EXPECT_EQ(parse_integer(std::string(400, '9'), kInt64Range), std::nullopt);
  for (const char* not_integer : {"", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "--1", "1-"})
    EXPECT_EQ(parse_integer(not_integer, kInt64Range), std::nullopt) << "'" << not_integer << "'";
  EXPECT_EQ(parse_integer("2147483647", kProcessRange), 2147483647);
  EXPECT_EQ(parse_integer("2147483648", kProcessRange), std::nullopt);
  EXPECT_EQ(parse_integer("-1", kProcessRange), std::nullopt);
  EXPECT_EQ(parse_integer("9223372036854775806", kTimeRange), kInfinity - 1);
  EXPECT_EQ(parse_integer("9223372036854775807", kTimeRange), std::nullopt) << "kInfinity means 'never returned'";
}

TEST(HistoryInput, JsonIntegerRefusesFloatsStringsAndUnsignedOverflow) {
  EXPECT_EQ(json_integer(json(5), kInt64Range), 5);
  EXPECT_EQ(json_integer(json(-5), kInt64Range), -5);
  EXPECT_EQ(json_integer(json::parse("9223372036854775807"), kInt64Range), INT64_MAX);
  EXPECT_EQ(json_integer(json::parse("9223372036854775808"), kInt64Range), std::nullopt) << "unsigned 2^63";
  EXPECT_EQ(json_integer(json::parse("18446744073709551615"), kInt64Range), std::nullopt);
  EXPECT_EQ(json_integer(json::parse("1.0"), kInt64Range), std::nullopt);
  EXPECT_EQ(json_integer(json::parse("1e3"), kInt64Range), std::nullopt);
  EXPECT_EQ(json_integer(json("5"), kInt64Range), std::nullopt);
  EXPECT_EQ(json_integer(json(), kInt64Range), std::nullopt);
  EXPECT_EQ(json_integer(json(-1), kProcessRange), std::nullopt);
}

TEST(HistoryInput, ReadIntegerErrorsNameWhatTheRangeAndTheValue) {
  try {
    read_integer("99999999999999999999", kProcessRange, ":process", 7);
    FAIL() << "no error";
  } catch (const HistoryError& e) {
    EXPECT_STREQ(e.what(), "line 7: :process must be an integer in [0, 2147483647], got 99999999999999999999");
  }
  try {
    read_json_integer(json::parse("1.5"), kTimeRange, "\"time\"", 3);
    FAIL() << "no error";
  } catch (const HistoryError& e) {
    EXPECT_STREQ(e.what(), "line 3: \"time\" must be an integer in [0, 9223372036854775806], got 1.5");
  }
  EXPECT_EQ(read_integer("-12", kInt64Range, "v", 1), -12);
}

TEST(HistoryInput, ShownIsOneShortLine) {
  EXPECT_EQ(shown("abc"), "abc");
  EXPECT_EQ(shown(std::string(kShownChars, 'x')), std::string(kShownChars, 'x'));
  EXPECT_EQ(shown(std::string(kShownChars + 1, 'x')), std::string(kShownChars, 'x') + "...");
  EXPECT_EQ(shown("a\nb\r\tc"), "a\\x0Ab\\x0D\\x09c");
  EXPECT_EQ(shown("bad \xff byte"), "bad \\xFF byte");
  // 60 two-byte characters are 60 characters, cut at a character boundary.
  std::string e_acute;
  for (size_t i = 0; i < kShownChars + 5; ++i) e_acute += "\xc3\xa9";
  EXPECT_EQ(shown(e_acute), e_acute.substr(0, 2 * kShownChars) + "...");
}

TEST(HistoryInput, Utf8AndNesting) {
  EXPECT_TRUE(valid_utf8("plain, \xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80"));
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xe2\x82"})
    EXPECT_FALSE(valid_utf8(bad)) << shown(bad);
  EXPECT_EQ(json_nesting(R"({"a":[1,{"b":[]}]})"), 4u);
  EXPECT_EQ(json_nesting(R"({"a":"[[[[\"[[["})"), 1u) << "brackets inside strings do not count";
  EXPECT_EQ(json_nesting("1"), 0u);
}

}  // namespace
}  // namespace dsim::check

// Tests for sim/json_source: the comment- and position-aware scenario JSON parser. Every error
// case checks the full message, including the exact line:column it points at.
#include "sim/json_source.h"

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace dsim::sim {
namespace {

using nlohmann::json;

std::string json_error_of(std::string_view text) {
  try {
    parse_json_source(text, "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string pos_of(const JsonDocument& doc, const std::string& pointer) {
  const auto it = doc.positions.find(pointer);
  if (it == doc.positions.end()) return "(none)";
  return std::to_string(it->second.line) + ":" + std::to_string(it->second.column);
}

TEST(JsonSource, ParsesPlainJson) {
  const auto doc = parse_json_source(R"({"a": [1, -2.5, "x", true, false, null], "b": {}, "c": []})", "s");
  EXPECT_EQ(doc.origin, "s");
  EXPECT_EQ(doc.value, json::parse(R"({"a": [1, -2.5, "x", true, false, null], "b": {}, "c": []})"));
  EXPECT_TRUE(parse_json_source("  42  ", "s").value.is_number_integer());
  EXPECT_EQ(parse_json_source("\"hi\"", "s").value, "hi");
}

TEST(JsonSource, LineComments) {
  const auto doc = parse_json_source(
      "// header\n"
      "{ // after brace\n"
      "  \"a\": 1, // after member\n"
      "  \"url\": \"http://x//y\"\n"
      "} // trailing, no newline at end",
      "s");
  EXPECT_EQ(doc.value, json({{"a", 1}, {"url", "http://x//y"}}));
}

TEST(JsonSource, BlockComments) {
  const auto doc = parse_json_source(
      "/* multi\n"
      "   line ** with stars */ {\"a\" /* between key and colon */ : /**/ [1 /* x */, 2]}/***/",
      "s");
  EXPECT_EQ(doc.value, json({{"a", {1, 2}}}));
  EXPECT_EQ(pos_of(doc, "/a"), "2:27");
  EXPECT_EQ(parse_json_source("/*/ still comment */ 1", "s").value, 1);
  EXPECT_EQ(parse_json_source("[\"/* not a comment */\"]", "s").value[0], "/* not a comment */");
}

TEST(JsonSource, TrailingComma) {
  EXPECT_EQ(parse_json_source(R"({"a": 1, "b": [1, 2,],})", "s").value, json({{"a", 1}, {"b", {1, 2}}}));
  EXPECT_EQ(parse_json_source("[1, /* c */ ]", "s").value, json({1}));
  EXPECT_EQ(json_error_of("[1,,]"), "t.json:1:4: invalid JSON: unexpected character ','");
  EXPECT_EQ(json_error_of(R"({"a":1,,})"), "t.json:1:8: invalid JSON: expected a double-quoted key or '}'");
  EXPECT_EQ(json_error_of("[,]"), "t.json:1:2: invalid JSON: unexpected character ','");
  EXPECT_EQ(json_error_of("{,}"), "t.json:1:2: invalid JSON: expected a double-quoted key or '}'");
}

TEST(JsonSource, PositionsOfKeysAndElements) {
  const auto doc = parse_json_source(
      "{\n"                                   // 1
      "  \"network\": {\n"                    // 2
      "    \"latency\": {\"min\": \"1ms\"},\n"  // 3
      "\t\"loss\": 0.1\n"                      // 4
      "  },\n"                                // 5
      "  \"faults\": [\n"                     // 6
      "    {\"at\": \"1s\"},\n"                 // 7
      "    /* c */ 7, [true]\n"               // 8
      "  ]\n"                                 // 9
      "}\n",
      "f.json");
  EXPECT_EQ(pos_of(doc, ""), "1:1");
  EXPECT_EQ(pos_of(doc, "/network"), "2:3");
  EXPECT_EQ(pos_of(doc, "/network/latency"), "3:5");
  EXPECT_EQ(pos_of(doc, "/network/latency/min"), "3:17");
  EXPECT_EQ(pos_of(doc, "/network/loss"), "4:2");
  EXPECT_EQ(pos_of(doc, "/faults"), "6:3");
  EXPECT_EQ(pos_of(doc, "/faults/0"), "7:5");
  EXPECT_EQ(pos_of(doc, "/faults/0/at"), "7:6");
  EXPECT_EQ(pos_of(doc, "/faults/1"), "8:13");
  EXPECT_EQ(pos_of(doc, "/faults/2"), "8:16");
  EXPECT_EQ(pos_of(doc, "/faults/2/0"), "8:17");
  EXPECT_EQ(doc.positions.size(), 11u);
  EXPECT_EQ(doc.where("/network/latency/min"), "f.json:3:17");
}

TEST(JsonSource, PositionOfRootAfterLeadingCommentAndBom) {
  EXPECT_EQ(pos_of(parse_json_source("\n  // c\n /* x\n */ [1]", "s"), ""), "4:5");
  EXPECT_EQ(pos_of(parse_json_source("\xEF\xBB\xBF{\"a\":1}", "s"), "/a"), "1:2");
  // "\r\n" line endings count one line each; '\r' is whitespace.
  EXPECT_EQ(pos_of(parse_json_source("{\r\n\"a\": 1,\r\n  \"b\": 2}", "s"), "/b"), "3:3");
}

TEST(JsonSource, PositionKeysEscapeSlashAndTilde) {
  const auto doc = parse_json_source(R"({"a/b": {"c~d": 1}})", "s");
  EXPECT_EQ(pos_of(doc, "/a~1b"), "1:2");
  EXPECT_EQ(pos_of(doc, "/a~1b/c~0d"), "1:10");
  EXPECT_EQ(doc.value["a/b"]["c~d"], 1);
}

TEST(JsonSource, WhereFallsBackToAncestor) {
  const auto doc = parse_json_source("{\n  \"network\": {\"loss\": 0.5}\n}", "f.json");
  EXPECT_EQ(doc.where("/network/loss"), "f.json:2:15");
  EXPECT_EQ(doc.where("/network/latency/min"), "f.json:2:3");  // missing: nearest ancestor
  EXPECT_EQ(doc.where("/nope/deeper"), "f.json:1:1");          // only the root has one
  EXPECT_EQ(doc.where(""), "f.json:1:1");

  JsonDocument bare;
  bare.origin = "--set";
  EXPECT_EQ(bare.where("/a/b"), "--set");
  bare.positions["/a"] = SourcePos{};  // line 0 = unknown: skipped
  EXPECT_EQ(bare.where("/a/b"), "--set");
}

struct ErrorCase {
  const char* name;
  std::string text;
  std::string message;  // after "t.json:"
};

class JsonSourceErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(JsonSourceErrors, ExactMessageAndPosition) {
  EXPECT_EQ(json_error_of(GetParam().text), "t.json:" + GetParam().message) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    All, JsonSourceErrors,
    testing::Values(
        ErrorCase{"EmptyInput", "", "1:1: invalid JSON: empty input"},
        ErrorCase{"OnlyComments", "// nothing\n  /* here */ ", "2:14: invalid JSON: empty input"},
        ErrorCase{"UnterminatedString", "{\"a\": \"abc", "1:7: invalid JSON: unterminated string (starts here)"},
        ErrorCase{"UnterminatedStringAfterBackslash", "\"ab\\", "1:1: invalid JSON: unterminated string (starts here)"},
        ErrorCase{"LineBreakInString", "[\"abc\n\"]", "1:6: invalid JSON: line break inside string (missing closing quote?)"},
        ErrorCase{"ControlCharInString", "\n  \"a\tb\"", "2:5: invalid JSON: control character U+0009 in string (must be escaped)"},
        ErrorCase{"UnterminatedBlockComment", "[1,\n  /* open\n\n", "2:3: invalid JSON: unterminated comment (starts here)"},
        ErrorCase{"InvalidEscape", R"(["ok", "a\x"])", "1:10: invalid JSON: invalid escape '\\x'"},
        ErrorCase{"ShortUnicodeEscape", R"("\u12G4")", "1:2: invalid JSON: invalid \\u escape (expected 4 hex digits)"},
        ErrorCase{"TruncatedUnicodeEscape", R"("\u12)", "1:2: invalid JSON: invalid \\u escape (expected 4 hex digits)"},
        ErrorCase{"LoneHighSurrogate", R"("x\uD83Dy")", "1:3: invalid JSON: lone surrogate \\uD83D"},
        ErrorCase{"HighSurrogateThenNonLow", R"("\uD83D\u0041")", "1:2: invalid JSON: lone surrogate \\uD83D"},
        ErrorCase{"LoneLowSurrogate", R"("\uDE00")", "1:2: invalid JSON: lone surrogate \\uDE00"},
        ErrorCase{"InvalidUtf8", "\"a\xC3(\"", "1:3: invalid JSON: invalid UTF-8 in string"},
        ErrorCase{"EncodedSurrogateUtf8", "\"\xED\xA0\x80\"", "1:2: invalid JSON: invalid UTF-8 in string"},
        ErrorCase{"LeadingZero", "[1, 012]", "1:6: invalid JSON: leading zeros are not allowed"},
        ErrorCase{"NegativeLeadingZero", "-00", "1:3: invalid JSON: leading zeros are not allowed"},
        ErrorCase{"NaN", "{\"x\": NaN}", "1:7: invalid JSON: NaN and Infinity are not valid JSON"},
        ErrorCase{"Infinity", "[Infinity]", "1:2: invalid JSON: NaN and Infinity are not valid JSON"},
        ErrorCase{"NegativeInfinity", "[1, -Infinity]", "1:5: invalid JSON: NaN and Infinity are not valid JSON"},
        ErrorCase{"LonelyMinus", "[-]", "1:3: invalid JSON: expected a digit after '-'"},
        ErrorCase{"PlusSign", "+1", "1:1: invalid JSON: unexpected character '+'"},
        ErrorCase{"BareDot", "1.", "1:3: invalid JSON: expected a digit after '.'"},
        ErrorCase{"EmptyExponent", "1e+", "1:4: invalid JSON: expected a digit in exponent"},
        ErrorCase{"HugeDouble", "[1e400]", "1:2: invalid JSON: number out of range for a double"},
        ErrorCase{"TinyDouble", "1e-400", "1:1: invalid JSON: number out of range for a double"},
        ErrorCase{"TrailingGarbage", "{\"a\": 1}\n  x", "2:3: invalid JSON: unexpected character 'x' after the root value"},
        ErrorCase{"SecondRootValue", "1 2", "1:3: invalid JSON: unexpected character '2' after the root value"},
        ErrorCase{"DuplicateKey", "{\"a\": 1,\n \"b\": 2,\n   \"a\": 3}", "3:4: invalid JSON: duplicate key \"a\""},
        ErrorCase{"DuplicateNestedKey", R"({"o": {"k": 1, "k": 2}})", "1:16: invalid JSON: duplicate key \"k\""},
        ErrorCase{"MissingColon", R"({"a" 1})", "1:6: invalid JSON: expected ':' after object key"},
        ErrorCase{"MissingCommaInObject", "{\"a\": 1\n \"b\": 2}", "2:2: invalid JSON: expected ',' or '}' after object member"},
        ErrorCase{"MissingCommaInArray", "[1 2]", "1:4: invalid JSON: expected ',' or ']' after array element"},
        ErrorCase{"UnclosedObject", "{\"a\": 1", "1:8: invalid JSON: unexpected end of input (expected ',' or '}')"},
        ErrorCase{"OpenBraceOnly", "{", "1:2: invalid JSON: unexpected end of input (expected a double-quoted key or '}')"},
        ErrorCase{"KeyThenEnd", "{\"a\"", "1:5: invalid JSON: unexpected end of input (expected ':')"},
        ErrorCase{"UnclosedArray", "[1,", "1:4: invalid JSON: unexpected end of input (expected a value)"},
        ErrorCase{"MissingValue", "{\"a\": }", "1:7: invalid JSON: unexpected character '}'"},
        ErrorCase{"UnquotedKey", "{a: 1}", "1:2: invalid JSON: expected a double-quoted key or '}'"},
        ErrorCase{"SingleQuotes", "['a']", "1:2: invalid JSON: unexpected character '''"},
        ErrorCase{"UnquotedWord", "[tru]", "1:2: invalid JSON: unexpected word 'tru' (strings need quotes)"},
        ErrorCase{"LiteralPrefix", "[nullx]", "1:2: invalid JSON: unexpected word 'nullx' (strings need quotes)"},
        ErrorCase{"StraySlash", "[1 / 2]", "1:4: invalid JSON: expected ',' or ']' after array element"},
        ErrorCase{"NonAsciiOutsideString", "[\xC3\xA9]", "1:2: invalid JSON: unexpected byte 0xC3"},
        ErrorCase{"TooDeep", std::string(257, '[') + std::string(257, ']'), "1:257: invalid JSON: nesting deeper than 256 levels"},
        ErrorCase{"TooDeepObjects", "{\"a\":" + std::string(256, '['), "1:261: invalid JSON: nesting deeper than 256 levels"}),
    [](const testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(JsonSource, NestingOf256IsAccepted) {
  const auto doc = parse_json_source(std::string(256, '[') + std::string(256, ']'), "s");
  EXPECT_TRUE(doc.value.is_array());
  EXPECT_EQ(pos_of(doc, "/0/0/0"), "1:4");
}

TEST(JsonSource, BigIntegers) {
  const auto doc = parse_json_source(
      "[9223372036854775807, -9223372036854775808, 9223372036854775808, 18446744073709551615,"
      " 18446744073709551616, -9223372036854775809, -0, 1.0, 1e2, 0, -5]",
      "s");
  const json& v = doc.value;
  EXPECT_TRUE(v[0].is_number_integer() && !v[0].is_number_unsigned());
  EXPECT_EQ(v[0].get<int64_t>(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(v[1].is_number_integer());
  EXPECT_EQ(v[1].get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(v[2].is_number_unsigned());
  EXPECT_EQ(v[2].get<uint64_t>(), 9223372036854775808ull);
  EXPECT_TRUE(v[3].is_number_unsigned());
  EXPECT_EQ(v[3].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(v[4].is_number_float());
  EXPECT_DOUBLE_EQ(v[4].get<double>(), 18446744073709551616.0);
  EXPECT_TRUE(v[5].is_number_float());
  EXPECT_DOUBLE_EQ(v[5].get<double>(), -9223372036854775809.0);
  EXPECT_TRUE(v[6].is_number_integer());
  EXPECT_EQ(v[6].get<int64_t>(), 0);
  EXPECT_TRUE(v[7].is_number_float());
  EXPECT_TRUE(v[8].is_number_float());
  EXPECT_EQ(v[8].get<double>(), 100.0);
  EXPECT_TRUE(v[9].is_number_integer());
  EXPECT_EQ(v[10].get<int64_t>(), -5);
  EXPECT_EQ(parse_json_source("0.1", "s").value.get<double>(), 0.1);
  EXPECT_EQ(parse_json_source("-1.5E-3", "s").value.get<double>(), -0.0015);
}

TEST(JsonSource, StringEscapesAndUnicode) {
  const auto doc = parse_json_source(
      R"(["\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\uD83D\uDE00", "\u0041\u0000z", "é😀"])", "s");
  const json& v = doc.value;
  EXPECT_EQ(v[0], "\"\\/\b\f\n\r\t");
  EXPECT_EQ(v[1], "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(v[2], "\xF0\x9F\x98\x80");
  EXPECT_EQ(v[3].get<std::string>(), std::string("A\0z", 3));
  EXPECT_EQ(v[4], "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_NO_THROW(v.dump());  // all output strings are valid UTF-8
  // Keys get the same treatment, and the position map uses the decoded key.
  const auto keyed = parse_json_source(R"({"\u00e9": 1})", "s");
  EXPECT_EQ(pos_of(keyed, "/\xC3\xA9"), "1:2");
}

TEST(JsonSource, LoadJsonFile) {
  const std::string path = testing::TempDir() + "json_source_test_ok.json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("{\n  // comment\n  \"a\": [1, 2,],\n}\n", f);
  std::fclose(f);
  const auto doc = load_json_file(path);
  EXPECT_EQ(doc.origin, path);
  EXPECT_EQ(doc.value, json({{"a", {1, 2}}}));
  EXPECT_EQ(doc.where("/a/1"), path + ":3:12");
  std::remove(path.c_str());
}

TEST(JsonSource, LoadJsonFileEmpty) {
  const std::string path = testing::TempDir() + "json_source_test_empty.json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  try {
    load_json_file(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":1:1: invalid JSON: empty input");
  }
  std::remove(path.c_str());
}

TEST(JsonSource, LoadJsonFileMissing) {
  const std::string path = testing::TempDir() + "json_source_test_does_not_exist.json";
  try {
    load_json_file(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path + ": cannot read file: ", 0), 0u) << what;
    EXPECT_NE(what.find("No such file"), std::string::npos) << what;
  }
}

TEST(JsonSource, LoadJsonFileDirectory) {
  try {
    load_json_file(testing::TempDir());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(": cannot read file: "), std::string::npos) << e.what();
  }
}

TEST(JsonSource, DottedAndPointer) {
  EXPECT_EQ(dotted_to_pointer("network.latency.min"), "/network/latency/min");
  EXPECT_EQ(dotted_to_pointer("faults.0.at"), "/faults/0/at");
  EXPECT_EQ(dotted_to_pointer("seed"), "/seed");
  EXPECT_EQ(dotted_to_pointer(""), "");
  EXPECT_EQ(dotted_to_pointer("(root)"), "");
  EXPECT_EQ(dotted_to_pointer("a/b.c~d"), "/a~1b/c~0d");
  EXPECT_EQ(dotted_to_pointer("~1.x"), "/~01/x");

  EXPECT_EQ(pointer_to_dotted("/network/latency/min"), "network.latency.min");
  EXPECT_EQ(pointer_to_dotted("/faults/0/at"), "faults.0.at");
  EXPECT_EQ(pointer_to_dotted(""), "(root)");
  EXPECT_EQ(pointer_to_dotted("/a~1b/c~0d"), "a/b.c~d");
  EXPECT_EQ(pointer_to_dotted("/~01/x"), "~1.x");

  for (const char* dotted : {"network.latency.min", "faults.12.at", "a/b.c~d", "~0~1//~", "x"})
    EXPECT_EQ(pointer_to_dotted(dotted_to_pointer(dotted)), dotted);
  for (const char* pointer : {"", "/a", "/a~1b/c~0d/0", "/~0~1"})
    EXPECT_EQ(dotted_to_pointer(pointer_to_dotted(pointer)), pointer);

  // A parsed key with '/' or '~' is found through the dotted form users would type.
  const auto doc = parse_json_source(R"({"a/b": {"c~d": 1}})", "f.json");
  EXPECT_EQ(doc.where(dotted_to_pointer("a/b.c~d")), "f.json:1:10");
}

}  // namespace
}  // namespace dsim::sim

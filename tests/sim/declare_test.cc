// Parameters and bug switches declared once (sim/declare.h): the specs carry the struct's
// defaults in scenario syntax, a scenario's values are validated by those specs and parsed
// back into the struct's members in their own types, and bug switches set their bools.
#include <gtest/gtest.h>

#include "sim/declare.h"
#include "sim/json_source.h"

namespace dsim::sim {
namespace {

enum class Mode { slow, fast };

struct Knobs {
  Duration timeout_min = Duration::millis(150), timeout_max = Duration::millis(300);
  Duration heartbeat = Duration::millis(50);
  bool enabled = true;
  uint32_t batch = 64;
  int64_t offset = -3;
  double ratio = 0.5;
  Mode mode = Mode::fast;
  bool periodic = false;
};

ParamTable<Knobs> table() {
  return {
      param("timeout", &Knobs::timeout_min, &Knobs::timeout_max, "a range"),
      param("heartbeat", &Knobs::heartbeat, "a duration", Duration::millis(1)),
      param("enabled", &Knobs::enabled, "a boolean"),
      param("batch", &Knobs::batch, "an unsigned integer", 1, 1000),
      param("offset", &Knobs::offset, "a signed integer", -10, 10),
      param("ratio", &Knobs::ratio, "a number", 0, 1),
      param("mode", &Knobs::mode, "an enum", {{"slow", Mode::slow}, {"fast", Mode::fast}}),
      param("arrivals", &Knobs::periodic, "a bool by name", {{"poisson", false}, {"periodic", true}}),
  };
}

// The specs resolved against a "params" object written in scenario syntax.
Params resolve(const std::string& text) {
  ConfigSource source(parse_json_source(text, "test.json"));
  ConfigReader reader(source, "");
  return Params(resolve_params(table().specs(), &reader));
}

TEST(Declare, SpecsTakeTypesAndDefaultsFromTheStruct) {
  const auto specs = table().specs();
  ASSERT_EQ(specs.size(), 8u);
  EXPECT_EQ(specs[0].type, ParamType::duration_range);
  EXPECT_EQ(specs[0].default_value, nlohmann::json::array({"150ms", "300ms"}));
  EXPECT_EQ(specs[1].type, ParamType::duration);
  EXPECT_EQ(specs[1].default_value, "50ms");
  EXPECT_EQ(specs[1].min, 1e6);
  EXPECT_EQ(specs[2].type, ParamType::boolean);
  EXPECT_EQ(specs[2].default_value, true);
  EXPECT_EQ(specs[3].type, ParamType::integer);
  EXPECT_EQ(specs[3].default_value, 64);
  EXPECT_EQ(specs[3].min, 1);
  EXPECT_EQ(specs[3].max, 1000);
  EXPECT_EQ(specs[4].default_value, -3);
  EXPECT_EQ(specs[5].type, ParamType::number);
  EXPECT_EQ(specs[5].default_value, 0.5);
  EXPECT_EQ(specs[6].type, ParamType::string);
  EXPECT_EQ(specs[6].default_value, "fast");
  EXPECT_EQ(specs[6].choices, (std::vector<std::string>{"slow", "fast"}));
  EXPECT_EQ(specs[7].default_value, "poisson");
  EXPECT_EQ(specs[7].help, "a bool by name");
}

TEST(Declare, DefaultsParseBackIntoTheDefaultStruct) {
  const Knobs k = table().parse(resolve("{}"));
  const Knobs d;
  EXPECT_EQ(k.timeout_min, d.timeout_min);
  EXPECT_EQ(k.timeout_max, d.timeout_max);
  EXPECT_EQ(k.heartbeat, d.heartbeat);
  EXPECT_EQ(k.enabled, d.enabled);
  EXPECT_EQ(k.batch, d.batch);
  EXPECT_EQ(k.offset, d.offset);
  EXPECT_EQ(k.ratio, d.ratio);
  EXPECT_EQ(k.mode, d.mode);
  EXPECT_EQ(k.periodic, d.periodic);
}

TEST(Declare, ScenarioValuesSetEveryMember) {
  const Knobs k = table().parse(resolve(R"({"timeout": ["1s", "2s"], "heartbeat": "7ms", "enabled": false,
      "batch": 999, "offset": -10, "ratio": 0.25, "mode": "slow", "arrivals": "periodic"})"));
  EXPECT_EQ(k.timeout_min, Duration::seconds(1));
  EXPECT_EQ(k.timeout_max, Duration::seconds(2));
  EXPECT_EQ(k.heartbeat, Duration::millis(7));
  EXPECT_FALSE(k.enabled);
  EXPECT_EQ(k.batch, 999u);
  EXPECT_EQ(k.offset, -10);
  EXPECT_EQ(k.ratio, 0.25);
  EXPECT_EQ(k.mode, Mode::slow);
  EXPECT_TRUE(k.periodic);
}

std::string error_of(const std::string& text) {
  try {
    resolve(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Declare, DeclaredBoundsAndChoicesAreEnforced) {
  EXPECT_NE(error_of(R"({"batch": 0})").find("batch"), std::string::npos);
  EXPECT_NE(error_of(R"({"offset": 11})").find("offset"), std::string::npos);
  EXPECT_NE(error_of(R"({"ratio": 2})").find("ratio"), std::string::npos);
  EXPECT_NE(error_of(R"({"heartbeat": "10us"})").find("must be at least 1ms"), std::string::npos);
  EXPECT_NE(error_of(R"({"mode": "medium"})").find("slow"), std::string::npos);
  EXPECT_NE(error_of(R"({"timeout": ["2s", "1s"]})").find("range is empty"), std::string::npos);
}

struct Bugs {
  bool first = false;
  bool second = false;
};

TEST(Declare, BugSwitchesSetTheirBools) {
  const BugTable<Bugs> bugs{{"first", &Bugs::first, "one"}, {"second", &Bugs::second, "two"}};
  const auto specs = bugs.specs();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].name, "second");
  EXPECT_EQ(specs[1].help, "two");
  ProtocolConfig config;
  EXPECT_FALSE(bugs.parse(config).first);
  config.bugs = {"second"};
  EXPECT_FALSE(bugs.parse(config).first);
  EXPECT_TRUE(bugs.parse(config).second);
}

}  // namespace
}  // namespace dsim::sim

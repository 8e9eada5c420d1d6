// When a scenario's faults heal (faults::healing): each fault ends with its `for` or window, a
// lasting crash at the next restart, a lasting network fault at the next heal; Byzantine nodes
// and over-budget nemeses are outside the fault model; a crash never restarted either never
// heals or, for protocols that tolerate a node down for good, ends at once.
#include <gtest/gtest.h>

#include "faults/healing.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "tools/cli/runner.h"

namespace dsim::faults {
namespace {

sim::Healing healing_of(const std::string& faults) {
  const std::string text =
      R"({"protocol": {"name": "pingmesh"}, "duration": "30s", "nodes": 4, "faults": )" + faults + "}";
  const sim::Scenario s = sim::parse_scenario(sim::ConfigSource(sim::parse_json_source(text, "test.json")),
                                              protocols::registry(), cli::sections());
  return healing(s);
}

std::optional<sim::Duration> heal_at(const std::string& faults, bool crashes_may_last = false) {
  return healing_of(faults).last_heal(crashes_may_last, "pingmesh").at;
}

const sim::Duration kNone{};

TEST(Healing, NoFaultsHealAtTheStart) {
  const sim::Healing h = healing_of("[]");
  EXPECT_FALSE(h.any_faults);
  EXPECT_EQ(h.last_heal(false, "pingmesh").at, kNone);
  EXPECT_FALSE(h.lasting_crash);
}

TEST(Healing, DropRulesEndWithTheirWindowOrTheNextHeal) {
  EXPECT_EQ(heal_at(R"([{"at": "1s", "drop": {"from": "n1"}, "for": "2500ms"}])"), sim::Duration::millis(3500));
  EXPECT_EQ(heal_at(R"([{"at": "1s", "drop": {"type": "pingmesh.reply"}}, {"at": "4s", "heal": true}])"),
            sim::Duration::seconds(4));
  EXPECT_FALSE(heal_at(R"([{"at": "1s", "drop": {"to": "n2"}}])").has_value());
}

TEST(Healing, TheLastEndCountsAndInstantFaultsEndAtOnce) {
  EXPECT_EQ(heal_at(R"([{"at": "1s", "partition": [["n1"], ["n2", "n3", "n4"]], "for": "5s"},
                        {"at": "2s", "crash": "n2", "for": "1s"}, {"at": "7s", "clock": "n3", "jump": "-50ms"}])"),
            sim::Duration::seconds(7));
  EXPECT_EQ(heal_at(R"([{"from": "2s", "to": "9s", "nemesis": {"kinds": ["crash"]}}])"), sim::Duration::seconds(9));
}

TEST(Healing, ALastingCrashEndsAtTheNextRestartOrNeverUnlessCrashesMayLast) {
  EXPECT_EQ(heal_at(R"([{"at": "1s", "crash": "n2"}, {"at": "3s", "restart": "n2"}])"), sim::Duration::seconds(3));
  const std::string forever = R"([{"at": "1s", "crash": "n2"}, {"at": "2s", "isolate": "n3", "for": "4s"}])";
  const sim::Healing h = healing_of(forever);
  EXPECT_TRUE(h.lasting_crash);
  const auto strict = h.last_heal(false, "pingmesh");
  EXPECT_FALSE(strict.at.has_value());
  EXPECT_EQ(strict.why_not, "the fault at 1000.000ms never heals");
  EXPECT_EQ(h.last_heal(true, "pingmesh").at, sim::Duration::seconds(6));
  EXPECT_FALSE(healing_of(R"([{"at": "1s", "crash": "n2", "for": "1s"}])").lasting_crash);
}

TEST(Healing, ByzantineNodesAndOverBudgetNemesesAreOutsideTheModel) {
  for (const char* faults :
       {R"([{"at": "1s", "byzantine": "n1", "strategy": "corrupt", "exceed_budget": true, "for": "1s"}])",
        R"([{"from": "1s", "to": "3s", "nemesis": {"kinds": ["crash"]}, "exceed_budget": true}])"}) {
    for (bool crashes_may_last : {false, true}) {
      const auto heal = healing_of(faults).last_heal(crashes_may_last, "Raft");
      EXPECT_FALSE(heal.at.has_value()) << faults;
      EXPECT_EQ(heal.why_not, "a Byzantine node or an over-budget fault is outside Raft's fault model") << faults;
    }
  }
}

}  // namespace
}  // namespace dsim::faults

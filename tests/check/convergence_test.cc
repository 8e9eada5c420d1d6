// Convergence: replicas agree once writes stopped and the quiet period passed.
#include <gtest/gtest.h>

#include "sim/check/convergence.h"

namespace dsim::check {
namespace {

using nlohmann::json;

TEST(Convergence, AgreeingReplicasConverge) {
  const std::vector<ReplicaReport> reports = {
      {"n1", 50, json{{"x", 1}}},  // before settling: may differ
      {"n2", 50, json{{"x", 2}}},
      {"n1", 200, json{{"x", 2}}},
      {"n2", 210, json{{"x", 2}}},
      {"n3", 220, json{{"x", 2}}},
  };
  const ConvergenceResult r = check_convergence(reports, 100, 50, {"n1", "n2", "n3"});
  EXPECT_TRUE(r.converged) << r.to_text();
  EXPECT_EQ(r.settle, 150);
}

TEST(Convergence, NamesTheReplicasThatDiffer) {
  const std::vector<ReplicaReport> reports = {
      {"n1", 200, json{{"x", 2}}},
      {"n2", 200, json{{"x", 2}}},
      {"n3", 200, json{{"x", 1}}},
      {"n4", 200, json{{"x", 2}}},
      {"n4", 300, json{{"x", 3}}},
  };
  const ConvergenceResult r = check_convergence(reports, 100, 50, {"n1", "n2", "n3", "n4", "n5"});
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.missing, std::vector<std::string>{"n5"});
  EXPECT_EQ(r.unstable, std::vector<std::string>{"n4"});
  EXPECT_EQ(r.groups.front(), (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(r.differing, (std::vector<std::string>{"n3", "n4"}));
  EXPECT_NE(r.to_text().find("n3 report {\"x\":1}"), std::string::npos) << r.to_text();
  EXPECT_EQ(r.to_json()["missing"], json::array({"n5"}));
}

TEST(Convergence, NoReportsIsNotConvergence) {
  EXPECT_FALSE(check_convergence({}, 0, 0).converged);
}

}  // namespace
}  // namespace dsim::check

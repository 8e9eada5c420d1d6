// Convergence (eventual consistency's liveness half): once writes stop and the system has
// been quiet for a while, every replica reports the same state. Input is what replicas
// reported (name, time, state as JSON), e.g. from trace observations; no protocol knowledge.
// Decided as: settle = last_write + quiet. Every replica must report at least once at or
// after `settle`, all its reports from then on must be equal (it stays put), and all
// replicas' reports from then on must be equal to each other.
// Not here: whether the converged state is the *right* one (a linearizability or session
// check on the client history answers that).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dsim::check {

struct ReplicaReport {
  std::string replica;
  int64_t time = 0;
  nlohmann::json state;
};

struct ConvergenceResult {
  bool converged = false;
  int64_t settle = 0;                    // last_write + quiet
  std::vector<std::string> missing;      // no report at or after `settle`
  std::vector<std::string> unstable;     // reported different states after `settle`
  // Replicas grouped by their last state reported at or after `settle`, largest group
  // first (ties: by first replica name); each group's names sorted.
  std::vector<std::vector<std::string>> groups;
  std::vector<nlohmann::json> group_states;
  std::vector<std::string> differing;    // replicas outside the largest group

  std::string to_text() const;
  nlohmann::json to_json() const;
};

// `replicas` lists replicas that must report (those that appear in `reports` are always
// included). Reports may come in any order.
ConvergenceResult check_convergence(const std::vector<ReplicaReport>& reports, int64_t last_write,
                                    int64_t quiet, const std::vector<std::string>& replicas = {});

}  // namespace dsim::check

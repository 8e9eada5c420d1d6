// check_convergence (see convergence.h).
#include "sim/check/convergence.h"

#include <algorithm>
#include <map>

namespace dsim::check {

ConvergenceResult check_convergence(const std::vector<ReplicaReport>& reports, int64_t last_write,
                                    int64_t quiet, const std::vector<std::string>& replicas) {
  ConvergenceResult r;
  r.settle = last_write + quiet;
  struct Seen {
    bool any = false;
    bool stable = true;
    int64_t time = 0;
    nlohmann::json first, last;
  };
  std::map<std::string, Seen> seen;  // sorted by name: deterministic output
  for (const std::string& name : replicas) seen[name];
  for (const ReplicaReport& rep : reports) {
    Seen& s = seen[rep.replica];
    if (rep.time < r.settle) continue;
    if (!s.any) {
      s.any = true;
      s.first = rep.state;
      s.time = rep.time;
      s.last = rep.state;
    } else {
      if (rep.state != s.first) s.stable = false;
      if (rep.time >= s.time) s.time = rep.time, s.last = rep.state;
    }
  }
  std::vector<std::pair<nlohmann::json, std::vector<std::string>>> groups;
  for (const auto& [name, s] : seen) {
    if (!s.any) {
      r.missing.push_back(name);
      continue;
    }
    if (!s.stable) r.unstable.push_back(name);
    const nlohmann::json& last = s.last;  // named: clang 14 cannot capture a structured binding
    auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == last; });
    if (g == groups.end()) groups.push_back({s.last, {name}});
    else g->second.push_back(name);
  }
  // Largest first; equal sizes keep first-name order (stable sort over name-ordered groups).
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto& a, const auto& b) { return a.second.size() > b.second.size(); });
  for (size_t i = 0; i < groups.size(); ++i) {
    r.group_states.push_back(groups[i].first);
    r.groups.push_back(groups[i].second);
    if (i > 0) r.differing.insert(r.differing.end(), groups[i].second.begin(), groups[i].second.end());
  }
  std::sort(r.differing.begin(), r.differing.end());
  r.converged = r.missing.empty() && r.unstable.empty() && r.groups.size() <= 1 && !seen.empty();
  return r;
}

std::string ConvergenceResult::to_text() const {
  std::string s = std::string(converged ? "converged" : "NOT converged") + " at/after time " +
                  std::to_string(settle) + "\n";
  auto names = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& n : v) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (!missing.empty()) s += "  no report after settling from: " + names(missing) + "\n";
  if (!unstable.empty()) s += "  state still changing after settling: " + names(unstable) + "\n";
  if (groups.size() > 1) {
    for (size_t i = 0; i < groups.size(); ++i)
      s += "  " + names(groups[i]) + " report " + group_states[i].dump() + "\n";
  }
  return s;
}

nlohmann::json ConvergenceResult::to_json() const {
  nlohmann::json j = {{"converged", converged}, {"settle", settle},   {"missing", missing},
                      {"unstable", unstable},   {"differing", differing}, {"groups", nlohmann::json::array()}};
  for (size_t i = 0; i < groups.size(); ++i)
    j["groups"].push_back({{"replicas", groups[i]}, {"state", group_states[i]}});
  return j;
}

}  // namespace dsim::check

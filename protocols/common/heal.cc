#include "protocols/common/heal.h"

#include <vector>

namespace dsim::protocols {
namespace {

std::optional<sim::Duration> duration_at(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  return sim::parse_duration(j.at(key).get<std::string>(), nullptr, true);
}

bool is_network_fault(const nlohmann::json& f) {
  return f.contains("partition") || f.contains("isolate") || f.contains("cut") || f.contains("omit") ||
         f.contains("lossy") || f.contains("slow") || f.contains("duplicate") || f.contains("drop");
}

// The first time in `times` at or after `at`.
std::optional<sim::Duration> first_after(const std::vector<sim::Duration>& times, sim::Duration at) {
  std::optional<sim::Duration> first;
  for (auto t : times)
    if (t >= at && (!first || t < *first)) first = t;
  return first;
}

}  // namespace

HealTime last_heal(const nlohmann::json& faults, bool crashes_may_last, const std::string& model) {
  HealTime h{sim::Duration{}, ""};
  std::vector<sim::Duration> restarts, heals;
  for (const auto& f : faults) {
    if (f.contains("restart")) restarts.push_back(*duration_at(f, "at"));
    if (f.contains("heal")) heals.push_back(*duration_at(f, "at"));
  }
  for (const auto& f : faults) {
    if (f.contains("byzantine") || (f.contains("nemesis") && f.value("exceed_budget", false)))
      return {std::nullopt, "a Byzantine node or an over-budget fault is outside " + model + "'s fault model"};
    sim::Duration end;
    if (auto to = duration_at(f, "to")) {
      end = *to;
    } else {
      const sim::Duration at = *duration_at(f, "at");
      if (auto len = duration_at(f, "for")) {
        end = at + *len;
      } else if (f.contains("crash") || is_network_fault(f)) {
        auto first = first_after(f.contains("crash") ? restarts : heals, at);
        if (!first && f.contains("crash") && crashes_may_last) first = at;
        if (!first) return {std::nullopt, "the fault at " + sim::format_ms(at) + " never heals"};
        end = *first;
      } else {
        end = at;  // restart, heal, and a lasting clock change
      }
    }
    if (end > *h.at) h.at = end;
  }
  return h;
}

bool has_lasting_crash(const nlohmann::json& faults) {
  std::vector<sim::Duration> restarts;
  for (const auto& f : faults)
    if (f.contains("restart")) restarts.push_back(*duration_at(f, "at"));
  for (const auto& f : faults) {
    if (!f.contains("crash") || f.contains("for") || f.contains("to")) continue;
    if (!first_after(restarts, *duration_at(f, "at"))) return true;
  }
  return false;
}

}  // namespace dsim::protocols

#include "sim/healing.h"

namespace dsim::sim {

Healing::LastHeal Healing::last_heal(bool crashes_may_last, std::string_view model) const {
  const End& end = crashes_may_last ? leaving_crashed : all;
  if (end.at) return {end.at, ""};
  if (end.outside_model)
    return {std::nullopt, "a Byzantine node or an over-budget fault is outside " + std::string(model) + "'s fault model"};
  return {std::nullopt, end.never};
}

}  // namespace dsim::sim

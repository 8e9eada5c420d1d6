#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

namespace dsim::gossip {

// One gossip period ("cycle"): contact one random member.
struct CycleTimer {
  static constexpr std::string_view type_name = "cycle";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Inject update `update` here.
struct InjectTimer {
  static constexpr std::string_view type_name = "inject";
  uint64_t update = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("update", self.update); }
};

using Timer = std::variant<CycleTimer, InjectTimer>;

}  // namespace dsim::gossip

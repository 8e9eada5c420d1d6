// Strong identifiers shared by the engine and every protocol: NodeId and TimerId.
// A NodeId is a dense index into the simulation's topology (servers first, then clients);
// names ("n3", "c1") live in Topology.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace dsim::sim {

struct NodeId {
  uint32_t value = std::numeric_limits<uint32_t>::max();
  constexpr NodeId() = default;
  constexpr explicit NodeId(uint32_t v) : value(v) {}
  constexpr bool valid() const { return value != std::numeric_limits<uint32_t>::max(); }
  constexpr auto operator<=>(const NodeId&) const = default;
};
inline constexpr NodeId kNoNode{};

// Identifies one armed timer; unique within a simulation (a monotone counter), so a timer of
// an earlier incarnation can never be mistaken for a current one.
struct TimerId {
  uint64_t value = 0;
  constexpr auto operator<=>(const TimerId&) const = default;
  constexpr bool valid() const { return value != 0; }
};


}  // namespace dsim::sim

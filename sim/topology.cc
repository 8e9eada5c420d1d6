#include "sim/topology.h"

#include <charconv>

namespace dsim::sim {

Topology::Topology(uint32_t servers, uint32_t clients) : servers_(servers) {
  names_.reserve(servers + clients);
  // append() rather than "n" + to_string(i): GCC 12 warns (-Wrestrict, a false positive) on the latter.
  for (uint32_t i = 1; i <= servers; ++i) names_.push_back(std::string("n").append(std::to_string(i)));
  for (uint32_t i = 1; i <= clients; ++i) names_.push_back(std::string("c").append(std::to_string(i)));
}

std::optional<NodeId> Topology::find(std::string_view name) const {
  if (name.size() < 2 || (name[0] != 'n' && name[0] != 'c') || name[1] == '0') return std::nullopt;
  uint32_t index = 0;
  auto [ptr, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), index);
  if (ec != std::errc() || ptr != name.data() + name.size() || index == 0) return std::nullopt;
  if (name[0] == 'n') return index <= servers_ ? std::optional(NodeId(index - 1)) : std::nullopt;
  return index <= clients() ? std::optional(NodeId(servers_ + index - 1)) : std::nullopt;
}

}  // namespace dsim::sim

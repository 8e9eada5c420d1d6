// The simulation's nodes and their names: servers "n1".."nN" first, then clients
// "c1".."cM". A NodeId is the dense index; lookups by name are for input parsing only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"

namespace dsim::sim {

enum class Role : uint8_t { server, client };

class Topology {
 public:
  Topology() = default;
  Topology(uint32_t servers, uint32_t clients);

  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }
  uint32_t servers() const { return servers_; }
  uint32_t clients() const { return size() - servers_; }
  Role role(NodeId n) const { return n.value < servers_ ? Role::server : Role::client; }
  const std::string& name(NodeId n) const { return names_[n.value]; }
  std::optional<NodeId> find(std::string_view name) const;
  NodeId server(uint32_t i) const { return NodeId(i); }
  NodeId client(uint32_t i) const { return NodeId(servers_ + i); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  uint32_t servers_ = 0;
  std::vector<std::string> names_;
};

}  // namespace dsim::sim

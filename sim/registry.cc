#include "sim/registry.h"

namespace dsim::sim {

ProcessFactory make_process_factory(const ProtocolSpec& protocol, const ProtocolConfig& config) {
  ProcessFactory global = protocol.make_factory(config);
  if (config.node_params.empty()) return global;
  std::map<NodeId, ProcessFactory> own;
  for (const auto& [node, params] : config.node_params) {
    ProtocolConfig c = config;
    c.params = params;
    c.node_params.clear();
    own.emplace(node, protocol.make_factory(c));
  }
  return [global = std::move(global), own = std::move(own)](NodeId id, const Topology& t) {
    const auto it = own.find(id);
    return it == own.end() ? global(id, t) : it->second(id, t);
  };
}

}  // namespace dsim::sim

#include "protocols/registry.h"

namespace dsim {
namespace pingmesh { sim::ProtocolSpec protocol_spec(); }

namespace protocols {
const sim::Registry& registry() {
  static const sim::Registry r = [] {
    sim::Registry reg;
    reg.add(pingmesh::protocol_spec());
    return reg;
  }();
  return r;
}
}  // namespace protocols
}  // namespace dsim

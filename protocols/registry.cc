#include "protocols/registry.h"

#include "sim/check/linearizable_invariant.h"

namespace dsim {
namespace pingmesh { sim::ProtocolSpec protocol_spec(); }
namespace raft { sim::ProtocolSpec protocol_spec(); }
namespace twopc { sim::ProtocolSpec protocol_spec(); }
namespace threepc { sim::ProtocolSpec protocol_spec(); }
namespace paxos { sim::ProtocolSpec protocol_spec(); }
namespace gossip { sim::ProtocolSpec protocol_spec(); }
namespace swim { sim::ProtocolSpec protocol_spec(); }
namespace quorum { sim::ProtocolSpec protocol_spec(); }
namespace saga { sim::ProtocolSpec protocol_spec(); }

namespace protocols {
const sim::Registry& registry() {
  static const sim::Registry r = [] {
    sim::Registry reg;
    reg.add(pingmesh::protocol_spec());
    reg.add(raft::protocol_spec());
    reg.add(twopc::protocol_spec());
    reg.add(threepc::protocol_spec());
    reg.add(paxos::protocol_spec());
    reg.add(gossip::protocol_spec());
    reg.add(swim::protocol_spec());
    reg.add(quorum::protocol_spec());
    reg.add(saga::protocol_spec());
    reg.add_generic({"linearizable",
                     "the clients' history is linearizable for the protocol's model (checked at the end of the run)",
                     [](const sim::InvariantEnv& env) {
                       const std::string name = env.scenario->at("protocol").at("name").get<std::string>();
                       return check::make_linearizable_invariant(registry().find(name)->history_model,
                                                                 env.topology->names());
                     }});
    return reg;
  }();
  return r;
}
}  // namespace protocols
}  // namespace dsim

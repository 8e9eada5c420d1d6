#include "protocols/gossip/observations.h"

namespace dsim::gossip {

std::vector<std::string_view> observation_types() {
  return sim::observation_names<Injected, Received, Infective, LostInterest>();
}
sim::ValueDecoder decode_observation() { return sim::observation_decoder<Injected, Received, Infective, LostInterest>(); }

}  // namespace dsim::gossip

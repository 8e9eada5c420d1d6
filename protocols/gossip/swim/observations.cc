#include "protocols/gossip/swim/observations.h"

namespace dsim::swim {

std::vector<std::string_view> observation_types() { return sim::observation_names<Status, Refuted, Joined, Left>(); }
sim::ValueDecoder decode_observation() { return sim::observation_decoder<Status, Refuted, Joined, Left>(); }

}  // namespace dsim::swim

#include "protocols/saga/observations.h"

namespace dsim::saga {

std::vector<std::string_view> observation_types() {
  return sim::observation_names<Begun, Ended, Applied, Refused, Retried, Breaker, Emitted, Published, DeadLettered>();
}
sim::ValueDecoder decode_observation() {
  return sim::observation_decoder<Begun, Ended, Applied, Refused, Retried, Breaker, Emitted, Published, DeadLettered>();
}

}  // namespace dsim::saga

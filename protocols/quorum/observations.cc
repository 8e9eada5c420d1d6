#include "protocols/quorum/observations.h"

namespace dsim::quorum {

std::vector<std::string_view> observation_types() {
  return sim::observation_names<Wrote, Stored, Hinted, HandedOff, Repaired, AeRepaired, Joined, Left, Transferred, PbsTrial, PutOk, GetOk, kv::OpSkipped>();
}
sim::ValueDecoder decode_observation() {
  return sim::observation_decoder<Wrote, Stored, Hinted, HandedOff, Repaired, AeRepaired, Joined, Left, Transferred, PbsTrial, PutOk, GetOk, kv::OpSkipped>();
}

}  // namespace dsim::quorum

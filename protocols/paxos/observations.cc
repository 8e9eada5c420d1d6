// The registry's view of Paxos's observations: their names, and the decoder that reads them
// back from a trace and refuses values no server writes.
#include "protocols/paxos/observations.h"

#include <stdexcept>

namespace dsim::paxos {
namespace {

template <class... Ts>
struct ObservationList {
  static std::vector<std::string_view> names() { return sim::observation_names<Ts...>(); }
  static sim::ValueDecoder decoder() { return sim::observation_decoder<Ts...>(); }
};
using Observations = ObservationList<Promised, AcceptedValue, PrepareStarted, Proposed, BecameLeader, SteppedDown,
                                     Learned, Recovered, OpSkipped>;

template <class T>
const T* as(const sim::MessagePtr& m) {
  return m->holds<std::variant<T>>() ? &std::get<0>(m->as<std::variant<T>>()) : nullptr;
}

void need_slot(uint64_t slot) {
  if (slot == 0) throw std::invalid_argument("field \"slot\" must be at least 1 (slots start at 1)");
}
void need_ballot(const Ballot& b, const char* field) {
  if (!b.valid()) throw std::invalid_argument(std::string("field \"") + field + "\" must be a ballot of round 1 or more");
}

}  // namespace

std::vector<std::string_view> observation_types() { return Observations::names(); }

sim::ValueDecoder decode_observation() {
  return [decode = Observations::decoder()](std::string_view type, const nlohmann::json& body) -> sim::MessagePtr {
    sim::MessagePtr out = decode(type, body);
    if (!out) return out;
    if (const auto* a = as<AcceptedValue>(out)) need_slot(a->slot), need_ballot(a->ballot, "ballot");
    if (const auto* p = as<Proposed>(out)) need_slot(p->slot), need_ballot(p->ballot, "ballot");
    if (const auto* l = as<Learned>(out)) need_slot(l->slot);
    if (const auto* p = as<Promised>(out)) need_ballot(p->ballot, "ballot");
    if (const auto* b = as<BecameLeader>(out)) need_ballot(b->ballot, "ballot");
    if (const auto* s = as<PrepareStarted>(out)) need_ballot(s->ballot, "ballot");
    return out;
  };
}

}  // namespace dsim::paxos

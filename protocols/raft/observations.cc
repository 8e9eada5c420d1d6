// The registry's view of Raft's observations: their names, and the decoder that reads them back
// from a trace and refuses values no server writes (observations.h).
#include "protocols/raft/observations.h"

#include <limits>
#include <stdexcept>

namespace dsim::raft {
namespace {

template <class... Ts>
struct ObservationList {
  static std::vector<std::string_view> names() { return sim::observation_names<Ts...>(); }
  static sim::ValueDecoder decoder() { return sim::observation_decoder<Ts...>(); }
};
using Observations = ObservationList<LogAppend, LogTruncate, Apply, Commit, PreVoteStarted, ElectionStarted, Voted,
                                     BecameLeader, SteppedDown, Recovered, SnapshotTaken, SnapshotInstalled, OpSkipped>;

void check_run(const EntryRun& run) {
  if (run.first.value == 0) throw std::invalid_argument("field \"first\" must be at least 1 (the log starts at index 1)");
  if (run.entries.size() > std::numeric_limits<uint64_t>::max() - run.first.value + 1)
    throw std::invalid_argument("field \"entries\" runs past the largest index (first " + std::to_string(run.first.value) +
                                ", " + std::to_string(run.entries.size()) + " entries)");
}

}  // namespace

std::vector<std::string_view> observation_types() { return Observations::names(); }

sim::ValueDecoder decode_observation() {
  return [decode = Observations::decoder()](std::string_view type, const nlohmann::json& body) -> sim::MessagePtr {
    sim::MessagePtr out = decode(type, body);
    if (!out) return out;
    if (out->holds<std::variant<LogAppend>>()) check_run(std::get<0>(out->as<std::variant<LogAppend>>()));
    if (out->holds<std::variant<Apply>>()) check_run(std::get<0>(out->as<std::variant<Apply>>()));
    if (out->holds<std::variant<LogTruncate>>() && std::get<0>(out->as<std::variant<LogTruncate>>()).from.value == 0)
      throw std::invalid_argument("field \"from\" must be at least 1 (the log starts at index 1)");
    return out;
  };
}

}  // namespace dsim::raft

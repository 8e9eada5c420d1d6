// What Paxos's servers observe (sim/observe.h): the facts the invariants, the metrics and the
// selectors read from the trace. Nothing else about a server reaches them. A value appears as
// the digest of its command (kv::digest): invariants compare digests, never node memory.
//
// An acceptor observes its promises and acceptances (promised, accepted); a proposer, its
// phase-1 runs and the values it puts to phase 2 (prepare_started, proposed); a leader, its
// election and its end (became_leader, stepped_down); a learner, each value it learns (learned);
// every server, its recovery from storage (recovered); a client, the operations it could not
// run (op_skipped).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/paxos/messages.h"
#include "sim/observe.h"

namespace dsim::paxos {

// The acceptor raised its promise to `ballot` (on a prepare, or on accepting a higher ballot),
// synced before its answer left.
struct Promised {
  static constexpr std::string_view type_name = "promised";
  Ballot ballot;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); }
};

// The acceptor accepted the value with digest `digest` in `slot` at `ballot`.
struct AcceptedValue {
  static constexpr std::string_view type_name = "accepted";
  uint64_t slot = 0;
  Ballot ballot;
  uint64_t digest = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("slot", self.slot); v("ballot", self.ballot); v("digest", self.digest); }
};

// A proposer started phase 1 with `ballot`, for slots from `first_slot` on.
struct PrepareStarted {
  static constexpr std::string_view type_name = "prepare_started";
  Ballot ballot;
  uint64_t first_slot = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("first_slot", self.first_slot); }
};

// A proposer sent accept requests for `slot` at `ballot` with the value `digest`. `fresh`: the
// value is new (a client's command, the proposer's own value, or a no-op filling a gap), not
// one a promise reported as accepted. Validity reads the fresh ones.
struct Proposed {
  static constexpr std::string_view type_name = "proposed";
  uint64_t slot = 0;
  Ballot ballot;
  uint64_t digest = 0;
  bool fresh = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("slot", self.slot); v("ballot", self.ballot); v("digest", self.digest); v("fresh", self.fresh);
  }
};

// Multi: the server completed phase 1 with `ballot` and leads; slots [first_slot, next_slot)
// were re-proposed or filled with no-ops.
struct BecameLeader {
  static constexpr std::string_view type_name = "became_leader";
  Ballot ballot;
  uint64_t first_slot = 1;
  uint64_t next_slot = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("first_slot", self.first_slot); v("next_slot", self.next_slot); }
};

// Multi: a leader (or a proposer in phase 1) gave up its ballot because it saw `by`, higher.
struct SteppedDown {
  static constexpr std::string_view type_name = "stepped_down";
  Ballot ballot;
  Ballot by;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("by", self.by); }
};

// The learner learned that the value with digest `digest` is chosen in `slot`.
struct Learned {
  static constexpr std::string_view type_name = "learned";
  uint64_t slot = 0;
  uint64_t digest = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("slot", self.slot); v("digest", self.digest); }
};

// A server started (or restarted) from its storage: its promise, how many values it had
// accepted and learned, and its first unchosen slot.
struct Recovered {
  static constexpr std::string_view type_name = "recovered";
  Ballot promised;
  uint64_t accepted = 0;
  uint64_t learned = 0;
  uint64_t first_unchosen = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("promised", self.promised); v("accepted", self.accepted); v("learned", self.learned);
    v("first_unchosen", self.first_unchosen);
  }
};

using kv::OpSkipped;

// Every observation type's name, for the registry (`dsim list`).
std::vector<std::string_view> observation_types();

// Decodes an observation read back from a trace, and refuses values no server writes (slot 0,
// a ballot of round 0 where one is required). Throws std::invalid_argument naming the field.
sim::ValueDecoder decode_observation();

}  // namespace dsim::paxos

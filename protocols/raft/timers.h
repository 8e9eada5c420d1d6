// Raft's timers, as values (sim/observe.h): a node arms one with set_timer(ctx, ..., value)
// and receives the same value in on_timer, where a std::visit with one case per type (no
// catch-all) dispatches it. Servers and clients arm different timers, so each has its own
// variant; the registry decodes both (sim::timer_decoder<ServerTimer, ClientTimer>).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "protocols/common/kv.h"

namespace dsim::raft {

// ---- a server's ----

// Raft §5.2: "If a follower receives no communication over a period of time called the
// election timeout, then it assumes there is no viable leader and begins an election".
struct ElectionTimer {
  static constexpr std::string_view type_name = "election";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// §5.2: a leader's periodic heartbeat (empty AppendEntries), one round each.
struct HeartbeatTimer {
  static constexpr std::string_view type_name = "heartbeat";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Dissertation §6.2: a leader that heard from no majority in an election timeout steps down.
struct CheckQuorumTimer {
  static constexpr std::string_view type_name = "check_quorum";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// §5.1: a candidate asks again the servers that have not answered its RequestVote.
struct VoteRetryTimer {
  static constexpr std::string_view type_name = "vote_retry";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

using ServerTimer = std::variant<ElectionTimer, HeartbeatTimer, CheckQuorumTimer, VoteRetryTimer>;

// ---- a client's ----

using kv::ClientTimer;  // the shared client's (protocols/common/kv.h)

}  // namespace dsim::raft

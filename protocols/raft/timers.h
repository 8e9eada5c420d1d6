// Raft's timers, as values (sim/observe.h): a node arms one with set_timer(ctx, ..., value)
// and receives the same value in on_timer, where a std::visit with one case per type (no
// catch-all) dispatches it. Servers and clients arm different timers, so each has its own
// variant; the registry decodes both (sim::timer_decoder<ServerTimer, ClientTimer>).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

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

// The next operation arrives (open loop).
struct NextOpTimer {
  static constexpr std::string_view type_name = "next_op";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Logical process `process` heard nothing back from its latest attempt in time.
struct AttemptTimeout {
  static constexpr std::string_view type_name = "timeout";
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("process", self.process); }
};

// Logical process `process` tries its operation again, after a back-off or a redirect.
struct RetryTimer {
  static constexpr std::string_view type_name = "retry";
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("process", self.process); }
};

using ClientTimer = std::variant<NextOpTimer, AttemptTimeout, RetryTimer>;

}  // namespace dsim::raft

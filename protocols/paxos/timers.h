// Paxos's timers, as values (sim/observe.h). Servers and clients arm different timers, so each
// has its own variant; the clients' are the shared key-value client's (protocols/common/kv.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "protocols/common/kv.h"

namespace dsim::paxos {

// Multi: no heartbeat from a leader for the leader timeout, so this server (if it may lead)
// starts phase 1. Single: a proposer starts (or, after a back-off, restarts) its proposal.
struct ProposeTimer {
  static constexpr std::string_view type_name = "propose";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Multi: the leader's heartbeat, and its retransmission of accept requests still unanswered.
struct HeartbeatTimer {
  static constexpr std::string_view type_name = "heartbeat";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// A proposer heard from no quorum within phase_timeout of its ballot `round`: it backs off and
// tries again.
struct PhaseTimer {
  static constexpr std::string_view type_name = "phase_timeout";
  uint64_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("round", self.round); }
};

// Single: a learner that has learned nothing asks the others for the decision.
struct CatchUpTimer {
  static constexpr std::string_view type_name = "catch_up";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

using ServerTimer = std::variant<ProposeTimer, HeartbeatTimer, PhaseTimer, CatchUpTimer>;
using kv::ClientTimer;

}  // namespace dsim::paxos

#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "sim/ids.h"

namespace dsim::swim {

// The protocol period (§3.1): settle the last probe, start the next.
struct ProbeTimer {
  static constexpr std::string_view type_name = "probe";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// The probe `seq` had no direct ack in time: ask k members to ping the target.
struct PingTimeout {
  static constexpr std::string_view type_name = "ping_timeout";
  uint32_t seq = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("seq", self.seq); }
};

// `member` has been suspected at `incarnation` for the suspicion timeout (§4.2).
struct SuspicionTimeout {
  static constexpr std::string_view type_name = "suspicion_timeout";
  sim::NodeId member;
  uint32_t incarnation = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("member", self.member); v("incarnation", self.incarnation); }
};

// Join (or rejoin after a restart): ask a random initial member for its view; retried every period.
struct JoinTimer {
  static constexpr std::string_view type_name = "join";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

struct LeaveTimer {
  static constexpr std::string_view type_name = "leave";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

using Timer = std::variant<ProbeTimer, PingTimeout, SuspicionTimeout, JoinTimer, LeaveTimer>;

}  // namespace dsim::swim

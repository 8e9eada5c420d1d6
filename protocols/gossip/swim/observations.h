// What SWIM members observe: the facts the invariants and metrics read.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/gossip/swim/messages.h"
#include "sim/observe.h"

namespace dsim::swim {

// How a member came to change its view of another: its own probe went unanswered, its own
// suspicion timed out, or it heard the update from another member.
enum class How : uint8_t { probe, timeout, heard };
inline constexpr std::array<std::string_view, 3> kHowNames{"probe", "timeout", "heard"};
inline const std::array<std::string_view, 3>& enum_names(How) { return kHowNames; }

// The member's view of `member` changed to `state` at `incarnation`.
struct Status {
  static constexpr std::string_view type_name = "status";
  sim::NodeId member;
  State state = State::alive;
  uint32_t incarnation = 0;
  How how = How::heard;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("member", self.member);
    v("state", self.state);
    v("incarnation", self.incarnation);
    v("how", self.how);
  }
};

// The member heard itself suspected or declared dead and refuted it with `incarnation` (§4.2).
struct Refuted {
  static constexpr std::string_view type_name = "refuted";
  uint32_t incarnation = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("incarnation", self.incarnation); }
};

// The member (a joiner, or a restarted member) received a view and is in the group.
struct Joined {
  static constexpr std::string_view type_name = "joined";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// The member left the group voluntarily (it announced it and fell silent).
struct Left {
  static constexpr std::string_view type_name = "left";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

std::vector<std::string_view> observation_types();
sim::ValueDecoder decode_observation();

}  // namespace dsim::swim

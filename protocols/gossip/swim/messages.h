// SWIM messages (Das, Gupta, Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process
// Group Membership Protocol", DSN 2002). Every ping, ping-req and ack carries membership updates
// piggybacked on it (§4.1, "infection-style dissemination"); a sync carries a whole view (joins).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/ids.h"

namespace dsim::swim {

// A member's status in a view (§4.2), ordered as they override each other at one incarnation.
enum class State : uint8_t { alive, suspect, dead, left };
inline constexpr std::array<std::string_view, 4> kStateNames{"alive", "suspect", "dead", "left"};
inline const std::array<std::string_view, 4>& enum_names(State) { return kStateNames; }

// "{Alive | Suspect | Confirm} Mj, incarnation i" (§4.2). `left`: the member left the group.
struct Update {
  sim::NodeId member;
  State state = State::alive;
  uint32_t incarnation = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("member", self.member); v("state", self.state); v("incarnation", self.incarnation); }
};

// §3.1: "Mi ... pings Mj"; answered by an Ack with the same sequence number.
struct Ping {
  static constexpr std::string_view type_name = "swim.ping";
  uint32_t seq = 0;
  std::vector<Update> updates;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("seq", self.seq); v("updates", self.updates); }
};

// §3.1: "Mi selects k members at random and sends each a ping-req(Mj) message"; the receiver pings
// Mj itself and relays Mj's ack, with the caller's sequence number.
struct PingReq {
  static constexpr std::string_view type_name = "swim.ping_req";
  uint32_t seq = 0;
  sim::NodeId target;
  std::vector<Update> updates;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("seq", self.seq); v("target", self.target); v("updates", self.updates); }
};

struct Ack {
  static constexpr std::string_view type_name = "swim.ack";
  uint32_t seq = 0;
  std::vector<Update> updates;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("seq", self.seq); v("updates", self.updates); }
};

// Joining (or rejoining after a restart): the sender's view, as the entries that differ from the
// initial membership every member starts with (each initial member alive at incarnation 0);
// `reply` asks for the receiver's in return.
struct Sync {
  static constexpr std::string_view type_name = "swim.sync";
  std::vector<Update> entries;
  bool reply = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("entries", self.entries); v("reply", self.reply); }
};

using Message = std::variant<Ping, PingReq, Ack, Sync>;

}  // namespace dsim::swim

// pingmesh messages: a Ping carries an id unique per sender (incarnation in the high bits),
// and the Reply echoes it.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

namespace dsim::pingmesh {

struct Ping {
  static constexpr std::string_view type_name = "pingmesh.ping";
  uint64_t id = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("id", self.id); }
};

struct Reply {
  static constexpr std::string_view type_name = "pingmesh.reply";
  uint64_t id = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("id", self.id); }
};

using Message = std::variant<Ping, Reply>;

// Timers: the next ping, and (bug late_reply) a held-back reply.
struct PingTimer {
  static constexpr std::string_view type_name = "ping";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct LateReplyTimer {
  static constexpr std::string_view type_name = "late_reply";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
using Timer = std::variant<PingTimer, LateReplyTimer>;

// Ping ids: the sender's incarnation in the top 24 bits, a counter below, so a restarted
// node never reuses an id of its earlier life.
constexpr uint64_t make_ping_id(uint32_t incarnation, uint64_t counter) {
  return (static_cast<uint64_t>(incarnation) << 40) | counter;
}

}  // namespace dsim::pingmesh

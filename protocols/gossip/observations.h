// What gossip members observe: the facts the invariants and metrics read.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/gossip/messages.h"
#include "sim/observe.h"

namespace dsim::gossip {

// The member injected update `update` (key, version = update + 1).
struct Injected {
  static constexpr std::string_view type_name = "injected";
  uint64_t update = 0;
  uint64_t key = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("update", self.update); v("key", self.key); }
};

// The member's store took `version` for `key` (newer than what it held), from a peer.
struct Received {
  static constexpr std::string_view type_name = "received";
  uint64_t key = 0;
  uint64_t version = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("version", self.version); }
};

// Rumor mongering: the member started spreading `version` (it is infective, §1.4).
struct Infective {
  static constexpr std::string_view type_name = "infective";
  uint64_t version = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("version", self.version); }
};

// Rumor mongering: the member lost interest in `version` (it is removed, §1.4).
struct LostInterest {
  static constexpr std::string_view type_name = "lost_interest";
  uint64_t version = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("version", self.version); }
};

std::vector<std::string_view> observation_types();
sim::ValueDecoder decode_observation();

}  // namespace dsim::gossip

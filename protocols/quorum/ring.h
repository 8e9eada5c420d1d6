// The consistent-hashing ring (Karger et al. 1997; DeCandia et al., "Dynamo", SOSP 2007 §4.2):
// every member server owns `vnodes` tokens, points on a 64-bit circle, and a key belongs to the
// first token clockwise from the key's own hash. A key's preference list (§4.3) is the distinct
// servers met walking clockwise from there: its first N are the key's home replicas, the rest
// the fallbacks a sloppy quorum uses, in order, while home replicas are down (§4.6).
//
// Tokens and key positions are xxHash64 of the server's index and token number, and of the key
// text: every node (and the checkers) computes the same ring from the same members.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/ids.h"

namespace dsim::quorum {

uint64_t key_position(std::string_view key);

class Ring {
 public:
  Ring() = default;
  // The ring of the servers in `members` (sorted, distinct), `vnodes` tokens each.
  Ring(const std::vector<sim::NodeId>& members, uint32_t vnodes);

  // Every member (the first `limit` of them), in preference order for `key`: the first N are
  // its home replicas.
  std::vector<sim::NodeId> preference(std::string_view key, size_t limit = SIZE_MAX) const;
  // The first `n` of preference(key) (fewer if the ring has fewer members).
  std::vector<sim::NodeId> home(std::string_view key, uint32_t n) const;
  bool is_home(std::string_view key, uint32_t n, sim::NodeId node) const;
  const std::vector<sim::NodeId>& members() const { return members_; }
  size_t size() const { return members_.size(); }

 private:
  struct Token {
    uint64_t position;
    sim::NodeId node;
  };
  std::vector<sim::NodeId> members_;
  std::vector<Token> tokens_;  // sorted by position (ties by node)
  uint32_t max_node_ = 0;      // the largest member's index
};

}  // namespace dsim::quorum

// Merkle trees for anti-entropy (DeCandia et al. 2007 §4.7: "each node maintains a separate Merkle
// tree for each key range ... two nodes exchange the root of the Merkle tree corresponding to the
// key ranges that they host in common ... [then] the hash values of children ... until they reach
// the leaves"; Merkle 1987).
//
// One tree covers the keys two servers host in common (both are home replicas of them): each
// builds it from its own copies. A key falls in the leaf its hash picks; a leaf's hash combines
// its keys' (key, version) digests order-independently, an inner node's hashes its children's.
// Fan-out 4, depth 3 below the root: 64 leaves. Equal subtrees are skipped whole, so two replicas
// that differ in a few keys exchange a few hashes per level and only those leaves' copies.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/quorum/version.h"

namespace dsim::quorum {

class MerkleTree {
 public:
  static constexpr uint32_t kFanout = 4;
  static constexpr uint32_t kDepth = 3;  // levels below the root; leaves at level kDepth
  static constexpr uint32_t kLeaves = kFanout * kFanout * kFanout;

  static uint32_t leaf_of(const std::string& key);
  // A copy's digest: its siblings' dots and its causal context (a dot names one value).
  static uint64_t digest(const std::string& key, const Object& o);

  void add(const std::string& key, const Object& o);
  // Hash of node `index` at `level` (level 0: the root, index 0; level L: 4^L nodes).
  uint64_t hash(uint32_t level, uint32_t index) const;
  static uint32_t nodes_at(uint32_t level) { uint32_t n = 1; for (uint32_t l = 0; l < level; ++l) n *= kFanout; return n; }

 private:
  std::array<uint64_t, kLeaves> leaves_{};
};

}  // namespace dsim::quorum

#include "protocols/quorum/merkle.h"

#include <xxhash.h>

#include "protocols/quorum/ring.h"

namespace dsim::quorum {

namespace {
constexpr uint64_t kSeed = 0x6d65726b6c652d31ULL;  // "merkle-1"
uint64_t mix(uint64_t a, uint64_t b) {
  const uint64_t in[2] = {a, b};
  return XXH64(in, sizeof in, kSeed);
}
}  // namespace

uint32_t MerkleTree::leaf_of(const std::string& key) {
  return static_cast<uint32_t>(XXH64(key.data(), key.size(), kSeed) % kLeaves);
}

uint64_t MerkleTree::digest(const std::string& key, const Object& o) {
  uint64_t h = XXH64(key.data(), key.size(), kSeed);
  for (const Sibling& s : o.siblings) h = mix(h, mix(s.dot.node.value, s.dot.counter));
  h = mix(h, 0x5c);
  for (const VVEntry& e : o.context.entries) h = mix(h, mix(e.node.value, e.counter));
  h = mix(h, 0xc1);
  for (const Dot& d : o.context.cloud) h = mix(h, mix(d.node.value, d.counter));
  return h;
}

void MerkleTree::add(const std::string& key, const Object& o) {
  // Summed: a leaf's hash does not depend on the order its keys were added in.
  leaves_[leaf_of(key)] += digest(key, o);
}

uint64_t MerkleTree::hash(uint32_t level, uint32_t index) const {
  if (level >= kDepth) return leaves_[index % kLeaves];
  uint64_t h = mix(level, index);
  for (uint32_t c = 0; c < kFanout; ++c) h = mix(h, hash(level + 1, index * kFanout + c));
  return h;
}

}  // namespace dsim::quorum

#include "protocols/quorum/ring.h"

#include <algorithm>

#include <xxhash.h>

namespace dsim::quorum {

namespace {
constexpr uint64_t kKeySeed = 0x6b65792d72696e67ULL;    // "key-ring"
constexpr uint64_t kTokenSeed = 0x746f6b656e2d3031ULL;  // "token-01"
}  // namespace

uint64_t key_position(std::string_view key) { return XXH64(key.data(), key.size(), kKeySeed); }

Ring::Ring(const std::vector<sim::NodeId>& members, uint32_t vnodes) : members_(members) {
  tokens_.reserve(members.size() * vnodes);
  for (sim::NodeId m : members) {
    max_node_ = std::max(max_node_, m.value);
    for (uint32_t i = 0; i < vnodes; ++i) {
      const uint64_t in[2] = {m.value, i};
      tokens_.push_back(Token{XXH64(in, sizeof in, kTokenSeed), m});
    }
  }
  std::sort(tokens_.begin(), tokens_.end(), [](const Token& a, const Token& b) {
    return a.position != b.position ? a.position < b.position : a.node < b.node;
  });
}

std::vector<sim::NodeId> Ring::preference(std::string_view key, size_t limit) const {
  std::vector<sim::NodeId> out;
  if (tokens_.empty()) return out;
  const size_t want = std::min(limit, members_.size());
  out.reserve(want);
  const uint64_t h = key_position(key);
  size_t i = std::lower_bound(tokens_.begin(), tokens_.end(), h, [](const Token& t, uint64_t x) { return t.position < x; }) -
             tokens_.begin();
  // A few members: a linear look-up in `out`; many: a bitmap by node index.
  std::vector<bool> seen(want > 8 ? max_node_ + 1 : 0, false);
  for (size_t step = 0; step < tokens_.size() && out.size() < want; ++step, ++i) {
    const sim::NodeId n = tokens_[i % tokens_.size()].node;
    if (want > 8) {
      if (seen[n.value]) continue;
      seen[n.value] = true;
    } else if (std::find(out.begin(), out.end(), n) != out.end()) {
      continue;
    }
    out.push_back(n);
  }
  return out;
}

std::vector<sim::NodeId> Ring::home(std::string_view key, uint32_t n) const { return preference(key, n); }

bool Ring::is_home(std::string_view key, uint32_t n, sim::NodeId node) const {
  const std::vector<sim::NodeId> h = home(key, n);
  return std::find(h.begin(), h.end(), node) != h.end();
}

}  // namespace dsim::quorum

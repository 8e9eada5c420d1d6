// LogMirror: every server's log as the trace describes it (log_append, log_truncate,
// snapshot_installed observations), kept as a running prefix hash per index:
//   prefix[i] = mix(prefix[i-1], term_i, digest_i)
// so two logs agree on entries 1..i exactly when their prefix[i] agree (up to hash collisions).
// Storage is synced before a server's handler ends, so a crash loses nothing the mirror holds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "protocols/common/payload.h"
#include "protocols/raft/observations.h"
#include "sim/trace.h"

namespace dsim::raft {

class LogMirror {
 public:
  struct Slot {
    uint64_t term = 0;
    uint64_t prefix = 0;
  };
  explicit LogMirror(uint32_t servers) : logs_(servers, std::vector<Slot>(1)), known_from_(servers, 0) {}

  // Feeds one observation of `node`. Returns false if it was not a log observation.
  // `on_new` is called for each appended index with (index, slot).
  template <class F>
  bool feed(uint32_t node, std::string_view what, const nlohmann::json& d, F&& on_new);
  bool feed(uint32_t node, std::string_view what, const nlohmann::json& d) {
    return feed(node, what, d, [](uint64_t, const Slot&) {});
  }

  uint64_t last_index(uint32_t node) const { return logs_[node].size() - 1; }
  const Slot& at(uint32_t node, uint64_t index) const { return logs_[node][index]; }
  // Indices below this are covered by an installed snapshot and not mirrored entry by entry.
  uint64_t known_from(uint32_t node) const { return known_from_[node]; }
  // The prefix hash recorded for (index, term) by whichever server first held it.
  const uint64_t* first_seen(uint64_t index, uint64_t term) const {
    auto it = seen_.find({index, term});
    return it == seen_.end() ? nullptr : &it->second;
  }

  static uint64_t mix(uint64_t prev, uint64_t term, uint64_t digest) {
    uint64_t h = prev ^ (term * 0x9E3779B97F4A7C15ull) ^ (digest + 0x632BE59BD9B4E019ull + (prev << 6));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
  }

 private:
  std::vector<std::vector<Slot>> logs_;
  std::vector<uint64_t> known_from_;
  uint64_t max_index_ = 0;  // the highest index any server appended
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> seen_;  // (index, term) -> prefix hash
};

template <class F>
bool LogMirror::feed(uint32_t node, std::string_view what, const nlohmann::json& d, F&& on_new) {
  if (node >= logs_.size()) return false;
  auto& log = logs_[node];
  if (what == "log_append") {
    const EntriesView appended(d);
    const uint64_t first = appended.first();
    if (first > log.size())  // a server appends right after its last entry or overwrites
      throw sim::InputError("log_append at index " + std::to_string(first) + " leaves a gap after index " +
                            std::to_string(log.size() - 1));
    log.resize(first);
    for (size_t k = 0; k < appended.size(); ++k) {
      const uint64_t term = appended.term(k);
      const Slot s{term, mix(log.back().prefix, term, appended.digest(k))};
      log.push_back(s);
      seen_.try_emplace({first + k, term}, s.prefix);
      on_new(first + k, s);
    }
    max_index_ = std::max(max_index_, appended.last());
    return true;
  }
  if (what == "log_truncate") {
    const uint64_t from = protocols::count_field(d, "from");
    if (from == 0) throw sim::InputError("log_truncate from index 0 (the log starts at 1)");
    if (from < log.size()) log.resize(from);
    return true;
  }
  if (what == "snapshot_installed") {
    const uint64_t index = protocols::count_field(d, "index"), term = protocols::count_field(d, "term");
    const uint64_t last = protocols::count_field(d, "last_index");
    // A snapshot covers entries a leader appended (and the trace shows every append), so a
    // larger index can only come from a garbled trace; it must not size the mirror.
    if (index > max_index_)
      throw sim::InputError("snapshot_installed at index " + std::to_string(index) + ", beyond any appended entry (" +
                            std::to_string(max_index_) + ")");
    if (last <= index || log.size() <= index) {  // Figure 13 step 7: the log was discarded
      log.resize(index + 1);
      const uint64_t* p = first_seen(index, term);
      log[index] = Slot{term, p ? *p : 0};
      known_from_[node] = index;
    }
    return true;
  }
  return false;
}

}  // namespace dsim::raft

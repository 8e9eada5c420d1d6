// LogMirror: every server's log as the trace describes it (log_append, log_truncate,
// snapshot_installed observations), kept as a running prefix hash per index:
//   prefix[i] = mix(prefix[i-1], term_i, digest_i)
// so two logs agree on entries 1..i exactly when their prefix[i] agree (up to hash collisions).
// Storage is synced before a server's handler ends, so a crash loses nothing the mirror holds.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

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
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> seen_;  // (index, term) -> prefix hash
};

template <class F>
bool LogMirror::feed(uint32_t node, std::string_view what, const nlohmann::json& d, F&& on_new) {
  if (node >= logs_.size()) return false;
  auto& log = logs_[node];
  if (what == "log_append") {
    const EntriesView appended(d);
    const uint64_t first = appended.first();
    if (first > log.size()) log.resize(first);  // cannot happen in a correct trace
    log.resize(first);
    for (size_t k = 0; k < appended.size(); ++k) {
      const uint64_t term = appended.term(k);
      const Slot s{term, mix(log.back().prefix, term, appended.digest(k))};
      log.push_back(s);
      seen_.try_emplace({first + k, term}, s.prefix);
      on_new(first + k, s);
    }
    return true;
  }
  if (what == "log_truncate") {
    const uint64_t from = d.at("from").get<uint64_t>();
    if (from < log.size()) log.resize(from);
    return true;
  }
  if (what == "snapshot_installed") {
    const uint64_t index = d.at("index").get<uint64_t>(), term = d.at("term").get<uint64_t>();
    const uint64_t last = d.at("last_index").get<uint64_t>();
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

// LogMirror: every server's log as the trace describes it (LogAppend, LogTruncate, Recovered and
// SnapshotInstalled observations), kept as a running prefix hash per index:
//   prefix[i] = mix(prefix[i-1], term_i, digest_i)
// so two logs agree on entries 1..i exactly when their prefix[i] agree (up to hash collisions).
// A crash that loses unsynced writes can shorten a log; the restart's Recovered observation
// says how long it still is.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/raft/observations.h"
#include "sim/json_source.h"
#include "sim/trace.h"

namespace dsim::raft {

// The last index of an entry run read from the trace (first - 1 when it is empty). An index 0
// or a run that wraps around is an InputError: decode_observation refuses both already, and
// this is the invariants' own guard, so none of them indexes with such a value.
inline uint64_t checked_last(const EntryRun& run, std::string_view what) {
  if (run.first.value == 0) throw sim::InputError(std::string(what) + " at index 0 (the log starts at 1)");
  if (run.entries.size() > std::numeric_limits<uint64_t>::max() - run.first.value + 1)
    throw sim::InputError(std::string(what) + " of " + std::to_string(run.entries.size()) + " entries from index " +
                          std::to_string(run.first.value) + " runs past the largest index");
  return run.last().value;
}

class LogMirror {
 public:
  struct Slot {
    uint64_t term = 0;
    uint64_t prefix = 0;
  };
  explicit LogMirror(uint32_t servers) : logs_(servers, std::vector<Slot>(1)), known_from_(servers, 0) {}

  // Feeds one event of a server. Returns false if it was not a log observation.
  // `on_new` is called for each appended index with (index, slot).
  template <class F>
  bool feed(const sim::TraceEvent& ev, F&& on_new);
  bool feed(const sim::TraceEvent& ev) {
    return feed(ev, [](uint64_t, const Slot&) {});
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

// The index checks below refuse what only a garbled trace holds (decode_observation refused
// index 0 already; the mirror checks again rather than rely on it), so no value read back can
// size the mirror beyond the entries the trace appended.
template <class F>
bool LogMirror::feed(const sim::TraceEvent& ev, F&& on_new) {
  const uint32_t node = ev.node.value;
  if (node >= logs_.size()) return false;
  auto& log = logs_[node];
  if (const LogAppend* appended = ev.observed<LogAppend>()) {
    const uint64_t first = appended->first.value;
    checked_last(*appended, "log_append");
    if (first > log.size())  // a server appends right after its last entry or overwrites
      throw sim::InputError("log_append at index " + std::to_string(first) + " leaves a gap after index " +
                            std::to_string(log.size() - 1));
    log.resize(first);
    for (size_t k = 0; k < appended->entries.size(); ++k) {
      const EntryDigest& e = appended->entries[k];
      const Slot s{e.term.value, mix(log.back().prefix, e.term.value, e.digest)};
      log.push_back(s);
      seen_.try_emplace({first + k, e.term.value}, s.prefix);
      on_new(first + k, s);
    }
    max_index_ = std::max(max_index_, log.size() - 1);
    return true;
  }
  if (const LogTruncate* truncated = ev.observed<LogTruncate>()) {
    const uint64_t from = truncated->from.value;
    if (from == 0) throw sim::InputError("log_truncate from index 0 (the log starts at 1)");
    if (from < log.size()) log.resize(from);
    return true;
  }
  // A restart recovers the log from storage: a crash that lost unsynced writes lost its tail
  // (entries no one else saw: their AppendEntries waited for the sync that never completed).
  if (const Recovered* recovered = ev.observed<Recovered>()) {
    if (recovered->last_index.value + 1 < log.size()) log.resize(recovered->last_index.value + 1);
    return true;
  }
  if (const SnapshotInstalled* installed = ev.observed<SnapshotInstalled>()) {
    const uint64_t index = installed->index.value, term = installed->term.value;
    // A snapshot covers entries a leader appended (and the trace shows every append), so a
    // larger index can only come from a garbled trace; it must not size the mirror.
    if (index > max_index_)
      throw sim::InputError("snapshot_installed at index " + std::to_string(index) + ", beyond any appended entry (" +
                            std::to_string(max_index_) + ")");
    if (installed->last_index.value <= index || log.size() <= index) {  // Figure 13 step 7: the log was discarded
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

// The replicated log of one server (Figure 2: "log[]: log entries; each entry contains command
// for state machine, and term when entry was received by leader (first index is 1)"), with a
// compacted prefix (Raft §7: the snapshot replaces every entry up to last_included_index).
//
// The entries live in the node's Storage, in the DurableLog<Entry> "raft" (record i is entry
// i), and RaftLog reads and writes them there: a change is visible at once and durable when
// the caller syncs, and a restarted server, which attaches a new RaftLog to the same storage,
// sees exactly what was synced (or kept) at the crash. Only the snapshot position is held
// here; the node recovers it from its "snapshot" storage key and passes it to attach().
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "protocols/raft/messages.h"
#include "sim/durable_log.h"
#include "sim/storage.h"

namespace dsim::raft {

class RaftLog {
 public:
  static constexpr std::string_view kStorageName = "raft";

  // Reads the log from `s`, whose snapshot (if any) is at (index, term); before any other call.
  void attach(sim::Storage& s, LogIndex snapshot_index, Term snapshot_term);

  LogIndex snapshot_index() const { return snapshot_index_; }
  Term snapshot_term() const { return snapshot_term_; }
  LogIndex last_index() const { return stored_->empty() ? snapshot_index_ : LogIndex{stored_->end() - 1}; }
  Term last_term() const { return stored_->empty() ? snapshot_term_ : stored_->back().term; }
  // The term of entry i; index 0 has term 0; nullopt when i is compacted away or beyond the end.
  std::optional<Term> term_at(LogIndex i) const;
  // Entry i, which must be in the log (not compacted, not beyond the end).
  const Entry& at(LogIndex i) const;
  // The first index holding `term` (the dissertation §5.3 conflict hint), searching down from i.
  LogIndex first_index_of_term(LogIndex i) const;
  // The last index holding `term`, or nullopt.
  std::optional<LogIndex> last_index_of_term(Term term) const;
  // The log as runs of equal terms, [[first_index, last_index, term], ...] after the snapshot
  // (terms never decrease along a Raft log, so each run is found by binary search).
  std::vector<std::array<uint64_t, 3>> term_runs() const;
  // Entries [from, from + max) that exist.
  std::vector<Entry> slice(LogIndex from, uint64_t max) const;

  // Writes to storage; the caller syncs.
  void append(Entry e);
  // Removes entries from `from` on (Figure 2: "delete the existing entry and all that follow it").
  void truncate_from(LogIndex from);
  // Drops entries up to and including `index` (they are in a snapshot).
  void compact_to(LogIndex index, Term term);
  // Replaces the whole log by a snapshot's position (Figure 13, step 7).
  void reset_to(LogIndex index, Term term);

 private:
  LogIndex snapshot_index_;
  Term snapshot_term_;
  sim::DurableLog<Entry>* stored_ = nullptr;  // in the node's Storage, which outlives this object
};

}  // namespace dsim::raft

// The replicated log of one server (Figure 2: "log[]: log entries; each entry contains command
// for state machine, and term when entry was received by leader (first index is 1)"), with a
// compacted prefix (Raft §7: the snapshot replaces every entry up to last_included_index).
//
// The log is in memory; RaftLog::persist_* write it through to the node's Storage under
// "log/<index>" keys and "log_last", so recovery reads storage alone. The caller syncs.
#pragma once

#include <optional>
#include <vector>

#include "protocols/raft/messages.h"
#include "sim/storage.h"

namespace dsim::raft {

class RaftLog {
 public:
  LogIndex snapshot_index() const { return snapshot_index_; }
  Term snapshot_term() const { return snapshot_term_; }
  LogIndex last_index() const { return LogIndex{snapshot_index_.value + entries_.size()}; }
  Term last_term() const { return entries_.empty() ? snapshot_term_ : entries_.back().term; }
  // The term of entry i; index 0 has term 0; nullopt when i is compacted away or beyond the end.
  std::optional<Term> term_at(LogIndex i) const;
  // Entry i, which must be in the log (not compacted, not beyond the end).
  const Entry& at(LogIndex i) const;
  // The first index holding `term` (the dissertation §5.3 conflict hint), searching down from i.
  LogIndex first_index_of_term(LogIndex i) const;
  // The last index holding `term`, or nullopt.
  std::optional<LogIndex> last_index_of_term(Term term) const;
  // Entries [from, from + max) that exist.
  std::vector<Entry> slice(LogIndex from, uint64_t max) const;

  void append(Entry e) { entries_.push_back(std::move(e)); }
  // Removes entries from `from` on (Figure 2: "delete the existing entry and all that follow it").
  void truncate_from(LogIndex from);
  // Drops entries up to and including `index` (they are in a snapshot).
  void compact_to(LogIndex index, Term term);
  // Replaces the whole log by a snapshot's position (Figure 13, step 7).
  void reset_to(LogIndex index, Term term);

  // ---- storage ----
  void persist_append(sim::Storage& s, LogIndex from) const;        // entries [from, last]
  void persist_truncate(sim::Storage& s, LogIndex from, LogIndex old_last) const;
  void persist_compaction(sim::Storage& s, LogIndex old_snapshot, LogIndex new_snapshot) const;
  // Reads entries (snapshot_index, log_last] back; the snapshot position must be set first.
  void recover(const sim::Storage& s);

 private:
  LogIndex snapshot_index_;
  Term snapshot_term_;
  std::vector<Entry> entries_;  // entries_[k] is index snapshot_index_ + 1 + k
};

nlohmann::json entry_to_storage(const Entry& e);
Entry entry_from_storage(const nlohmann::json& j);

}  // namespace dsim::raft

#include "protocols/raft/log.h"

#include <algorithm>

#include "sim/assert.h"

namespace dsim::raft {

void RaftLog::attach(sim::Storage& s, LogIndex snapshot_index, Term snapshot_term) {
  stored_ = &s.log<Entry>(kStorageName);
  snapshot_index_ = snapshot_index;
  snapshot_term_ = snapshot_term;
  // Compaction and the snapshot are synced together, so the stored entries start right after it.
  DSIM_ASSERT(stored_->empty() || stored_->begin() == snapshot_index_.value + 1,
              "the stored log does not start right after the snapshot");
}

std::optional<Term> RaftLog::term_at(LogIndex i) const {
  if (i.value == 0) return Term{0};
  if (i == snapshot_index_) return snapshot_term_;
  if (i < snapshot_index_ || i > last_index()) return std::nullopt;
  return stored_->at(i.value).term;
}

std::vector<std::array<uint64_t, 3>> RaftLog::term_runs() const {
  std::vector<std::array<uint64_t, 3>> runs;
  uint64_t i = snapshot_index_.value + 1;
  const uint64_t last = last_index().value;
  while (i <= last) {
    const uint64_t term = stored_->at(i).term.value;
    uint64_t lo = i, hi = last;  // the last index of this term is in [lo, hi]
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo + 1) / 2;
      if (stored_->at(mid).term.value == term) lo = mid; else hi = mid - 1;
    }
    runs.push_back({i, lo, term});
    i = lo + 1;
  }
  return runs;
}

const Entry& RaftLog::at(LogIndex i) const {
  DSIM_ASSERT(i > snapshot_index_ && i <= last_index(), "log index out of range");
  return stored_->at(i.value);
}

LogIndex RaftLog::first_index_of_term(LogIndex i) const {
  const auto t = term_at(i);
  DSIM_ASSERT(t.has_value(), "no entry at the conflict index");
  LogIndex first = i;
  while (first > snapshot_index_.next() && term_at(first.prev()) == t) first = first.prev();
  return first;
}

std::optional<LogIndex> RaftLog::last_index_of_term(Term term) const {
  for (LogIndex i = last_index(); i > snapshot_index_; i = i.prev()) {
    const Term t = stored_->at(i.value).term;
    if (t == term) return i;
    if (t < term) break;  // terms only grow along the log
  }
  if (snapshot_term_ == term && snapshot_index_.value > 0) return snapshot_index_;
  return std::nullopt;
}

std::vector<Entry> RaftLog::slice(LogIndex from, uint64_t max) const {
  std::vector<Entry> out;
  const LogIndex last = last_index();
  if (from > last) return out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(max, last.value - from.value + 1)));
  for (LogIndex i = from; i <= last && out.size() < max; i = i.next()) out.push_back(at(i));
  return out;
}

void RaftLog::append(Entry e) {
  // The first entry ever, or the first after a snapshot: the stored log starts here.
  if (stored_->empty() && stored_->begin() <= snapshot_index_.value) stored_->drop_prefix(snapshot_index_.value + 1);
  stored_->append(std::move(e));
}

void RaftLog::truncate_from(LogIndex from) {
  DSIM_ASSERT(from > snapshot_index_, "truncating a compacted (committed) entry");
  if (from <= last_index()) stored_->truncate(from.value);
}

void RaftLog::compact_to(LogIndex index, Term term) {
  DSIM_ASSERT(index > snapshot_index_ && index <= last_index(), "compacting outside the log");
  stored_->drop_prefix(index.value + 1);
  snapshot_index_ = index;
  snapshot_term_ = term;
}

void RaftLog::reset_to(LogIndex index, Term term) {
  stored_->drop_prefix(index.value + 1);
  if (!stored_->empty()) stored_->truncate(stored_->begin());
  snapshot_index_ = index;
  snapshot_term_ = term;
}

}  // namespace dsim::raft

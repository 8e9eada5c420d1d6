#include "protocols/raft/log.h"

#include <string>

#include "sim/assert.h"

namespace dsim::raft {
namespace {
std::string key_of(LogIndex i) { return "log/" + std::to_string(i.value); }
}  // namespace

std::optional<Term> RaftLog::term_at(LogIndex i) const {
  if (i.value == 0) return Term{0};
  if (i == snapshot_index_) return snapshot_term_;
  if (i < snapshot_index_ || i > last_index()) return std::nullopt;
  return entries_[i.value - snapshot_index_.value - 1].term;
}

const Entry& RaftLog::at(LogIndex i) const {
  DSIM_ASSERT(i > snapshot_index_ && i <= last_index(), "log index out of range");
  return entries_[i.value - snapshot_index_.value - 1];
}

LogIndex RaftLog::first_index_of_term(LogIndex i) const {
  const auto t = term_at(i);
  DSIM_ASSERT(t.has_value(), "no entry at the conflict index");
  LogIndex first = i;
  while (first > snapshot_index_.next() && term_at(first.prev()) == t) first = first.prev();
  return first;
}

std::optional<LogIndex> RaftLog::last_index_of_term(Term term) const {
  for (uint64_t k = entries_.size(); k > 0; --k) {
    if (entries_[k - 1].term == term) return LogIndex{snapshot_index_.value + k};
    if (entries_[k - 1].term < term) break;  // terms only grow along the log
  }
  if (snapshot_term_ == term && snapshot_index_.value > 0) return snapshot_index_;
  return std::nullopt;
}

std::vector<Entry> RaftLog::slice(LogIndex from, uint64_t max) const {
  std::vector<Entry> out;
  for (LogIndex i = from; i <= last_index() && out.size() < max; i = i.next()) out.push_back(at(i));
  return out;
}

void RaftLog::truncate_from(LogIndex from) {
  DSIM_ASSERT(from > snapshot_index_, "truncating a compacted (committed) entry");
  if (from <= last_index()) entries_.resize(from.value - snapshot_index_.value - 1);
}

void RaftLog::compact_to(LogIndex index, Term term) {
  DSIM_ASSERT(index > snapshot_index_ && index <= last_index(), "compacting outside the log");
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<long>(index.value - snapshot_index_.value));
  snapshot_index_ = index;
  snapshot_term_ = term;
}

void RaftLog::reset_to(LogIndex index, Term term) {
  entries_.clear();
  snapshot_index_ = index;
  snapshot_term_ = term;
}

nlohmann::json entry_to_storage(const Entry& e) {
  const Command& c = e.command;
  return nlohmann::json::array({e.term.value, c.client, c.seq, c.op, c.key, c.value, c.expected});
}

Entry entry_from_storage(const nlohmann::json& j) {
  Entry e;
  e.term.value = j[0].get<uint64_t>();
  e.command.client = j[1].get<uint64_t>();
  e.command.seq = j[2].get<uint64_t>();
  e.command.op = j[3].get<std::string>();
  e.command.key = j[4].get<std::string>();
  e.command.value = j[5].get<std::string>();
  e.command.expected = j[6].get<std::string>();
  return e;
}

void RaftLog::persist_append(sim::Storage& s, LogIndex from) const {
  for (LogIndex i = from; i <= last_index(); i = i.next()) s.put(key_of(i), entry_to_storage(at(i)));
  s.put("log_last", last_index().value);
}

void RaftLog::persist_truncate(sim::Storage& s, LogIndex from, LogIndex old_last) const {
  for (LogIndex i = from; i <= old_last; i = i.next()) s.erase(key_of(i));
  s.put("log_last", last_index().value);
}

void RaftLog::persist_compaction(sim::Storage& s, LogIndex old_snapshot, LogIndex new_snapshot) const {
  for (LogIndex i = old_snapshot.next(); i <= new_snapshot; i = i.next()) s.erase(key_of(i));
}

void RaftLog::recover(const sim::Storage& s) {
  entries_.clear();
  const nlohmann::json* last = s.get("log_last");
  const uint64_t n = last ? last->get<uint64_t>() : 0;
  for (uint64_t i = snapshot_index_.value + 1; i <= n; ++i) {
    const nlohmann::json* e = s.get(key_of(LogIndex{i}));
    DSIM_ASSERT(e != nullptr, "a log entry is missing from storage");
    entries_.push_back(entry_from_storage(*e));
  }
}

}  // namespace dsim::raft

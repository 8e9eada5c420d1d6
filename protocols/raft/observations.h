// The payloads of Raft's per-entry observations, written by the servers and read by the
// invariants and metrics. They are the trace's hottest payloads (every entry is appended and
// applied on every server), so each is one flat JSON array of numbers: building, hashing and
// freeing one costs two allocations, where an object costs one per field.
//
//   log_append, apply   [first, term, digest, term, digest, ...]  entries first, first+1, ...
//   commit              [index, term, leader_term]
//
// digest is messages.h's digest() of the entry's command.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "protocols/common/payload.h"
#include "protocols/raft/messages.h"

namespace dsim::raft {

// Builds a log_append or apply payload, entry by entry.
class EntriesPayload {
 public:
  explicit EntriesPayload(LogIndex first, size_t entries) {
    a_.reserve(1 + 2 * entries);
    a_.emplace_back(first.value);
  }
  void add(const Entry& e) {
    a_.emplace_back(e.term.value);
    a_.emplace_back(digest(e.command));
  }
  nlohmann::json take() { return nlohmann::json(std::move(a_)); }

 private:
  nlohmann::json::array_t a_;
};

// Payloads read back from a trace file (`dsim check`) may have any shape: a view checks the
// one it expects and throws sim::InputError otherwise.
inline bool count_array(const nlohmann::json& d) {
  if (!d.is_array()) return false;
  for (const auto& v : d)
    if (!protocols::is_count(v)) return false;
  return true;
}

// Reads a log_append or apply payload.
struct EntriesView {
  explicit EntriesView(const nlohmann::json& d) : d_(d) {
    if (!count_array(d) || d.size() % 2 == 0 || d[0].get<uint64_t>() == 0)
      throw sim::InputError("expected [first, term, digest, ...] with first >= 1, got " + protocols::payload_text(d));
  }
  uint64_t first() const { return d_[0].get<uint64_t>(); }
  size_t size() const { return (d_.size() - 1) / 2; }
  uint64_t term(size_t k) const { return d_[1 + 2 * k].get<uint64_t>(); }
  uint64_t digest(size_t k) const { return d_[2 + 2 * k].get<uint64_t>(); }
  uint64_t last() const { return first() + size() - 1; }  // first - 1 when empty

 private:
  const nlohmann::json& d_;
};

inline nlohmann::json commit_payload(LogIndex index, Term term, Term leader_term) {
  return nlohmann::json::array_t{nlohmann::json(index.value), nlohmann::json(term.value), nlohmann::json(leader_term.value)};
}
struct CommitView {
  uint64_t index = 0, term = 0, leader_term = 0;
  explicit CommitView(const nlohmann::json& d) {
    if (!count_array(d) || d.size() != 3)
      throw sim::InputError("expected [index, term, leader_term], got " + protocols::payload_text(d));
    index = d[0].get<uint64_t>();
    term = d[1].get<uint64_t>();
    leader_term = d[2].get<uint64_t>();
  }
};

}  // namespace dsim::raft

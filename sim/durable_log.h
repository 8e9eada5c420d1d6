// An append-only log of records in a node's durable storage: the shape of a write-ahead log
// (Raft's log[], a Paxos acceptor's ledger), kept apart from Storage's key-value map so that
// appending an entry costs a move, not a JSON value under a string key.
//
// Records are typed values (the protocol's own entry type) addressed by absolute index. The
// log holds [begin(), end()): it grows at the end (append), loses a suffix (truncate: Raft's
// "delete the existing entry and all that follow it") and a prefix (drop_prefix: compaction
// into a snapshot, or a snapshot that replaces the whole log). Like Storage's map, every
// change is visible at once and durable only after sync(); a crash that loses unsynced
// writes brings the log back exactly to its state at the last sync. The undo state that
// needs is proportional to what changed since that sync, not to the log's length.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/assert.h"

namespace dsim::sim {

// A record that failed its checksum when read (a storage fault; sim/storage.h).
class StorageReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What Storage needs of every log, whatever its record type.
class DurableLogBase {
 public:
  virtual ~DurableLogBase() = default;
  // Makes every change so far durable.
  virtual void sync() = 0;
  // A crash: unsynced changes are lost (back to the last sync) or kept (made durable).
  virtual void crash(bool lose_unsynced) = 0;
  virtual bool has_unsynced_changes() const = 0;
  // Durable records still in the log (those a crash would keep), and corrupting the i-th of
  // them: its at() throws StorageReadError until the record is removed or rewritten. Returns
  // the record's index.
  virtual uint64_t durable_records() const = 0;
  virtual uint64_t corrupt_durable(uint64_t i) = 0;
};

template <class T>
class DurableLog final : public DurableLogBase {
 public:
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return begin_ + records_.size(); }
  bool empty() const { return records_.empty(); }
  // Record i, which must be in [begin(), end()).
  const T& at(uint64_t i) const {
    DSIM_ASSERT(i >= begin_ && i < end(), "durable log index out of range");
    if (!corrupt_.empty() && std::find(corrupt_.begin(), corrupt_.end(), i) != corrupt_.end())
      throw StorageReadError("log record " + std::to_string(i) + " failed its checksum");
    return records_[i - begin_];
  }
  const T& back() const { return at(end() - 1); }

  void append(T record) { records_.push_back(std::move(record)); }
  // Removes records [from, end()); from must be in [begin(), end()].
  void truncate(uint64_t from);
  // Removes records [begin(), to). A `to` past end() empties the log and moves it to start at
  // `to` (a snapshot that replaced every entry).
  void drop_prefix(uint64_t to);

  void sync() override;
  void crash(bool lose_unsynced) override;
  bool has_unsynced_changes() const override {
    return !undo_front_.empty() || !undo_back_.empty() || durable_begin_ != begin_ || durable_end_ != end();
  }
  uint64_t durable_records() const override { return intact_end_ > intact_begin_ ? intact_end_ - intact_begin_ : 0; }
  uint64_t corrupt_durable(uint64_t i) override {
    corrupt_.push_back(intact_begin_ + i);
    return intact_begin_ + i;
  }

 private:
  uint64_t begin_ = 0;
  // A deque, not a vector: growing never moves the records (a vector's reallocations cost more
  // than the deque's indexing in the Raft benchmark).
  std::deque<T> records_;
  // The log at the last sync is undo_front_ ++ records in [intact_begin_, intact_end_) ++
  // undo_back_, starting at durable_begin_: records the current log still holds unchanged,
  // plus the durable records removed since (appends past intact_end_ are new).
  uint64_t durable_begin_ = 0, durable_end_ = 0;
  uint64_t intact_begin_ = 0, intact_end_ = 0;
  std::vector<T> undo_front_;
  std::deque<T> undo_back_;
  std::vector<uint64_t> corrupt_;  // indices of records that fail their checksum (rare: a fault)
};

template <class T>
void DurableLog<T>::truncate(uint64_t from) {
  DSIM_ASSERT(from >= begin_ && from <= end(), "durable log truncated outside its records");
  // Durable records in [from, intact_end_) are kept for undo, in index order before those
  // removed by an earlier truncation (which all lie at higher indices).
  for (uint64_t i = intact_end_; i > std::max(from, intact_begin_); --i)
    undo_back_.push_front(std::move(records_[i - 1 - begin_]));
  intact_end_ = std::max(std::min(intact_end_, from), intact_begin_);
  std::erase_if(corrupt_, [&](uint64_t i) { return i >= from; });
  records_.erase(records_.begin() + static_cast<long>(from - begin_), records_.end());
}

template <class T>
void DurableLog<T>::drop_prefix(uint64_t to) {
  if (to <= begin_) return;
  // Durable records in [intact_begin_, to) are kept for undo after those dropped before.
  const uint64_t keep_to = std::min(to, intact_end_);
  for (uint64_t i = intact_begin_; i < keep_to; ++i) undo_front_.push_back(std::move(records_[i - begin_]));
  intact_begin_ = std::max(intact_begin_, keep_to);
  std::erase_if(corrupt_, [&](uint64_t i) { return i < to; });
  const uint64_t drop = std::min<uint64_t>(to - begin_, records_.size());
  records_.erase(records_.begin(), records_.begin() + static_cast<long>(drop));
  begin_ = to;
}

template <class T>
void DurableLog<T>::sync() {
  undo_front_.clear();
  undo_back_.clear();
  durable_begin_ = intact_begin_ = begin_;
  durable_end_ = intact_end_ = end();
}

template <class T>
void DurableLog<T>::crash(bool lose_unsynced) {
  if (!lose_unsynced) return sync();
  // Back to [durable_begin_, durable_end_): drop what was appended, restore what was removed.
  if (undo_front_.empty() && begin_ == durable_begin_ && intact_begin_ == begin_) {  // the prefix is untouched
    records_.erase(records_.begin() + static_cast<long>(intact_end_ - begin_), records_.end());
  } else {
    std::deque<T> restored;
    for (T& r : undo_front_) restored.push_back(std::move(r));
    for (uint64_t i = intact_begin_; i < intact_end_; ++i) restored.push_back(std::move(records_[i - begin_]));
    records_ = std::move(restored);
    begin_ = durable_begin_;
  }
  for (T& r : undo_back_) records_.push_back(std::move(r));
  DSIM_ASSERT(end() == durable_end_, "durable log undo lost track of its records");
  sync();
}

}  // namespace dsim::sim

// The memory budget of one linearizability check: how many bytes the searches of all its
// partitions may hold at once, and the accounts they reserve from BEFORE they grow, so the
// bound holds at the peak (a vector's reallocation holds old and new blocks at once).
// Guarantees: used() never exceeds limit(); every byte an account took is given back when it
// is destroyed. Not thread-safe: one budget per check. Not here: what grows (search.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

namespace dsim::check {

// "64 MiB", "2 GiB", "1000 bytes": a byte count as the user would write it.
inline std::string bytes_text(size_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && bytes != 0 && bytes % 1024 == 0) bytes /= 1024, ++unit;
  return std::to_string(bytes) + " " + kUnits[unit];
}

// The bytes the searches of one check may hold at once, shared by all its partitions: each
// reserves before it grows and gives everything back when it is destroyed. Not thread-safe:
// one per check (checks on other threads have their own).
class MemoryBudget {
 public:
  explicit MemoryBudget(size_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Reserves `bytes`; false, reserving nothing, when that would pass the limit.
  bool reserve(size_t bytes) {
    if (bytes > limit_ - used_) return false;
    used_ += bytes;
    peak_ = std::max(peak_, used_);
    return true;
  }
  void release(size_t bytes) { used_ -= bytes; }
  size_t limit() const { return limit_; }
  size_t used() const { return used_; }
  size_t peak() const { return peak_; }

 private:
  size_t limit_;
  size_t used_ = 0;  // <= limit_
  size_t peak_ = 0;
};

// The bytes one holder (a search's memo, its undo stack) has reserved from a MemoryBudget;
// all of them are given back when it is destroyed.
class MemoryAccount {
 public:
  explicit MemoryAccount(MemoryBudget& budget) : budget_(budget) {}
  ~MemoryAccount() { budget_.release(held_); }
  MemoryAccount(const MemoryAccount&) = delete;
  MemoryAccount& operator=(const MemoryAccount&) = delete;

  bool take(size_t bytes) {
    if (!budget_.reserve(bytes)) return false;
    held_ += bytes;
    return true;
  }
  void give(size_t bytes) {
    budget_.release(bytes);
    held_ -= bytes;
  }
  size_t held() const { return held_; }

 private:
  MemoryBudget& budget_;
  size_t held_ = 0;
};

// Makes room in `v` for `extra` more elements. The new block is reserved while the old one
// is still held (a reallocation's peak is old + new) and the old one given back after; false,
// changing nothing, when the budget cannot cover it.
template <class T>
bool reserve_more(std::vector<T>& v, size_t extra, MemoryAccount& account) {
  if (v.size() + extra <= v.capacity()) return true;
  const size_t old_capacity = v.capacity();
  const size_t capacity = std::max({old_capacity * 2, v.size() + extra, size_t{64}});
  if (!account.take(capacity * sizeof(T))) return false;
  v.reserve(capacity);
  account.give(old_capacity * sizeof(T));
  return true;
}

// Heap bytes a model state owns beyond sizeof(State), counted against the memory budget. A
// model whose State owns memory of another shape needs its own overload (else no match).
template <class S>
  requires std::is_trivially_copyable_v<S>
size_t state_heap_bytes(const S&) {
  return 0;
}
inline size_t state_heap_bytes(const std::string& s) {
  constexpr size_t kMallocOverhead = 16;
  return s.capacity() > 15 ? s.capacity() + 1 + kMallocOverhead : 0;  // 15: libstdc++'s SSO
}
template <class T>
size_t state_heap_bytes(const std::vector<T>& v) {
  constexpr size_t kMallocOverhead = 16;
  return v.capacity() == 0 ? 0 : v.capacity() * sizeof(T) + kMallocOverhead;
}

}  // namespace dsim::check

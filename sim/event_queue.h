// The event queue: small value events ordered by (time, key), where key is a global insertion
// counter, so simultaneous events run in the order they were scheduled and every run of the
// same seed pops the same sequence. With tie shuffling on, the upper half of the key is drawn
// from the rng: simultaneous events run in a random but still seed-determined order.
//
// Events are plain 48-byte structs; nothing is type-erased. Cancelled timers are not removed;
// the runtime recognises them when they pop (see process.cc).
//
// The structure is a calendar queue (Brown 1988) whose current day is a heap. Time is cut into
// slots of `width` ns; the slots from the current one on form a window of B buckets, each an
// unsorted vector. Events before the end of the current slot (the horizon) are in a small 4-ary
// heap, which is what pop() takes from; when it runs dry, the next non-empty bucket is moved
// into it and heapified in O(k). Events beyond the window wait in a far heap and move into
// their bucket when the window reaches them. (time, key) is a total order and the near heap
// holds every event before the horizon, so the pop sequence is exactly the sorted one: no
// digest depends on the width, the number of buckets or when they change.
//
// A binary heap over a million pending events costs ~10 cache misses per pop; here a push
// appends to one bucket and a pop works in a heap of a few dozen events. The width adapts to
// the density of pending events (about 64 per slot: the buckets' tails then fit in cache),
// re-placing every event when it changes by more than 2x; the window grows with the number of
// pending events.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/time.h"

namespace dsim::sim {

enum class EventKind : uint8_t { timer, deliver, control, sync };

struct Event {
  Time time;
  uint64_t key = 0;   // tie-breaker: insertion order (or shuffled, see above)
  uint64_t a = 0;     // timer: TimerId; deliver: Envelope*; control: action index; sync: incarnation
  uint64_t b = 0;     // timer: local deadline (ns); deliver: message id; sync: the node's sync number
  uint32_t node = 0;  // the node the event happens at
  uint32_t peer = 0;  // deliver: the sender
  EventKind kind = EventKind::timer;
  uint8_t flags = 0;  // deliver: 1 = duplicate copy
};

// A 4-ary min-heap of events by (time, key) in one vector: the calendar's current slot and
// its far events (below), and on its own the queue dsim used before the calendar.
class EventHeap {
 public:
  static bool before(const Event& x, const Event& y) {
    return x.time < y.time || (x.time == y.time && x.key < y.key);
  }

  bool empty() const { return h_.empty(); }
  size_t size() const { return h_.size(); }
  const Event& top() const { return h_.front(); }
  void push(const Event& e) {
    h_.push_back(e);
    sift_up(h_.size() - 1);
  }
  Event pop() {
    Event out = h_.front();
    Event last = h_.back();
    h_.pop_back();
    if (!h_.empty()) sift_down(0, last);
    return out;
  }
  void clear() { h_.clear(); }

  // Bulk loading: append in any order, then heapify() once (O(n)).
  void append(const Event* first, const Event* last) { h_.insert(h_.end(), first, last); }
  void append(const Event& e) { h_.push_back(e); }
  void heapify() {
    if (h_.size() < 2) return;
    for (size_t i = (h_.size() - 2) / 4 + 1; i-- > 0;) {
      const Event e = h_[i];
      sift_down(i, e);
    }
  }

  // In heap order (none useful); changing a time requires rebuilding the heap.
  auto begin() { return h_.begin(); }
  auto end() { return h_.end(); }
  auto begin() const { return h_.begin(); }
  auto end() const { return h_.end(); }

 private:
  void sift_up(size_t i) {
    Event e = h_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 4;
      if (!before(e, h_[parent])) break;
      h_[i] = h_[parent];
      i = parent;
    }
    h_[i] = e;
  }
  void sift_down(size_t i, const Event& e) {
    const size_t n = h_.size();
    for (;;) {
      size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      size_t end = first + 4 < n ? first + 4 : n;
      for (size_t c = first + 1; c < end; ++c)
        if (before(h_[c], h_[best])) best = c;
      if (!before(h_[best], e)) break;
      h_[i] = h_[best];
      i = best;
    }
    h_[i] = e;
  }
  std::vector<Event> h_;
};

class EventQueue {
 public:
  EventQueue() : buckets_(kMinBuckets) {}

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // The first event (the queue must not be empty).
  const Event& top() const { return near_.top(); }

  void push(const Event& e) {
    if (size_++ == 0) {
      // Empty: every bucket is empty, so the window may start anywhere.
      cur_slot_ = slot(e.time);
      near_.push(e);
      return;
    }
    if (before_horizon(e.time)) {
      near_.push(e);
      if (near_.size() > near_limit_) tune();
    } else {
      place(e);
    }
  }
  Event pop() {
    const Event out = near_.pop();
    if (--size_ > 0 && near_.empty()) refill();
    if (++pops_since_tune_ >= tune_every_) tune();
    return out;
  }

  // Every pending event, in no particular order, for rare whole-queue edits (a node's clock
  // changed: its timers move). Call rebuild() after changing any time.
  template <class F>
  void for_each(F&& f) {
    for (Event& e : near_) f(e);
    for (const Bucket& b : buckets_)
      for (uint32_t c = b.head; c != kNone; c = chunks_[c].next)
        for (uint32_t i = 0; i < chunks_[c].count; ++i) f(chunks_[c].ev[i]);
    for (Event& e : far_) f(e);
  }
  void rebuild() { replace_all(width_, buckets_.size()); }

  // The events loaded with the current slot (a heap, so in no useful order) and how many slots
  // have been loaded so far: the runtime prefetches the nodes a new slot's events touch.
  template <class F>
  void for_each_near(F&& f) const {
    for (const Event& e : near_) f(e);
  }
  uint64_t loads() const { return loads_; }

  // For tests and `dsim bench`: the current slot width (ns) and number of buckets.
  int64_t width() const { return width_; }
  size_t buckets() const { return buckets_.size(); }

 private:
  static constexpr size_t kMinBuckets = 64;
  static constexpr size_t kMaxBuckets = size_t{1} << 22;
  static constexpr int64_t kTargetPerSlot = 64;
  static constexpr size_t kNearLimit = 16 * kTargetPerSlot;

  uint64_t slot(Time t) const { return static_cast<uint64_t>(t.ns()) / static_cast<uint64_t>(width_); }
  // Every event in near_ is before it (ns); every other event at or after it. Unsigned: the
  // end of the last slot may pass INT64_MAX.
  uint64_t horizon() const { return (cur_slot_ + 1) * static_cast<uint64_t>(width_); }
  bool before_horizon(Time t) const { return static_cast<uint64_t>(t.ns()) < horizon(); }

  void place(const Event& e) {
    const uint64_t s = slot(e.time);
    if (s < cur_slot_ + buckets_.size()) {
      append(buckets_[s & (buckets_.size() - 1)], e);
    } else {
      far_.push(e);
    }
  }

  // near_ is empty and events remain: load the next non-empty slot.
  void refill() {
    const uint64_t mask = buckets_.size() - 1;
    for (;;) {
      uint64_t s = cur_slot_ + 1;
      if (in_buckets_ == 0) s = std::max(s, slot(far_.top().time));  // skip an empty stretch
      cur_slot_ = s;
      // Far events the window now reaches move into their buckets.
      while (!far_.empty() && slot(far_.top().time) < s + buckets_.size()) {
        const Event e = far_.pop();
        append(buckets_[slot(e.time) & mask], e);
      }
      Bucket& b = buckets_[s & mask];
      if (b.head == kNone) continue;
      // The slot's chunks into the near heap, and back to the free list (most recent first:
      // the next appends reuse what is still in cache).
      for (uint32_t c = b.head; c != kNone;) {
        Chunk& ch = chunks_[c];
        near_.append(ch.ev, ch.ev + ch.count);
        const uint32_t next = ch.next;
        ch.next = free_;
        free_ = c;
        c = next;
      }
      b = Bucket{};
      in_buckets_ -= near_.size();
      ++loads_;
      near_.heapify();
      return;
    }
  }

  // Adapts the width to the density of the pending events: kTargetPerSlot per slot around the
  // median (robust to a few events hours ahead), and the window to their number. O(n), run
  // every max(4096, n) pops, or at once when the near heap outgrows its bound (a width far too
  // large for the events, as when a run starts with every node arming a timer).
  void tune() {
    pops_since_tune_ = 0;
    tune_every_ = std::max<size_t>(4096, size_);
    if (size_ < 2) return;
    times_.clear();
    for_each([&](const Event& e) { times_.push_back(e.time.ns()); });
    const auto mid = times_.begin() + static_cast<std::ptrdiff_t>(times_.size() / 2);
    std::nth_element(times_.begin(), mid, times_.end());
    const int64_t lo = *std::min_element(times_.begin(), mid + 1);
    // Half the events lie within [lo, median]: that span over n/2 events, times the target.
    const double per_event = static_cast<double>(*mid - lo) / static_cast<double>(times_.size() / 2);
    const auto w = static_cast<int64_t>(std::clamp(per_event * kTargetPerSlot, 1.0, 1e12));
    size_t nb = kMinBuckets;
    while (nb < kMaxBuckets && nb * kTargetPerSlot < 2 * size_) nb *= 2;
    if (w > 2 * width_ || 2 * w < width_ || nb != buckets_.size()) replace_all(w, nb);
    // Still too many events before the horizon (ties the width cannot split): bound the next
    // tune by what remains, so it does not run again at every push.
    near_limit_ = std::max<size_t>(kNearLimit, 2 * near_.size());
  }

  // Re-places every event with a new width and number of buckets.
  void replace_all(int64_t width, size_t nbuckets) {
    std::vector<Event> all;
    all.reserve(size_);
    for_each([&](const Event& e) { all.push_back(e); });
    near_.clear();
    far_.clear();
    buckets_.assign(nbuckets, Bucket{});
    chunks_.clear();
    free_ = kNone;
    in_buckets_ = 0;
    width_ = std::max<int64_t>(1, width);
    size_ = all.size();
    if (all.empty()) return;
    const Event* first = &all[0];
    for (const Event& e : all)
      if (EventHeap::before(e, *first)) first = &e;
    cur_slot_ = slot(first->time);
    for (const Event& e : all) {
      if (before_horizon(e.time)) near_.append(e);
      else place(e);
    }
    near_.heapify();
  }

  EventHeap near_;  // the events before horizon()
  // Buckets are lists of fixed-size chunks from one pool (indices, so the pool may grow): no
  // allocation per bucket, and at most one partly filled chunk of slack each.
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kChunk = 8;
  struct Chunk {
    Event ev[kChunk];
    uint32_t count = 0;
    uint32_t next = kNone;
  };
  struct Bucket {
    uint32_t head = kNone, tail = kNone;
  };
  void append(Bucket& b, const Event& e) {
    ++in_buckets_;
    if (b.tail != kNone && chunks_[b.tail].count < kChunk) {
      Chunk& t = chunks_[b.tail];
      t.ev[t.count++] = e;
      return;
    }
    uint32_t c;
    if (free_ != kNone) {
      c = free_;
      free_ = chunks_[c].next;
    } else {
      c = static_cast<uint32_t>(chunks_.size());
      chunks_.emplace_back();
    }
    Chunk& ch = chunks_[c];
    ch.ev[0] = e;
    ch.count = 1;
    ch.next = kNone;
    if (b.tail == kNone) b.head = c;
    else chunks_[b.tail].next = c;
    b.tail = c;
  }
  std::vector<Bucket> buckets_;  // slot s in buckets_[s % B], for s in (cur_slot_, cur_slot_ + B)
  std::vector<Chunk> chunks_;
  uint32_t free_ = kNone;
  EventHeap far_;   // slots from cur_slot_ + B on
  size_t size_ = 0;
  size_t in_buckets_ = 0;
  uint64_t cur_slot_ = 0;
  int64_t width_ = 1'000;  // ns; adapted
  size_t pops_since_tune_ = 0, tune_every_ = 4096, near_limit_ = kNearLimit;
  std::vector<int64_t> times_;  // tune()'s scratch
  uint64_t loads_ = 0;
};

}  // namespace dsim::sim

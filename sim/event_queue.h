// The event queue: small value events ordered by (time, key), where key is a global insertion
// counter, so simultaneous events run in the order they were scheduled and every run of the
// same seed pops the same sequence. With tie shuffling on, the upper half of the key is drawn
// from the rng: simultaneous events run in a random but still seed-determined order.
//
// Events are plain 48-byte structs in one vector-backed 4-ary heap: scheduling does not
// allocate (beyond amortised vector growth) and nothing is type-erased. Cancelled timers are
// not removed; the runtime recognises them when they pop (see process.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace dsim::sim {

enum class EventKind : uint8_t { timer, deliver, control };

struct Event {
  Time time;
  uint64_t key = 0;   // tie-breaker: insertion order (or shuffled, see above)
  uint64_t a = 0;     // timer: TimerId; deliver: Envelope*; control: action index
  uint64_t b = 0;     // timer: local deadline (ns); deliver: message id
  uint32_t node = 0;  // the node the event happens at
  uint32_t peer = 0;  // deliver: the sender
  EventKind kind = EventKind::timer;
  uint8_t flags = 0;  // deliver: 1 = duplicate copy
};

class EventQueue {
 public:
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }

  void push(const Event& e) {
    heap_.push_back(e);
    sift_up(heap_.size() - 1);
  }
  Event pop() {
    Event out = heap_.front();
    Event last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
    return out;
  }

  // For rare whole-queue edits (a node's clock changed: its timers move). Call rebuild() after.
  std::vector<Event>& raw() { return heap_; }
  void rebuild();

 private:
  static bool before(const Event& x, const Event& y) {
    return x.time < y.time || (x.time == y.time && x.key < y.key);
  }
  void sift_up(size_t i) {
    Event e = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 4;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(size_t i, const Event& e) {
    const size_t n = heap_.size();
    for (;;) {
      size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      size_t end = first + 4 < n ? first + 4 : n;
      for (size_t c = first + 1; c < end; ++c)
        if (before(heap_[c], heap_[best])) best = c;
      if (!before(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }
  std::vector<Event> heap_;
};

inline void EventQueue::rebuild() {
  for (size_t i = heap_.size(); i-- > 0;) {
    Event e = heap_[i];
    sift_down(i, e);
  }
}

}  // namespace dsim::sim

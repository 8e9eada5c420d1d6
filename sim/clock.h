// A node's local clock: local = offset + (1 + drift) * global, in exact integer arithmetic.
//
// The clock is kept as an anchor (a global instant and the local reading there) and a rate in
// parts per billion, so a drift change or an offset jump keeps the clock continuous apart
// from the jump itself. global_at() answers "when, in global time, does this clock first read
// at least L": timers set in local time fire then, never early.
#pragma once

#include <cstdint>

#include "sim/int128.h"
#include "sim/time.h"

namespace dsim::sim {

class LocalClock {
 public:
  LocalClock() = default;
  LocalClock(Duration offset, int64_t drift_ppb) : anchor_local_(Time::zero() + offset), drift_ppb_(drift_ppb) {}

  Time local_at(Time global) const {
    const int128 elapsed = global.ns() - anchor_global_.ns();
    const int128 scaled = elapsed * (kBillion + drift_ppb_);
    return Time::from_ns(anchor_local_.ns() + static_cast<int64_t>(floor_div(scaled, kBillion)));
  }
  // The first global instant g >= anchor at which local_at(g) >= local.
  Time global_at(Time local) const {
    const int128 ahead = local.ns() - anchor_local_.ns();
    const int128 g = ceil_div(ahead * kBillion, kBillion + drift_ppb_);
    return Time::from_ns(anchor_global_.ns() + static_cast<int64_t>(g));
  }

  // Jumps the local reading by `delta` (forward or backward) at global instant `now`.
  void jump(Time now, Duration delta) { rebase(now); anchor_local_ += delta; }
  // Changes the drift from global instant `now` on.
  void set_drift_ppb(Time now, int64_t ppb) { rebase(now); drift_ppb_ = ppb; }

  int64_t drift_ppb() const { return drift_ppb_; }
  bool is_identity() const { return drift_ppb_ == 0 && anchor_local_.ns() == anchor_global_.ns(); }
  // Offset at a global instant: local - global.
  Duration offset_at(Time global) const { return local_at(global) - global; }

 private:
  static constexpr int64_t kBillion = 1'000'000'000;
  static int128 floor_div(int128 a, int128 b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
  static int128 ceil_div(int128 a, int128 b) { return -floor_div(-a, b); }
  void rebase(Time now) {
    anchor_local_ = local_at(now);
    anchor_global_ = now;
  }
  Time anchor_global_ = Time::zero();
  Time anchor_local_ = Time::zero();
  int64_t drift_ppb_ = 0;
};

}  // namespace dsim::sim

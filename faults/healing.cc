#include "faults/healing.h"

#include <algorithm>
#include <optional>

#include "faults/schedule.h"

namespace dsim::faults {
namespace {

enum class Lasts { until_restart, until_heal, no_time };  // how a fault without `for` ends

Lasts lasts(Kind k) {
  switch (k) {
    case Kind::crash: return Lasts::until_restart;
    case Kind::partition:
    case Kind::isolate:
    case Kind::cut:
    case Kind::omit:
    case Kind::lossy:
    case Kind::slow:
    case Kind::duplicate:
    case Kind::drop: return Lasts::until_heal;
    case Kind::storage_slow:  // always has "for"
    case Kind::fsync_lies:
    case Kind::corrupt:
    case Kind::restart:
    case Kind::heal:
    case Kind::clock:  // a lasting clock change is a new clock, not a fault in progress
    case Kind::byzantine:
    case Kind::nemesis: return Lasts::no_time;
  }
  return Lasts::no_time;
}

// The first time in `times` at or after `at`.
std::optional<sim::Duration> first_after(const std::vector<sim::Duration>& times, sim::Duration at) {
  std::optional<sim::Duration> first;
  for (auto t : times)
    if (t >= at && (!first || t < *first)) first = t;
  return first;
}

sim::Healing::End last_end(const std::vector<Fault>& faults, const std::vector<sim::Duration>& restarts,
                           const std::vector<sim::Duration>& heals, bool crashes_may_last) {
  sim::Healing::End out{sim::Duration{}, false, ""};
  for (const Fault& f : faults) {
    // Out of the budget's promises: no liveness bound (a corrupted record can stop a node for good).
    if (f.kind == Kind::byzantine || f.kind == Kind::fsync_lies || f.kind == Kind::corrupt ||
        (f.kind == Kind::nemesis && f.nemesis.exceed_budget))
      return {std::nullopt, true, ""};
    sim::Duration end = f.at;
    if (f.length) {
      end = f.at + *f.length;
      // A latency spike outlasts itself: the syncs it slowed (one on the disk, one waiting,
      // group commit) complete up to two delays after it ends. The nemesis draws spikes of at
      // most kLongestSpike.
      if (f.kind == Kind::storage_slow) end = end + f.delay * 2;
      if (f.kind == Kind::nemesis &&
          std::find(f.nemesis.kinds.begin(), f.nemesis.kinds.end(), Kind::storage_slow) != f.nemesis.kinds.end())
        end = end + kLongestSpike * 2;
    } else if (lasts(f.kind) != Lasts::no_time) {
      const bool crash = lasts(f.kind) == Lasts::until_restart;
      auto first = first_after(crash ? restarts : heals, f.at);
      if (!first && crash && crashes_may_last) first = f.at;
      if (!first) return {std::nullopt, false, "the fault at " + sim::format_ms(f.at) + " never heals"};
      end = *first;
    }
    if (end > *out.at) out.at = end;
  }
  return out;
}

}  // namespace

sim::Healing healing(const std::vector<Fault>& faults) {
  std::vector<sim::Duration> restarts, heals;
  for (const Fault& f : faults) {
    if (f.kind == Kind::restart) restarts.push_back(f.at);
    if (f.kind == Kind::heal) heals.push_back(f.at);
  }
  sim::Healing h;
  h.any_faults = !faults.empty();
  h.all = last_end(faults, restarts, heals, false);
  h.leaving_crashed = last_end(faults, restarts, heals, true);
  for (const Fault& f : faults)
    if (f.kind == Kind::crash && !f.length && !first_after(restarts, f.at)) h.lasting_crash = true;
  return h;
}

sim::Healing healing(const sim::Scenario& scenario) { return healing(resolved_faults(scenario)); }

}  // namespace dsim::faults

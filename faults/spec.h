// Fault specifications: the entries of a scenario's "faults" list, parsed and validated
// (with key paths and file positions in every error), and their canonical JSON form.
//
// The canonical form is what the trace header records and what --emit-schedule writes; it
// reads back into the same Fault. Each fault names the rng stream it draws from ("fault/3",
// or "nemesis/1/7" for the 7th fault the nemesis of entry 1 generated), so a fault written
// out as a fixed schedule makes exactly the draws it made at run time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/config.h"
#include "sim/scenario.h"

namespace dsim::faults {

enum class Kind { crash, restart, partition, isolate, cut, heal, clock, omit, lossy, slow, duplicate, drop, byzantine, nemesis,
                  storage_slow, fsync_lies, corrupt };
std::string_view to_string(Kind k);
const std::vector<Kind>& all_kinds();

// A target as written: a selector resolved when the fault fires, or explicit node names.
struct Target {
  std::string selector;  // all, random, minority, majority, or a protocol selector; empty: explicit
  std::vector<sim::NodeId> nodes;
  bool any = false;      // left out where that is allowed (drop's from/to): every node, clients included
};

// The longest sync latency spike (storage_slow) a nemesis draws.
inline constexpr sim::Duration kLongestSpike = sim::Duration::millis(100);

struct NemesisSpec {
  std::vector<Kind> kinds;
  sim::Duration every = sim::Duration::seconds(1);  // mean time between faults (exponential)
  uint32_t max_concurrent = 1;
  sim::Duration min_length = sim::Duration::millis(100), max_length = sim::Duration::seconds(1);
  bool exceed_budget = false;
  double lose_unsynced = 0;  // probability that a crash it makes loses unsynced writes
  double aim = 0;            // probability that a one-node fault strikes a selector's node (the leader)
  // Probability that a crash waits for a protocol step instead of striking at once: it strikes
  // the next server to make an observation of a kind drawn from those seen so far, right
  // after it (the step's writes synced, its messages sent), and lasts a log-uniform length.
  double crash_points = 0;
};

struct Fault {
  std::string stream;  // rng stream name
  bool materialized = false;  // written with an explicit "stream" (an emitted schedule): replayed as is
  Kind kind = Kind::crash;
  sim::Duration at;
  std::optional<sim::Duration> length;  // "for"
  Target target;                         // crash restart isolate clock omit byzantine
  std::vector<std::vector<sim::NodeId>> groups;  // partition
  Target from, to;                               // cut lossy slow duplicate drop
  std::vector<std::string> types;                // drop: message type names; empty = every type
  bool lose_unsynced = false;                    // crash
  sim::Duration jump;                            // clock
  std::optional<double> drift_ppm;               // clock
  double send = 0, receive = 0;                  // omit: probabilities
  double p = 1;                                  // lossy: loss; duplicate: probability; byzantine: per message
  sim::Duration delay;                           // slow, storage_slow (added to every sync)
  std::string strategy;                          // byzantine
  std::string note;  // "hit no node: ..." when a selector matched no node (schedule.h)
  NemesisSpec nemesis;
};

// Reads root["faults"] (absent = none). Throws InputError naming the key and position.
std::vector<Fault> read_faults(sim::ConfigReader& root, const sim::Scenario& scenario);
// The canonical JSON of one fault (node names from the topology).
nlohmann::json to_json(const Fault& f, const sim::Topology& topology);

}  // namespace dsim::faults

// The quorum store's parameters (protocol.params) and its clients' workload (workload).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "protocols/quorum/bugs.h"
#include "protocols/quorum/version.h"
#include "sim/declare.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::quorum {

enum class Mode : uint8_t { dynamo, abd };
enum class Routing : uint8_t { random, key, outside };
enum class Coordinate : uint8_t { home, any };
enum class Fanout : uint8_t { all, quorum };
enum class Experiment : uint8_t { mixed, pbs };

struct Config {
  Mode mode = Mode::dynamo;
  uint32_t n = 3;  // replicas per key (the preference list's home replicas)
  uint32_t r = 2;  // replies a read waits for
  uint32_t w = 2;  // acknowledgements a write waits for
  uint32_t vnodes = 8;
  Resolution resolution = Resolution::dvv;
  bool sloppy = true;
  bool read_repair = true;
  Coordinate coordinate = Coordinate::home;
  Fanout fanout = Fanout::all;
  sim::Duration replica_timeout = sim::Duration::millis(100);
  sim::Duration request_timeout = sim::Duration::millis(500);
  sim::Duration suspect_for = sim::Duration::seconds(1);
  sim::Duration handoff_every = sim::Duration::millis(500);
  sim::Duration anti_entropy;  // 0: off
  // Membership changes: the last `joiners` servers start outside the ring and join from join_at,
  // one every join_every; the first `leavers` leave from leave_at, one every leave_every.
  uint32_t joiners = 0, leavers = 0;
  sim::Duration join_at = sim::Duration::seconds(2), join_every = sim::Duration::seconds(1);
  sim::Duration leave_at = sim::Duration::seconds(2), leave_every = sim::Duration::seconds(1);
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
  // What the code really uses (the bug switches change it).
  uint32_t write_quorum() const { return bugs.r_plus_w_le_n && r + w > n ? (n > r ? n - r : 1) : w; }
  Resolution resolves() const { return bugs.lww_with_skew ? Resolution::lww : resolution; }
  // Server i of `servers` joins (a joiner) or leaves (a leaver) at this time; empty otherwise.
  std::optional<sim::Duration> join_time(uint32_t i, uint32_t servers) const {
    if (i + joiners < servers) return std::nullopt;
    return join_at + join_every * static_cast<int64_t>(i + joiners - servers);
  }
  std::optional<sim::Duration> leave_time(uint32_t i) const {
    if (i >= leavers) return std::nullopt;
    return leave_at + leave_every * static_cast<int64_t>(i);
  }
  // The servers in the ring at the start: all but the joiners.
  std::vector<sim::NodeId> initial_members(uint32_t servers) const {
    std::vector<sim::NodeId> out;
    for (uint32_t i = 0; i + joiners < servers; ++i) out.push_back(sim::NodeId(i));
    return out;
  }
  // Majority-free ABD: the query phase waits for R, the store phase for W (R + W > N).
};

sim::ParamTable<Config> config_params();

struct Workload {
  double rate = 20;          // operations per second per client node
  uint32_t concurrency = 1;  // logical processes per client node
  uint32_t keys = 8;
  double read_ratio = 0.5;
  sim::Duration timeout = sim::Duration::seconds(1);
  Routing routing = Routing::random;
  sim::Duration writes_stop;  // 0: never; after it, reads only, every key in turn
  uint64_t count = 0;
  // The staleness experiments of Bailis et al. 2012 (experiment pbs): trial i reads
  // t = (i mod pbs_t_points) x pbs_t_step after the last of k = 1 + (i / pbs_t_points) mod
  // pbs_versions writes to a fresh key was acknowledged.
  Experiment experiment = Experiment::mixed;
  sim::Duration pbs_t_step = sim::Duration::millis(1);
  uint32_t pbs_t_points = 11;
  uint32_t pbs_versions = 1;

  static Workload from(const sim::ProtocolConfig& c);
};
sim::ParamTable<Workload> workload_params();

}  // namespace dsim::quorum

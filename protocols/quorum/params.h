// The quorum store's parameters (protocol.params) and its clients' workload (workload).
#pragma once

#include <cstdint>

#include "protocols/quorum/bugs.h"
#include "protocols/quorum/version.h"
#include "sim/declare.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::quorum {

enum class Mode : uint8_t { dynamo, abd };
enum class Routing : uint8_t { random, key };

struct Config {
  Mode mode = Mode::dynamo;
  uint32_t n = 3;  // replicas per key (the preference list's home replicas)
  uint32_t r = 2;  // replies a read waits for
  uint32_t w = 2;  // acknowledgements a write waits for
  uint32_t vnodes = 8;
  Resolution resolution = Resolution::dvv;
  bool sloppy = true;
  bool read_repair = true;
  sim::Duration replica_timeout = sim::Duration::millis(100);
  sim::Duration request_timeout = sim::Duration::millis(500);
  sim::Duration suspect_for = sim::Duration::seconds(1);
  sim::Duration handoff_every = sim::Duration::millis(500);
  sim::Duration anti_entropy;  // 0: off
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
  // What the code really uses (the bug switches change it).
  uint32_t write_quorum() const { return bugs.r_plus_w_le_n && r + w > n ? (n > r ? n - r : 1) : w; }
  Resolution resolves() const { return bugs.lww_with_skew ? Resolution::lww : resolution; }
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

  static Workload from(const sim::ProtocolConfig& c);
};
sim::ParamTable<Workload> workload_params();

}  // namespace dsim::quorum

// Raft's parameters (server side) and workload (client side): the structs with their defaults,
// and each one's declaration table (name, member, help, bounds; sim/declare.h), from which the
// registry's specs and the parsing of a scenario's resolved values both come.
#pragma once

#include <string>
#include <vector>

#include "protocols/raft/bugs.h"
#include "sim/declare.h"
#include "sim/params.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::raft {

enum class ReadMode { log, read_index, lease };

struct Config {
  sim::Duration election_timeout_min = sim::Duration::millis(150);
  sim::Duration election_timeout_max = sim::Duration::millis(300);
  sim::Duration heartbeat = sim::Duration::millis(50);
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t snapshot_every = 0;  // 0: never compact
  uint64_t max_batch = 64;      // entries per AppendEntries
  ReadMode read_mode = ReadMode::log;
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
};

struct Workload {
  double rate = 20;          // operations offered per second per client node (open loop)
  uint32_t concurrency = 4;  // logical processes per client node, one operation outstanding each
  uint32_t keys = 3;
  double read_ratio = 0.5;
  sim::Duration timeout = sim::Duration::millis(200);  // per attempt
  uint32_t attempts = 8;                                // sends before giving up ("info")
  bool periodic = false;  // arrivals exactly every 1/rate (the first at 1/rate) instead of Poisson
  uint64_t count = 0;     // operations per client node; 0 = no limit

  static Workload from(const sim::ProtocolConfig& c);
};

sim::ParamTable<Config> config_params();      // "protocol.params"
sim::ParamTable<Workload> workload_params();  // "workload"

}  // namespace dsim::raft

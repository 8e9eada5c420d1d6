// Raft's parameters (server side) and workload (client side): the structs with their defaults,
// and each one's declaration table (name, member, help, bounds; sim/declare.h), from which the
// registry's specs and the parsing of a scenario's resolved values both come.
#pragma once

#include <string>
#include <vector>

#include "protocols/common/kv.h"
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

using kv::Workload;  // the clients' (protocols/common/kv.h)

sim::ParamTable<Config> config_params();      // "protocol.params"
using kv::workload_params;                // "workload"

}  // namespace dsim::raft

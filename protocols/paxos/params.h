// Paxos's parameters (server side): the struct with its defaults and its declaration table
// (sim/declare.h). The clients' workload is the shared key-value one (protocols/common/kv.h).
#pragma once

#include <algorithm>
#include <cstdint>

#include "protocols/common/kv.h"
#include "protocols/paxos/bugs.h"
#include "sim/declare.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::paxos {

enum class Mode : uint8_t { single, multi };

struct Config {
  Mode mode = Mode::multi;
  // Flexible Paxos quorum sizes; 0 means a majority of the servers (for Q1: or, if larger,
  // N - |Q2| + 1, the smallest that meets every phase-2 quorum).
  uint32_t q1 = 0;
  uint32_t q2 = 0;
  // Servers n1..nK may propose (single) or lead (multi); 0 means all of them.
  uint32_t proposers = 0;
  sim::Duration heartbeat = sim::Duration::millis(50);
  sim::Duration leader_timeout_min = sim::Duration::millis(150);
  sim::Duration leader_timeout_max = sim::Duration::millis(300);
  sim::Duration retry_min = sim::Duration::millis(20);
  sim::Duration retry_max = sim::Duration::millis(200);
  sim::Duration phase_timeout = sim::Duration::millis(100);
  uint64_t max_catch_up = 64;  // decisions in one answer to a lagging learner
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
  // The quorum sizes for `servers` servers (0 resolved as above). Bug non_intersecting_quorums
  // derives Q1 one too small, an off-by-one that lets it miss a phase-2 quorum.
  uint32_t phase1_quorum(uint32_t servers) const {
    if (q1) return q1;
    const uint32_t q2size = phase2_quorum(servers);
    const uint32_t derived = std::max(servers / 2 + 1, servers >= q2size ? servers - q2size + 1 : 1);
    return bugs.non_intersecting_quorums && derived > 1 ? derived - 1 : derived;
  }
  uint32_t phase2_quorum(uint32_t servers) const { return q2 ? q2 : servers / 2 + 1; }
  bool may_propose(uint32_t server) const { return proposers == 0 || server < proposers; }
};

sim::ParamTable<Config> config_params();  // "protocol.params"

using kv::Workload;
using kv::workload_params;

}  // namespace dsim::paxos

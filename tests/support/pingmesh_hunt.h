// A small hunt for the command-line tests of sweeps, shards and merges: pingmesh on 6 nodes
// with a nemesis that includes Byzantine faults, so some seeds break reply_matches_ping (most
// of seeds 1..30 do; each seed takes a few milliseconds) and the tables have rows to agree on.
#pragma once

#include <string>

namespace dsim_test {

inline const std::string kPingmeshHunt = R"({
  "protocol": {"name": "pingmesh"}, "nodes": 6, "duration": "6s",
  "faults": [{"from": "500ms", "to": "5s", "exceed_budget": true, "nemesis": {
    "kinds": ["crash", "partition", "isolate", "clock", "omit", "slow", "byzantine"],
    "every": "200ms", "max_concurrent": 3, "length": ["100ms", "1s"]}}],
  "invariants": ["pingmesh.reply_matches_ping"]
})";

}  // namespace dsim_test

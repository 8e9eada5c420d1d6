// `dsim list`: what this build can simulate: protocols with parameters, invariants, bug
// switches and message types; network latency distributions.
#include <cstdio>

#include "faults/schedule.h"
#include "faults/swarm.h"
#include "protocols/registry.h"
#include "sim/network.h"
#include "tools/cli/commands.h"

namespace dsim::cli {

Command add_list(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("list", "List protocols, parameters, invariants, bug switches and network models");
  cmd->footer("Example:\n  dsim list");
  return []() {
    for (const auto& p : protocols::registry().all()) {
      std::printf("protocol %s\n  %s\n", p.name.c_str(), p.description.c_str());
      std::printf("  nodes: at least %u\n", p.min_nodes);
      std::printf("  params (protocol.params; one server's own: protocol.node_params.<server>):\n");
      for (const auto& param : p.params)
        std::printf("    %-22s %-15s default %-14s %s\n", param.name.c_str(), std::string(sim::to_string(param.type)).c_str(),
                    param.default_value.dump().c_str(), param.help.c_str());
      if (!p.workload.empty()) {
        std::printf("  workload (workload.*; \"clients\" = how many client nodes c1..cM):\n");
        for (const auto& param : p.workload)
          std::printf("    %-22s %-15s default %-14s %s\n", param.name.c_str(),
                      std::string(sim::to_string(param.type)).c_str(), param.default_value.dump().c_str(),
                      param.help.c_str());
      }
      std::printf("  invariants:\n");
      for (const auto& inv : p.invariants) std::printf("    %-36s %s\n", inv.name.c_str(), inv.help.c_str());
      std::printf("  bug switches (protocol.bugs):%s\n", p.bugs.empty() ? " none" : "");
      for (const auto& b : p.bugs) std::printf("    %-22s %s\n", b.name.c_str(), b.help.c_str());
      std::printf("  fault budget: %s; storage faults: lost unsynced writes %s, fsync_lies %s, corrupt %s\n",
                  p.budget.summary.c_str(), p.budget.lost_unsynced ? "in" : "out",
                  p.budget.lying_sync ? "in" : "out", p.budget.corruption ? "in" : "out");
      std::printf("  swarm knobs (drawn per seed in swarm mode unless the scenario sets them):%s\n", p.swarm.empty() ? " none" : "");
      for (const auto& k : p.swarm) std::printf("    %-22s %s\n", k.param.c_str(), k.help.c_str());
      std::printf("  Byzantine strategies (faults[].strategy): corrupt, equivocate, replay, mute%s\n",
                  p.byzantine.empty() ? "" : ", and:");
      for (const auto& b : p.byzantine) std::printf("    %-22s %s\n", b.name.c_str(), b.help.c_str());
      std::printf("  fault selectors: all, random, minority, majority%s\n", p.selectors.empty() ? "" : ", and:");
      for (const auto& sel : p.selectors) std::printf("    %-22s %s\n", sel.name.c_str(), sel.help.c_str());
      const auto names = [](const char* what, const std::vector<std::string_view>& list) {
        if (list.empty()) return;
        std::printf("  %s:", what);
        for (const auto& m : list) std::printf(" %.*s", static_cast<int>(m.size()), m.data());
        std::printf("\n");
      };
      names("messages", p.message_types);
      names("observations (what invariants read; dsim log --type)", p.observation_types);
      names("timers", p.timer_types);
      std::printf("\n");
    }
    std::printf("network latency distributions (network.latency, network.links[].latency):\n");
    for (const auto& [name, example] : sim::latency_kinds()) std::printf("  %-12s %s\n", name.c_str(), example.c_str());
    std::printf("\nfault kinds (\"faults\": [...]; TARGET = node name, list of names, all, random, minority, majority):\n");
    for (const auto& [name, example] : faults::fault_kinds()) std::printf("  %-12s %s\n", name.c_str(), example.c_str());
    std::printf("\nstorage (\"storage\": {\"sync\": DIST, \"nodes\": {\"n2\": {\"sync\": DIST}}}): how long a sync takes, a latency\n"
                "  distribution as above (default instant); a handler's sends, and every later send of the node, leave when\n"
                "  its sync completes\n");
    std::printf("\nswarm (\"swarm\": {...}, or dsim sweep --swarm): each seed draws its own configuration; ranges:\n");
    for (const auto& [key, dflt, how] : faults::swarm_keys())
      std::printf("  %-22s default %-36s %s\n", key.c_str(), dflt.c_str(), how.c_str());
    std::printf("\nnetwork keys: latency, loss (0..1), duplicate (0..1), fifo (bool), links "
                "[{from, to, both_ways, latency, loss, duplicate, fifo}]\n");
    return 0;
  };
}

}  // namespace dsim::cli

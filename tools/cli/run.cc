// `dsim run FILE`: one simulation, a summary, and on a violation the command that
// reproduces it.
#include <cstdio>

#include "protocols/registry.h"
#include "tools/cli/commands.h"
#include "tools/cli/format.h"
#include "tools/cli/report.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {
struct RunArgs {
  std::string file;
  std::optional<uint64_t> seed;
  std::string trace;
  std::vector<std::string> sets;
  bool no_invariants = false;
};
}  // namespace

Command add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run one scenario and print a summary");
  cmd->add_option("file", args->file, "scenario file (JSON with comments)")->required();
  cmd->add_option("--seed", args->seed, "seed (overrides the scenario's \"seed\")");
  cmd->add_option("--trace", args->trace, "write the full trace as JSON Lines to this file");
  cmd->add_option("--set", args->sets, "override any scenario key, e.g. --set network.loss=0.01 (repeatable)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--no-invariants", args->no_invariants, "skip invariant checking (the digest is unchanged)");
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/pingmesh/basic.json\n"
      "  dsim run scenarios/pingmesh/basic.json --seed 42 --trace /tmp/run.jsonl\n"
      "  dsim run scenarios/pingmesh/basic.json --set nodes=50 --set protocol.params.interval=5ms\n"
      "Exit code: 0 as the scenario's \"expect\" says, 1 an unexpected (or missing expected) violation, 2 bad input.");
  return [args]() {
    std::vector<std::string> sets = args->sets;
    if (args->seed) sets.push_back("seed=" + std::to_string(*args->seed));
    sim::Scenario scenario = load(args->file, sets);
    RunRequest req;
    req.scenario = &scenario;
    req.trace_path = args->trace;
    req.invariants = !args->no_invariants;
    RunOutcome out = execute(req);
    print_summary(stdout, scenario, out);
    const bool ok = out.as_expected(scenario.expect);
    if (!ok || out.any_violation()) {
      std::printf("reproduce: %s\n", reproduce_command(args->file, scenario.seed, args->sets).c_str());
    }
    return ok ? 0 : 1;
  };
}

}  // namespace dsim::cli

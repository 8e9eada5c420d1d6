// `dsim run FILE`: one simulation, a summary, and on a violation the command that
// reproduces it.
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "sim/json_source.h"

#include "protocols/registry.h"
#include "tools/cli/commands.h"
#include "tools/cli/args.h"
#include "tools/cli/format.h"
#include "tools/cli/log_sink.h"
#include "tools/cli/output.h"
#include "tools/cli/report.h"
#include "tools/cli/runner.h"
#include "tools/cli/trace_text.h"
#include "tools/cli/view_page.h"

namespace dsim::cli {
namespace {
struct RunArgs {
  std::string file;
  std::optional<uint64_t> seed;
  std::string trace;
  std::vector<std::string> sets;
  bool no_invariants = false;
  bool no_state = false;
  std::string emit_schedule;
  std::string until;
  std::string history;
  std::string curve;
  std::string view;
  bool stop_at_violation = false;
  bool expect_safe = false;
  std::string log_level = "off";
};
}  // namespace

Command add_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run one scenario and print a summary");
  cmd->add_option("file", args->file, "scenario file (JSON with comments)")->required();
  add_number(cmd, "--seed", args->seed, "seed (overrides the scenario's \"seed\")", 0, UINT64_MAX);
  cmd->add_option("--trace", args->trace, "write the full trace as JSON Lines to this file");
  cmd->add_option("--set", args->sets, "override any scenario key, e.g. --set network.loss=0.01 (repeatable)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--no-state", args->no_state,
                "leave the nodes' state records out of the trace (smaller, faster; dsim state/step then show none)");
  cmd->add_flag("--no-invariants", args->no_invariants, "skip invariant checking (the digest is unchanged)");
  cmd->add_option("--emit-schedule", args->emit_schedule,
                  "write the scenario with every fault that fired (nemesis included) as an explicit schedule; "
                  "running that file gives the identical digest");
  cmd->add_option("--history", args->history,
                  "write the clients' history (invoke/ok/fail/info) in the format 'dsim check-history' reads; one "
                  "process per (client node, logical process), numbered as the linearizable invariant numbers them");
  cmd->add_option("--curve", args->curve,
                  "write the protocol's curve as CSV (gossip: at every period boundary, for every update injected so far, "
                  "time_ms,update,informed,live,fraction: how many live members hold it; quorum, with workload.experiment "
                  "pbs: k,t_ms,trials,fresh,p_consistent for each k and t of the staleness experiments)")
      ->type_name("FILE");
  cmd->add_option("--view", args->view,
                  "write the run as a self-contained HTML space-time diagram (what 'dsim view' writes from the trace)")
      ->type_name("FILE");
  cmd->add_option("--until", args->until,
                  "stop the run at this simulated time (e.g. 2.5s; before the scenario's duration): the trace ends "
                  "there, liveness invariants are skipped; the same as --set until=T, recorded in the trace header");
  cmd->add_flag("--stop-at-violation", args->stop_at_violation,
                "stop at the event where the first violation shows (checked at events; the linearizability check "
                "runs at the end, so it stops nothing); liveness invariants are skipped");
  cmd->add_flag("--expect-safe", args->expect_safe,
                "expect safety to hold whatever the scenario's \"expect\" says (a lesson shown with its bug "
                "switched off: --set 'protocol.bugs=[]' --expect-safe); the same as --set 'expect={\"safety\":\"holds\"}'");
  cmd->add_option("--log-level", args->log_level,
                  "print the nodes' log lines at this level and above to stderr, each with the simulated time and "
                  "the node: trace, debug, info, warn, error or off (the default); the run and its digest do not "
                  "change")
      ->capture_default_str();
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/pingmesh/basic.json\n"
      "  dsim run scenarios/raft/leader-crash.json --log-level info\n"
      "  dsim run scenarios/pingmesh/basic.json --seed 42 --trace /tmp/run.jsonl\n"
      "  dsim run scenarios/pingmesh/basic.json --set nodes=50 --set protocol.params.interval=5ms\n"
      "  dsim run scenarios/pingmesh/nemesis.json --emit-schedule /tmp/schedule.json && dsim run /tmp/schedule.json\n"
      "  dsim run scenarios/teaching/raft-basics.json --until 2.5s --trace /tmp/t.jsonl && dsim state /tmp/t.jsonl\n"
      "  dsim run scenarios/teaching/raft-figure8.json --stop-at-violation --trace /tmp/t.jsonl\n"
      "  dsim run scenarios/raft/nemesis.json --history /tmp/h.jsonl && dsim check-history /tmp/h.jsonl --model kv\n"
      "  dsim run scenarios/teaching/gossip-pull-vs-push.json --curve /tmp/push.csv\n"
      "  dsim run scenarios/teaching/raft-figure8.json --view /tmp/figure8.html\n"
      "  dsim run scenarios/teaching/raft-figure8.json --set 'protocol.bugs=[]' --expect-safe\n"
      "Exit code: 0 as the scenario's \"expect\" says, 1 an unexpected (or missing expected) violation, 2 bad input.");
  return [args]() {
    OutputPlan files;
    files.input("the scenario file", args->file);
    files.output("--trace", args->trace);
    files.output("--emit-schedule", args->emit_schedule);
    files.output("--history", args->history);
    files.output("--curve", args->curve);
    files.output("--view", args->view);
    files.check();
    std::vector<std::string> sets = args->sets;
    if (args->seed) sets.push_back("seed=" + std::to_string(*args->seed));
    if (args->stop_at_violation && args->no_invariants)
      throw sim::InputError("--stop-at-violation needs the invariants: drop --no-invariants");
    if (args->stop_at_violation) sets.push_back("stop_at_violation=true");
    // Through the scenario (not beside it), so the trace header records it and `dsim check`
    // of the trace expects the same.
    if (args->expect_safe) sets.push_back(R"(expect={"safety": "holds"})");
    const std::unique_ptr<sim::LogSink> log = stderr_log_sink("--log-level", args->log_level);
    sim::Scenario scenario = load(args->file, sets);
    if (!args->until.empty()) set_until(scenario, "--until", args->until);
    if (!args->history.empty() && scenario.protocol->history_model.empty())
      throw sim::InputError("--history: protocol " + scenario.protocol->name +
                            " records no client history (its clients make no invoke/ok/fail/info events)");
    std::unique_ptr<sim::CurveSource> curve;
    if (!args->curve.empty()) {
      if (!scenario.protocol->curve)
        throw sim::InputError("--curve: protocol " + scenario.protocol->name +
                              " has no dissemination curve (gossip has; quorum has a staleness curve)");
      curve = scenario.protocol->curve(scenario.config);
    }
    RunRequest req;
    req.scenario = &scenario;
    req.log = log.get();
    if (curve) req.extra_sinks.push_back(curve.get());
    req.trace_path = args->trace;
    // The view is made from the trace, as `dsim view` makes it: without --trace, from a
    // temporary one.
    std::optional<TemporaryFile> view_trace;
    if (!args->view.empty() && req.trace_path.empty()) {
      view_trace.emplace("view-trace", ".jsonl");
      req.trace_path = view_trace->path();
    }
    req.history_path = args->history;
    req.trace_states = !args->no_state;
    req.invariants = !args->no_invariants;
    req.emit_schedule = !args->emit_schedule.empty();
    req.metrics = true;
    RunOutcome out = execute(req);
    if (req.emit_schedule) write_file_atomically(args->emit_schedule, out.schedule.dump(2) + "\n");
    if (curve) write_file_atomically(args->curve, curve->csv(out.stats.end));
    if (!args->view.empty()) {
      ViewPageStats stats;
      write_file_atomically(args->view, view_page(load_trace(req.trace_path), "", &stats));
      std::fprintf(stderr, "%s\n", view_summary(args->view, stats).c_str());
    }
    print_summary(stdout, scenario, out);
    const bool ok = out.as_expected(scenario.expect);
    if (!ok || out.any_violation()) {
      std::string cmd = reproduce_command(args->file, scenario.seed, args->sets);
      if (!args->until.empty()) cmd += " --until " + shell_quote(args->until);
      if (args->stop_at_violation) cmd += " --stop-at-violation";
      if (args->expect_safe) cmd += " --expect-safe";
      std::printf("reproduce: %s\n", cmd.c_str());
    }
    return ok ? 0 : 1;
  };
}

}  // namespace dsim::cli

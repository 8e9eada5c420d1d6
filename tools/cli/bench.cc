// `dsim bench PROTOCOL`: engine throughput on a generated scenario, in three tracing modes:
// no sinks at all, the digest only, and a JSONL file (digest included). Prints events, wall
// time and events/s per mode; peak memory of the whole process at the end.
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "protocols/registry.h"
#include "tools/cli/commands.h"
#include "tools/cli/args.h"
#include "tools/cli/format.h"
#include "tools/cli/output.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {
struct BenchArgs {
  std::string protocol;
  uint32_t nodes = 1000;
  std::string duration = "10s";
  uint64_t seed = 1;
  std::vector<std::string> modes{"off", "digest", "jsonl"};
  std::vector<std::string> sets;
  std::string trace_dir;
};
}  // namespace

Command add_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure engine throughput (events/s) on a protocol workload");
  cmd->add_option("protocol", a->protocol, "protocol to run (e.g. pingmesh)")->required();
  add_number(cmd, "--nodes", a->nodes, "number of nodes, 2 to 10000000 (default 1000)", 2, 10'000'000);
  cmd->add_option("--duration", a->duration, "simulated time, e.g. 10s")->capture_default_str();
  add_number(cmd, "--seed", a->seed, "seed (default 1)", 0, UINT64_MAX);
  cmd->add_option("--mode", a->modes, "tracing modes to measure: off, digest, jsonl (comma-separated or repeated)")
      ->capture_default_str()
      ->delimiter(',')
      ->check(CLI::IsMember({"off", "digest", "jsonl"}));
  cmd->add_option("--set", a->sets, "override a key of the generated scenario (repeatable)");
  cmd->add_option("--trace-dir", a->trace_dir, "where the jsonl mode writes its file (default: a temp dir; removed after)");
  cmd->footer(
      "The workload is the scenario {protocol, nodes, duration, uniform 1-10ms latency}; invariants are off.\n"
      "Examples:\n"
      "  dsim bench pingmesh --nodes 1000 --duration 10s\n"
      "  /usr/bin/time -v dsim bench pingmesh --nodes 100000 --duration 1s --mode off");
  return [a]() {
    sim::JsonDocument doc;
    doc.origin = "dsim bench";
    doc.value = {{"name", "bench-" + a->protocol},
                 {"seed", a->seed},
                 {"duration", a->duration},
                 {"protocol", {{"name", a->protocol}}},
                 {"nodes", a->nodes},
                 {"network", {{"latency", {{"dist", "uniform"}, {"min", "1ms"}, {"max", "10ms"}}}}}};
    sim::ConfigSource source(std::move(doc));
    for (const auto& s : a->sets) source.apply_set(s);
    const sim::Scenario scenario = sim::parse_scenario(std::move(source), protocols::registry(), sections());
    const std::string dir = a->trace_dir.empty() ? std::filesystem::temp_directory_path().string() : a->trace_dir;
    const std::string trace = dir + "/dsim-bench-" + std::to_string(getpid()) + ".jsonl";
    if (std::find(a->modes.begin(), a->modes.end(), "jsonl") != a->modes.end()) {
      OutputPlan files;  // fail before measuring anything if the jsonl mode cannot write
      files.output("--trace-dir", trace);
      files.check();
    }
    std::printf("bench %s: %u nodes, %s simulated, seed %llu\n", a->protocol.c_str(), scenario.nodes,
                a->duration.c_str(), static_cast<unsigned long long>(scenario.seed));
    std::printf("%-8s %14s %10s %12s %s\n", "mode", "events", "wall_s", "events/s", "extra");
    for (const auto& mode : a->modes) {
      RunRequest req;
      req.scenario = &scenario;
      req.invariants = false;
      req.digest = mode != "off";
      if (mode == "jsonl") req.trace_path = trace;
      RunOutcome out = execute(req);
      std::string extra;
      if (!out.digest.empty()) extra = "digest " + out.digest;
      if (!req.trace_path.empty()) {
        extra += ", trace " + with_commas(std::filesystem::file_size(req.trace_path) >> 20) + " MiB";
        std::filesystem::remove(req.trace_path);
      }
      std::printf("%-8s %14s %10.3f %12s %s\n", mode.c_str(), with_commas(out.stats.events).c_str(), out.wall_seconds,
                  rate(static_cast<double>(out.stats.events) / out.wall_seconds).c_str(), extra.c_str());
      std::fflush(stdout);
    }
    std::printf("peak memory: %s KiB (whole process, all modes)\n", with_commas(peak_rss_kib()).c_str());
    return 0;
  };
}

}  // namespace dsim::cli

// `dsim sweep FILE --seeds A:B`: one simulation per seed, N at a time on threads, a live
// progress line, and a table of failures grouped by violated invariant with the command that
// reproduces the first of each. --shard k/n (--shard-index i/n) and --merge spread a sweep over
// machines (tools/fleet/).
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <map>
#include <thread>

#include "faults/swarm.h"
#include "tools/cli/baseline.h"
#include "tools/cli/commands.h"
#include "tools/cli/args.h"
#include "tools/cli/format.h"
#include "tools/cli/output.h"
#include "tools/cli/signals.h"
#include "tools/cli/seeds.h"

namespace dsim::cli {
namespace {

struct SweepArgs {
  std::string file;
  std::string seeds = "1:100";
  unsigned jobs = 0;
  std::string shard, shard_index;
  std::string out;
  bool stop_on_first = false;
  bool swarm = false;
  std::vector<std::string> sets;
  std::vector<std::string> merge;
  std::string baseline;
};

// The swarm settings most failing seeds of a group share, and the sweep as a whole shares less
// ("fault.aim=true: 45 of 49 failing seeds, 52% of all seeds"): where to look first.
void print_shared_settings(const std::vector<SeedResult>& all, const std::vector<const SeedResult*>& failing) {
  std::map<std::string, std::map<std::string, size_t>> in_failing, in_all;  // key -> value text -> seeds
  size_t failing_n = 0, all_n = 0;
  const auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  for (const SeedResult* r : failing) {
    if (r->swarm.is_null()) continue;
    ++failing_n;
    const nlohmann::json settings = faults::swarm_settings(r->swarm);  // kept: items() refers to it
    for (const auto& [k, v] : settings.items()) ++in_failing[k][text(v)];
  }
  for (const auto& r : all) {
    if (r.swarm.is_null()) continue;
    ++all_n;
    const nlohmann::json settings = faults::swarm_settings(r.swarm);
    for (const auto& [k, v] : settings.items()) ++in_all[k][text(v)];
  }
  if (failing_n < 2 || all_n == 0) return;
  struct Row {
    double lift;
    std::string line;
  };
  std::vector<Row> rows;
  for (const auto& [key, values] : in_failing)
    for (const auto& [value, n] : values) {
      const double f = static_cast<double>(n) / static_cast<double>(failing_n);
      const double a = static_cast<double>(in_all[key][value]) / static_cast<double>(all_n);
      if (f < 0.8 || a >= 0.999 || f < a * 1.25) continue;
      char buf[160];
      std::snprintf(buf, sizeof buf, ": %zu of %zu failing seeds, %.0f%% of all seeds\n", n, failing_n, 100 * a);
      rows.push_back({f / a, "    " + key + "=" + value + buf});
    }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.lift > y.lift; });
  if (rows.size() > 8) rows.resize(8);
  if (rows.empty()) return;
  std::printf("  settings the failing seeds share more than the rest:\n");
  for (const auto& r : rows) std::printf("%s", r.line.c_str());
}

// Groups unexpected results by what went wrong and prints one row per group.
int print_table(const std::vector<SeedResult>& results, const std::string& file, const std::vector<std::string>& sets) {
  std::map<std::string, std::vector<const SeedResult*>> groups;
  for (const auto& r : results) {
    if (r.as_expected) continue;
    std::string key = r.expected_missing && r.violated.empty() ? "(expected violation missing)" : "";
    for (const auto& v : r.violated) key += (key.empty() ? "" : " + ") + v;
    if (r.expected_missing && !r.violated.empty()) key += " (expected violation missing)";
    groups[key].push_back(&r);
  }
  size_t failed = 0;
  for (const auto& [k, v] : groups) failed += v.size();
  std::printf("%s seeds, %s as expected, %s failed\n", with_commas(results.size()).c_str(),
              with_commas(results.size() - failed).c_str(), with_commas(failed).c_str());
  if (groups.empty()) return 0;
  std::printf("\n%-44s %8s %12s  %s\n", "violated", "seeds", "first seed", "first failure");
  for (const auto& [key, rs] : groups)
    std::printf("%-44s %8s %12llu  %s\n", key.c_str(), with_commas(rs.size()).c_str(),
                static_cast<unsigned long long>(rs.front()->seed), rs.front()->first_what.substr(0, 100).c_str());
  bool any_swarm = false;
  for (const auto& [key, rs] : groups) any_swarm |= !rs.front()->swarm.is_null();
  if (any_swarm) {
    std::printf("\nswarm settings:\n");
    for (const auto& [key, rs] : groups) {
      std::printf("  %s: seed %llu drew %s\n", key.c_str(), static_cast<unsigned long long>(rs.front()->seed),
                  rs.front()->swarm.is_null() ? "nothing" : faults::swarm_summary(rs.front()->swarm).c_str());
      if (rs.size() > 1) print_shared_settings(results, rs);
    }
  }
  std::printf("\nreproduce:\n");
  for (const auto& [key, rs] : groups)
    std::printf("  %s\n", reproduce_command(file, rs.front()->seed, sets).c_str());
  return 1;
}

// Combines the results files of a sweep's shards into one table; with `out`, writes the merged
// results (byte for byte what one unsharded sweep of the range writes, when the shards cover
// it); with a baseline, compares as a sweep would. Shards that are missing, repeated, from
// another split of the seeds, or cut short (an interrupted shard) are named: a merge that does
// not cover its range exits 1 even when every seed it has passed.
int merge(const std::vector<std::string>& files, const std::string& out, const std::optional<ResultsFile>& baseline) {
  std::vector<SeedResult> all;
  std::string scenario;
  std::vector<std::string> sets;
  std::optional<SweepPlan> plan;  // the split every file shares, when every file records one
  bool every_plan = true;
  std::map<uint32_t, std::string> shard_files;  // shard k -> its file
  std::vector<std::string> short_files;
  uint64_t planned = 0;
  for (const auto& path : files) {
    ResultsFile f = read_results_file(path);
    if (f.test) throw sim::InputError(path + ": results of dsim test, not of a sweep");
    if (path != files[0] && (f.scenario != scenario || f.sets != sets))
      throw sim::InputError(path + ":1: results of another sweep (" + f.scenario + ") than " + files[0] + " (" + scenario + ")");
    scenario = f.scenario;
    sets = f.sets;
    if (!f.plan) {
      every_plan = false;
    } else {
      const SweepPlan& p = *f.plan;
      const std::string split = "seeds " + p.seeds + " in " + std::to_string(p.shards) + " shards";
      if (plan && (plan->seeds != p.seeds || plan->shards != p.shards))
        throw sim::InputError(path + ":1: a shard of " + split + ", but " + files[0] + " is a shard of seeds " + plan->seeds +
                              " in " + std::to_string(plan->shards) + " shards");
      if (!plan) plan = p;
      const auto [it, fresh] = shard_files.emplace(p.shard, path);
      if (!fresh)
        throw sim::InputError(path + ":1: shard " + std::to_string(p.shard) + "/" + std::to_string(p.shards) + " again (also " +
                              it->second + ")");
      planned += p.planned;
      if (f.results.size() < p.planned)
        short_files.push_back(path + " has " + with_commas(f.results.size()) + " of its " + with_commas(p.planned) + " seeds");
    }
    for (auto& r : f.results) all.push_back(std::move(r));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.seed < b.seed; });
  for (size_t i = 1; i < all.size(); ++i)
    if (all[i].seed == all[i - 1].seed) throw sim::InputError("seed " + std::to_string(all[i].seed) + " appears in two result files");
  std::printf("merged %zu files: %s\n", files.size(), scenario.c_str());
  std::optional<SweepPlan> whole;
  std::vector<std::string> gaps;
  if (every_plan && plan) {
    whole = SweepPlan{plan->seeds, 1, 1, planned};
    std::vector<std::string> missing;
    for (uint32_t k = 1; k <= plan->shards; ++k)
      if (!shard_files.count(k)) missing.push_back(std::to_string(k) + "/" + std::to_string(plan->shards));
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
      if (missing.size() > 10) list += " and " + with_commas(missing.size() - 10) + " more";
      gaps.push_back((missing.size() == 1 ? "shard " : "shards ") + list + " missing");
    }
    for (const auto& s : short_files) gaps.push_back(s + " (interrupted?)");
  } else {
    std::printf("(some files predate seed plans: whether the shards cover the range is not checked)\n");
  }
  if (!out.empty()) write_file_atomically(out, sweep_results_text(scenario, sets, whole ? &*whole : nullptr, all));
  int code = print_table(all, scenario, sets);
  if (baseline) code = print_sweep_comparison(*baseline, scenario, sets, all) > 0 ? 1 : 0;
  if (!gaps.empty()) {
    std::printf("\nincomplete: seeds %s are not all covered:\n", plan->seeds.c_str());
    for (const auto& g : gaps) std::printf("  %s\n", g.c_str());
    code = 1;
  }
  return code;
}

}  // namespace

Command add_sweep(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand("sweep", "Run a scenario over many seeds on every core and tabulate failures");
  cmd->add_option("file", a->file, "scenario file");
  cmd->add_option("--seeds", a->seeds, "inclusive seed range A:B")->capture_default_str();
  add_number(cmd, "-j,--jobs", a->jobs, "simulations at once, 1 to 256 (default: all cores)", 1, 256);
  auto* shard = cmd->add_option("--shard", a->shard,
                                "run only the k-th of n interleaved slices of the seeds (k/n, 1-based: GNU parallel's {#})");
  cmd->add_option("--shard-index", a->shard_index,
                  "the same slice by a 0-based index i/n (Kubernetes' $JOB_COMPLETION_INDEX, a Slurm array from 0)")
      ->excludes(shard);
  cmd->add_option("--out", a->out, "write one JSON line per seed (for --merge)");
  cmd->add_flag("--stop-on-first", a->stop_on_first, "stop at the first unexpected result");
  cmd->add_flag("--swarm", a->swarm,
                "swarm mode: each seed draws its faults, network, storage and protocol knobs (adds \"swarm\": {} "
                "when the scenario has no swarm section)");
  cmd->add_option("--set", a->sets, "override a scenario key (repeatable)");
  cmd->add_option("--merge", a->merge, "combine results files of shards into one table (no FILE)")->expected(1, -1);
  cmd->add_option("--baseline", a->baseline,
                  "compare with an earlier --out file seed by seed: newly failing seeds, fixed ones, changed digests "
                  "(exit 1 only when a seed newly fails)");
  cmd->footer(
      "Examples:\n"
      "  dsim sweep scenarios/pingmesh/nemesis.json --seeds 1:1000\n"
      "  dsim sweep scenarios/teaching/byzantine-pingmesh.json --seeds 1:200 -j 2 --stop-on-first\n"
      "  dsim sweep scenarios/raft/swarm.json --seeds 1:1000 --set 'protocol.bugs=[\"commit_old_term\"]'\n"
      "  dsim sweep scenarios/raft/nemesis.json --swarm --seeds 1:1000   # any scenario, swarm-drawn\n"
      "  dsim sweep FILE --seeds 1:100000 --shard 3/8 --out shard3.jsonl     # one of 8 machines\n"
      "  dsim sweep FILE --seeds 1:100000 --shard-index $JOB_COMPLETION_INDEX/8 --out shard$JOB_COMPLETION_INDEX.jsonl\n"
      "  dsim sweep --merge shard*.jsonl [--out all.jsonl] [--baseline main.jsonl]\n"
      "  (tools/fleet/ has a Slurm job array, a Kubernetes Indexed Job and GNU parallel over ssh)\n"
      "  dsim sweep FILE --seeds 1:1000 --out main.jsonl                # on main\n"
      "  dsim sweep FILE --seeds 1:1000 --baseline main.jsonl           # on the branch: what changed\n"
      "Exit code: 0 every seed as the scenario expects, 1 some did not, 2 bad input. With --baseline:\n"
      "0 no seed newly fails, 1 some seed does (failures the baseline had too are listed, not counted).\n"
      "--merge also exits 1 when the shards do not cover the seeds (one missing, or cut short).");
  return [a]() -> int {
    if (!a->merge.empty()) {
      if (!a->file.empty()) throw sim::InputError("sweep: give either FILE or --merge, not both");
      if (!a->shard.empty() || !a->shard_index.empty()) throw sim::InputError("sweep: --merge takes no --shard");
      OutputPlan files;
      for (const auto& m : a->merge) files.input("a results file being merged", m);
      files.output("--out", a->out);
      if (!a->baseline.empty()) files.input("the --baseline results", a->baseline);
      files.check();
      std::optional<ResultsFile> baseline;
      if (!a->baseline.empty()) {
        baseline = read_results_file(a->baseline);
        if (baseline->test) throw sim::InputError(a->baseline + ": results of dsim test, not of a sweep (dsim test --baseline takes it)");
      }
      return merge(a->merge, a->out, baseline);
    }
    if (a->file.empty()) throw sim::InputError("sweep: missing scenario FILE (or --merge results...)");
    OutputPlan files;
    files.input("the scenario file", a->file);
    files.output("--out", a->out);
    if (!a->baseline.empty()) files.input("the --baseline results", a->baseline);
    files.check();
    // Read before the sweep: a bad baseline is a one-line error now, not after an hour's run.
    std::optional<ResultsFile> baseline;
    if (!a->baseline.empty()) {
      baseline = read_results_file(a->baseline);
      if (baseline->test) throw sim::InputError(a->baseline + ": results of dsim test, not of a sweep (dsim test --baseline takes it)");
    }
    SeedRange range = parse_seed_range(a->seeds);
    if (!a->shard.empty()) parse_shard(a->shard, range);
    if (!a->shard_index.empty()) parse_shard_index(a->shard_index, range);
    const auto seeds = range.seeds();
    const std::string shard_text =
        range.shards > 1 || !a->shard.empty() || !a->shard_index.empty()
            ? " shard " + std::to_string(range.shard) + "/" + std::to_string(range.shards)
            : "";
    const sim::JsonDocument doc = sim::load_json_file(a->file);
    // As a --set, so the reproduce commands and the --out header carry it.
    if (a->swarm && !(doc.value.is_object() && doc.value.contains("swarm"))) a->sets.insert(a->sets.begin(), "swarm={}");
    SweepOptions options;
    options.threads = a->jobs ? a->jobs : std::max(1u, std::thread::hardware_concurrency());
    options.stop_on_first = a->stop_on_first;
    const bool tty = isatty(fileno(stderr));
    double last_print = -10;
    options.progress = [&](size_t done, size_t failures, size_t total, double seconds) {
      const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
      const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
      if (tty) {
        const int width = 30, filled = total ? static_cast<int>(width * done / total) : width;
        std::fprintf(stderr, "\r[%s%s] %zu/%zu seeds, %zu failed, %.1f seeds/s, ETA %.0fs   ",
                     std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done, total, failures,
                     rate, eta);
        if (done == total) std::fprintf(stderr, "\n");
      } else if (seconds - last_print >= 5 || done == total) {
        last_print = seconds;
        std::fprintf(stderr, "sweep: %zu/%zu seeds, %zu failed, %.1f seeds/s\n", done, total, failures, rate);
      }
    };
    std::printf("sweep %s: seeds %s%s, %u threads\n", a->file.c_str(), a->seeds.c_str(), shard_text.c_str(), options.threads);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    // Ctrl-C stops starting seeds; the results gathered so far are still written and tabulated.
    set_graceful(true);
    options.should_stop = [] { return interrupted_by() != 0; };
    const auto results = run_seeds(doc, a->sets, seeds, options);
    set_graceful(false);
    const int signal = interrupted_by();
    if (signal)
      std::printf("interrupted by signal %d after %s of %s seeds: the results below cover those\n", signal,
                  with_commas(results.size()).c_str(), with_commas(seeds.size()).c_str());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.2fs wall, %.1f seeds/s\n", seconds, seconds > 0 ? static_cast<double>(results.size()) / seconds : 0.0);
    if (!a->out.empty()) {
      // The range as A:B whatever the spelling ("7" is 7:7), so the shards of one sweep agree.
      const SweepPlan plan{std::to_string(range.first) + ":" + std::to_string(range.last), range.shard, range.shards,
                           seeds.size()};
      write_file_atomically(a->out, sweep_results_text(a->file, a->sets, &plan, results));
    }
    int code = print_table(results, a->file, a->sets);
    if (baseline) code = print_sweep_comparison(*baseline, a->file, a->sets, results) > 0 ? 1 : 0;
    return signal ? 128 + signal : code;
  };
}

}  // namespace dsim::cli

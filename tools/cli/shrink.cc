// `dsim shrink FILE --seed N`: turns a failing run into a smaller scenario that still fails
// the same invariant. Steps: materialise every fault that fired (the nemesis included) into an
// explicit schedule; delta-debug (Zeller's ddmin) the fault list; cut the duration to just past
// the violation; remove nodes and clients while the protocol allows and the failure stays.
// Every candidate is a full deterministic run, so "still fails" is a fact, not a guess.
#include <cctype>
#include <cstdio>

#include "tools/cli/commands.h"
#include "tools/cli/args.h"
#include "tools/cli/format.h"
#include "tools/cli/output.h"
#include "tools/cli/runner.h"

namespace dsim::cli {
namespace {

struct ShrinkArgs {
  std::string file;
  uint64_t seed = 1;
  std::string out;
  std::string invariant;
  std::vector<std::string> sets;
};

class Shrinker {
 public:
  explicit Shrinker(std::string invariant) : invariant_(std::move(invariant)) {}

  // Does this scenario still violate the target invariant? Remembers the violation time.
  bool fails(const nlohmann::json& scenario) {
    ++runs_;
    sim::JsonDocument doc;
    doc.value = scenario;
    doc.origin = "shrink candidate";
    const sim::Scenario s = load_document(std::move(doc), {});
    RunRequest req;
    req.scenario = &s;
    const RunOutcome out = execute(req);
    for (const auto& r : out.invariants)
      if (r.name == invariant_ && r.violation) {
        last_violation_ = r.violation->time;
        return true;
      }
    return false;
  }

  // Zeller & Hildebrandt's ddmin over the fault list: a 1-minimal failing subset.
  nlohmann::json ddmin(nlohmann::json scenario) {
    std::vector<nlohmann::json> faults = scenario.at("faults");
    auto with = [&](const std::vector<nlohmann::json>& f) {
      nlohmann::json c = scenario;
      c["faults"] = f;
      return c;
    };
    if (!faults.empty() && fails(with({}))) return with({});
    size_t n = 2;
    while (faults.size() >= 2) {
      const size_t chunk = (faults.size() + n - 1) / n;
      std::vector<std::vector<nlohmann::json>> parts;
      for (size_t i = 0; i < faults.size(); i += chunk)
        parts.emplace_back(faults.begin() + static_cast<long>(i), faults.begin() + static_cast<long>(std::min(i + chunk, faults.size())));
      bool reduced = false;
      for (const auto& part : parts)
        if (fails(with(part))) {
          faults = part;
          n = 2;
          reduced = true;
          break;
        }
      if (!reduced)
        for (size_t skip = 0; skip < parts.size() && parts.size() > 2; ++skip) {
          std::vector<nlohmann::json> complement;
          for (size_t k = 0; k < parts.size(); ++k)
            if (k != skip) complement.insert(complement.end(), parts[k].begin(), parts[k].end());
          if (fails(with(complement))) {
            faults = complement;
            n = std::max<size_t>(n - 1, 2);
            reduced = true;
            break;
          }
        }
      if (!reduced) {
        if (n >= faults.size()) break;
        n = std::min(faults.size(), n * 2);
      }
      std::fprintf(stderr, "shrink: %zu faults (%zu runs)\n", faults.size(), runs_);
    }
    return with(faults);
  }

  // Removes the highest-numbered node: drops faults, links, clocks and node_params that name it.
  static nlohmann::json without_node(nlohmann::json s, uint32_t nodes) {
    const std::string name = "\"n" + std::to_string(nodes) + "\"";
    s["nodes"] = nodes - 1;
    nlohmann::json faults = nlohmann::json::array();
    for (const auto& f : s.at("faults"))
      if (f.dump().find(name) == std::string::npos) faults.push_back(f);
    s["faults"] = faults;
    nlohmann::json links = nlohmann::json::array();
    for (const auto& l : s.at("network").at("links"))
      if (l.dump().find(name) == std::string::npos) links.push_back(l);
    s["network"]["links"] = links;
    s["clocks"].erase("n" + std::to_string(nodes));
    if (s["protocol"].contains("node_params")) s["protocol"]["node_params"].erase("n" + std::to_string(nodes));
    return s;
  }

  size_t runs() const { return runs_; }
  sim::Time last_violation() const { return last_violation_; }

 private:
  std::string invariant_;
  size_t runs_ = 0;
  sim::Time last_violation_;
};

// NAME-seedN-min.json in the working directory. The name comes from the scenario file, which
// may say anything ("../x", "", "/etc/passwd", "-rf"): only letters, digits, '.', '_' and '-'
// are kept (others become '-'), and leading dots and dashes are dropped, so the file stays
// here, visible, and cannot be mistaken for an option.
std::string default_output_name(const std::string& name, uint64_t seed) {
  std::string safe;
  for (unsigned char c : name) {
    if (safe.size() >= 80) break;
    safe += std::isalnum(c) || c == '.' || c == '_' || c == '-' ? static_cast<char>(c) : '-';
  }
  safe.erase(0, std::min(safe.size(), safe.find_first_not_of(".-")));
  if (safe.empty()) safe = "scenario";
  return safe + "-seed" + std::to_string(seed) + "-min.json";
}

}  // namespace

Command add_shrink(CLI::App& app) {
  auto a = std::make_shared<ShrinkArgs>();
  CLI::App* cmd = app.add_subcommand("shrink", "Reduce a failing run to a minimal scenario that still fails");
  cmd->add_option("file", a->file, "scenario file")->required();
  add_number(cmd, "--seed", a->seed, "the failing seed", 0, UINT64_MAX)->required();
  cmd->add_option("-o,--out", a->out, "where to write the minimal scenario (default: NAME-seedN-min.json)");
  cmd->add_option("--invariant", a->invariant, "the invariant that must keep failing (default: the first violated)");
  cmd->add_option("--set", a->sets, "override a scenario key (repeatable)");
  cmd->footer(
      "Examples:\n"
      "  dsim shrink scenarios/teaching/byzantine-pingmesh.json --seed 1 -o /tmp/min.json && dsim run /tmp/min.json\n"
      "Exit code: 0 written, 2 bad input (including: the run does not fail).");
  return [a]() -> int {
    std::vector<std::string> sets = a->sets;
    sets.push_back("seed=" + std::to_string(a->seed));
    const sim::Scenario original = load(a->file, sets);
    const std::string out = a->out.empty() ? default_output_name(original.name, a->seed) : a->out;
    OutputPlan files;
    files.input("the scenario file", a->file);
    files.output(a->out.empty() ? "the default output" : "-o", out);
    files.check();
    RunRequest req;
    req.scenario = &original;
    req.emit_schedule = true;
    const RunOutcome first = execute(req);
    std::string target = a->invariant;
    for (const auto& r : first.invariants)
      if (r.violation && target.empty()) target = r.name;
    if (target.empty()) throw sim::InputError(a->file + " seed " + std::to_string(a->seed) + ": no invariant is violated; nothing to shrink");
    Shrinker shrinker(target);
    nlohmann::json current = first.schedule;
    if (!shrinker.fails(current))
      throw sim::InputError(a->file + ": " + target + " is not violated with seed " + std::to_string(a->seed));
    const size_t faults_before = current.at("faults").size();
    const std::string duration_before = current.at("duration").get<std::string>();
    const uint32_t nodes_before = current.at("nodes").get<uint32_t>();
    const uint32_t clients_before = current.at("workload").value("clients", 0u);

    current = shrinker.ddmin(current);
    // Cut the run to just past the violation (the prefix of a deterministic run is unchanged).
    shrinker.fails(current);
    const int64_t cut_ms = shrinker.last_violation().ns() / 1'000'000 + 1;
    nlohmann::json shorter = current;
    shorter["duration"] = std::to_string(cut_ms) + "ms";
    shorter.erase("until");  // the violation came before any "until", so the new end is earlier still
    if (cut_ms * 1'000'000 < sim::parse_duration(current.at("duration").get<std::string>(), nullptr)->ns() && shrinker.fails(shorter))
      current = shorter;
    // Fewer nodes, then fewer clients, while it still fails.
    const uint32_t min_nodes = original.protocol->min_nodes;
    for (uint32_t n = current.at("nodes").get<uint32_t>(); n > min_nodes; --n) {
      nlohmann::json c = Shrinker::without_node(current, n);
      if (!shrinker.fails(c)) break;
      current = c;
    }
    for (uint32_t c = current.at("workload").value("clients", 0u); c > 1; --c) {
      nlohmann::json candidate = current;
      candidate["workload"]["clients"] = c - 1;
      if (!shrinker.fails(candidate)) break;
      current = candidate;
    }
    if (current.at("nodes").get<uint32_t>() != nodes_before) current = shrinker.ddmin(current);
    current["description"] = "Shrunk by dsim shrink from " + a->file + " seed " + std::to_string(a->seed) + ": still violates " +
                             target + ". " + current.value("description", "");
    current["name"] = current.value("name", "scenario") + "-min";
    write_file_atomically(out, current.dump(2) + "\n");
    std::printf("shrunk %s seed %llu, still violating %s (%zu runs):\n", a->file.c_str(),
                static_cast<unsigned long long>(a->seed), target.c_str(), shrinker.runs());
    std::printf("  faults    %zu -> %zu\n", faults_before, current.at("faults").size());
    std::printf("  duration  %s -> %s\n", duration_before.c_str(), current.at("duration").get<std::string>().c_str());
    std::printf("  nodes     %u -> %u\n", nodes_before, current.at("nodes").get<uint32_t>());
    std::printf("  clients   %u -> %u\n", clients_before, current.at("workload").value("clients", 0u));
    std::printf("wrote %s; run it with: tools/dsim run %s\n", out.c_str(), shell_quote(out).c_str());
    return 0;
  };
}

}  // namespace dsim::cli

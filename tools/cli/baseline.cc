#include "tools/cli/baseline.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "sim/jsonl.h"
#include "tools/cli/format.h"

namespace dsim::cli {
namespace {

constexpr size_t kListed = 20;  // seeds listed per kind of change; the rest are counted

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// "3, 5, 8 and 12 more"
std::string seed_list(const std::vector<uint64_t>& seeds) {
  std::string out;
  for (size_t i = 0; i < seeds.size() && i < kListed; ++i) out += (i ? ", " : "") + std::to_string(seeds[i]);
  if (seeds.size() > kListed) out += " and " + with_commas(seeds.size() - kListed) + " more";
  return out;
}

std::vector<SeedResult> seed_results(const nlohmann::json& list) {
  if (!list.is_array()) throw sim::InputError("\"results\" must be a list");
  std::vector<SeedResult> out;
  for (const auto& j : list) out.push_back(SeedResult::from_json(j));
  return out;
}

CaseRecord case_record(const nlohmann::json& j) {
  CaseRecord c;
  c.file = j.at("file").get<std::string>();
  c.name = j.at("name").get<std::string>();
  c.passed = j.at("passed").get<bool>();
  c.failure = j.at("failure").get<std::string>();
  c.results = seed_results(j.at("results"));
  return c;
}

nlohmann::json case_json(const CaseRecord& c) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : c.results) results.push_back(r.to_json());
  return {{"file", c.file}, {"name", c.name}, {"passed", c.passed}, {"failure", c.failure}, {"results", results}};
}

}  // namespace

ResultsFile read_results_file(const std::string& path) {
  ResultsFile f;
  f.path = path;
  std::ifstream in(path);
  if (!in) throw sim::InputError(path + ": cannot read results file");
  std::string line;
  size_t n = 0;
  for (;;) {
    try {
      if (!sim::read_line(in, line)) break;
    } catch (const sim::InputError& e) {
      throw sim::InputError(path + ":" + std::to_string(n + 1) + ": " + e.what());
    }
    ++n;
    try {
      const nlohmann::json j = sim::parse_json_line(line);
      if (n == 1) {
        if (j.is_object() && j.contains("dsim_sweep")) {
          f.scenario = j.at("file").get<std::string>();
          f.sets = j.at("sets").get<std::vector<std::string>>();
          if (j.contains("seeds")) {
            SweepPlan plan;
            plan.seeds = j.at("seeds").get<std::string>();
            const auto shard = j.at("shard").get<std::vector<uint32_t>>();
            if (shard.size() != 2 || shard[0] < 1 || shard[0] > shard[1])
              throw sim::InputError(path + ":1: \"shard\" must be [k, n] with 1 <= k <= n");
            plan.shard = shard[0];
            plan.shards = shard[1];
            if (!j.at("planned").is_number_unsigned()) throw sim::InputError(path + ":1: \"planned\" must be a non-negative integer");
            plan.planned = j.at("planned").get<uint64_t>();
            f.plan = plan;
          }
        } else if (j.is_object() && j.contains("dsim_test")) {
          f.test = true;
          f.scenario = j.at("dir").get<std::string>();
        } else {
          throw sim::InputError(path + ":1: not a dsim results file (dsim sweep --out or dsim test --out)");
        }
      } else if (f.test) {
        f.cases.push_back(case_record(j));
      } else {
        f.results.push_back(SeedResult::from_json(j));
      }
    } catch (const nlohmann::json::exception&) {
      throw sim::InputError(path + ":" + std::to_string(n) + ": garbled result line");
    } catch (const sim::InputError& e) {
      if (std::string_view(e.what()).rfind(path, 0) == 0) throw;
      throw sim::InputError(path + ":" + std::to_string(n) + ": garbled result line: " + e.what());
    }
  }
  if (n == 0) throw sim::InputError(path + ": empty, not a dsim results file");
  return f;
}

std::string sweep_results_text(const std::string& file, const std::vector<std::string>& sets, const SweepPlan* plan,
                               const std::vector<SeedResult>& results) {
  nlohmann::json header{{"dsim_sweep", 1}, {"file", file}, {"sets", sets}};
  if (plan) {
    header["seeds"] = plan->seeds;
    header["shard"] = {plan->shard, plan->shards};
    header["planned"] = plan->planned;
  }
  std::string text = header.dump() + "\n";
  for (const auto& r : results) text += r.to_json().dump() + "\n";
  return text;
}

std::string test_results_text(const std::string& dir, const std::vector<CaseRecord>& cases) {
  std::string text = nlohmann::json{{"dsim_test", 1}, {"dir", dir}}.dump() + "\n";
  for (const auto& c : cases) text += case_json(c).dump() + "\n";
  return text;
}

size_t print_sweep_comparison(const ResultsFile& baseline, const std::string& file, const std::vector<std::string>& sets,
                              const std::vector<SeedResult>& now) {
  std::map<uint64_t, const SeedResult*> before;
  for (const auto& r : baseline.results) before[r.seed] = &r;
  std::vector<const SeedResult*> newly;
  std::vector<std::vector<std::string>> newly_what;  // the invariants each newly violates
  std::vector<std::pair<uint64_t, std::string>> fixed;
  std::vector<uint64_t> digest_only, missing;
  size_t same = 0, both = 0;
  std::set<uint64_t> seen;
  for (const auto& r : now) {
    seen.insert(r.seed);
    const auto it = before.find(r.seed);
    if (it == before.end()) {
      missing.push_back(r.seed);
      continue;
    }
    ++both;
    const SeedResult& b = *it->second;
    std::vector<std::string> added;
    for (const auto& v : r.violated)
      if (std::find(b.violated.begin(), b.violated.end(), v) == b.violated.end()) added.push_back(v);
    if (!r.as_expected && (b.as_expected || !added.empty() || (r.expected_missing && !b.expected_missing))) {
      newly.push_back(&r);
      newly_what.push_back(added);
    } else if (r.as_expected && !b.as_expected) {
      fixed.emplace_back(r.seed, b.violated.empty() ? std::string("the expected violation was missing") : join(b.violated));
    } else if (r.digest != b.digest) {
      digest_only.push_back(r.seed);
    } else {
      ++same;
    }
  }
  size_t only_before = 0;
  for (const auto& [seed, r] : before) only_before += seen.contains(seed) ? 0 : 1;

  std::printf("\ncompared with the baseline %s (%s seeds in both):\n", baseline.path.c_str(), with_commas(both).c_str());
  if (baseline.scenario != file || baseline.sets != sets)
    std::printf("  note: the baseline swept %s%s%s; this sweep is of %s%s%s\n", baseline.scenario.c_str(),
                baseline.sets.empty() ? "" : " --set ", join(baseline.sets, " --set ").c_str(), file.c_str(),
                sets.empty() ? "" : " --set ", join(sets, " --set ").c_str());
  std::printf("  newly failing: %s\n", with_commas(newly.size()).c_str());
  for (size_t i = 0; i < newly.size() && i < kListed; ++i) {
    const SeedResult& r = *newly[i];
    const std::string what = r.violated.empty() ? "expected violation missing"
                                                : (newly_what[i].empty() ? join(r.violated) : join(newly_what[i]));
    std::printf("    seed %llu: %s%s%s\n      %s\n", static_cast<unsigned long long>(r.seed), what.c_str(),
                r.first_what.empty() ? "" : ": ", r.first_what.substr(0, 100).c_str(),
                reproduce_command(file, r.seed, sets).c_str());
  }
  if (newly.size() > kListed) std::printf("    and %s more\n", with_commas(newly.size() - kListed).c_str());
  std::printf("  fixed: %s\n", with_commas(fixed.size()).c_str());
  for (size_t i = 0; i < fixed.size() && i < kListed; ++i)
    std::printf("    seed %llu (before: %s)\n", static_cast<unsigned long long>(fixed[i].first), fixed[i].second.c_str());
  if (fixed.size() > kListed) std::printf("    and %s more\n", with_commas(fixed.size() - kListed).c_str());
  std::printf("  outcome the same, digest changed: %s%s%s\n", with_commas(digest_only.size()).c_str(),
              digest_only.empty() ? "" : ": seeds ", seed_list(digest_only).c_str());
  std::printf("  unchanged (same digest): %s\n", with_commas(same).c_str());
  if (!missing.empty()) std::printf("  not in the baseline: %s (seeds %s)\n", with_commas(missing.size()).c_str(), seed_list(missing).c_str());
  if (only_before) std::printf("  in the baseline only: %s seeds\n", with_commas(only_before).c_str());
  return newly.size();
}

size_t print_test_comparison(const ResultsFile& baseline, const std::string& dir, const std::vector<CaseRecord>& now) {
  std::map<std::string, const CaseRecord*> before;
  for (const auto& c : baseline.cases) before[c.file] = &c;
  std::vector<const CaseRecord*> newly, fixed, missing;
  std::vector<std::pair<std::string, size_t>> changed;  // file, seeds whose digest changed
  std::set<std::string> seen;
  for (const auto& c : now) {
    seen.insert(c.file);
    const auto it = before.find(c.file);
    if (it == before.end()) {
      missing.push_back(&c);
      continue;
    }
    const CaseRecord& b = *it->second;
    if (!c.passed && b.passed) newly.push_back(&c);
    else if (c.passed && !b.passed) fixed.push_back(&c);
    std::map<uint64_t, const std::string*> digests;
    for (const auto& r : b.results) digests[r.seed] = &r.digest;
    size_t n = 0;
    for (const auto& r : c.results)
      if (const auto d = digests.find(r.seed); d != digests.end() && *d->second != r.digest) ++n;
    if (n) changed.emplace_back(c.file, n);
  }
  size_t only_before = 0;
  for (const auto& [file, c] : before) only_before += seen.contains(file) ? 0 : 1;
  std::printf("\ncompared with the baseline %s:\n", baseline.path.c_str());
  if (baseline.scenario != dir) std::printf("  note: the baseline tested %s; this run tests %s\n", baseline.scenario.c_str(), dir.c_str());
  std::printf("  newly failing: %zu\n", newly.size());
  for (const auto* c : newly) std::printf("    %s\n      %s\n", c->file.c_str(), c->failure.c_str());
  std::printf("  fixed: %zu\n", fixed.size());
  for (const auto* c : fixed) std::printf("    %s\n", c->file.c_str());
  std::printf("  digests changed: %zu scenarios\n", changed.size());
  for (const auto& [file, n] : changed) std::printf("    %s: %zu seeds\n", file.c_str(), n);
  if (!missing.empty()) {
    std::printf("  not in the baseline: %zu scenarios\n", missing.size());
    for (const auto* c : missing) std::printf("    %s\n", c->file.c_str());
  }
  if (only_before) std::printf("  in the baseline only: %zu scenarios\n", only_before);
  return newly.size();
}

}  // namespace dsim::cli

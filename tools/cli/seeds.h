// Running one scenario over many seeds on threads: the engine of `dsim sweep` and `dsim test`.
//
// Each simulation is single-threaded and self-contained; a worker thread takes the next seed
// from a shared counter, so which thread runs which seed varies, but every seed's result is a
// function of (scenario, seed) alone: the results do not depend on the number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/json_source.h"
#include "sim/scenario.h"

namespace dsim::cli {

struct SeedResult {
  uint64_t seed = 0;
  bool as_expected = true;
  std::vector<std::string> violated;  // invariants violated, in scenario order
  std::string first_what;             // the first violation's description
  int64_t first_time_ns = 0;
  bool expected_missing = false;      // an expected violation did not happen
  std::string digest;
  uint64_t events = 0;
  nlohmann::json swarm;  // what a swarm seed drew (faults/swarm.h), null otherwise
  nlohmann::json to_json() const;
  static SeedResult from_json(const nlohmann::json& j);
};

struct SeedRange {
  uint64_t first = 1, last = 1;  // inclusive
  uint32_t shard = 1, shards = 1;  // run only seeds whose index % shards == shard - 1
  std::vector<uint64_t> seeds() const;
};
// Parses "A:B" (inclusive) or "N" (just N). Throws InputError.
SeedRange parse_seed_range(const std::string& text);
// Parses "k/n" (1-based: --shard, GNU parallel's {#}) into the range. Throws InputError.
void parse_shard(const std::string& text, SeedRange& range);
// Parses "i/n" (0-based: --shard-index, a Kubernetes JOB_COMPLETION_INDEX or a Slurm array
// index from 0) into the same 1-based range fields. Throws InputError.
void parse_shard_index(const std::string& text, SeedRange& range);

struct SweepOptions {
  unsigned threads = 1;
  bool stop_on_first = false;
  // Polled before each new seed: true stops starting seeds (those running finish).
  std::function<bool()> should_stop;
  // Called from the coordinating thread about every 200ms and once at the end.
  std::function<void(size_t done, size_t failures, size_t total, double seconds)> progress;
};

// Runs the scenario document (with overrides) for every seed. Results come back in seed
// order. With stop_on_first, seeds after the first unexpected result may be missing.
std::vector<SeedResult> run_seeds(const sim::JsonDocument& doc, const std::vector<std::string>& sets,
                                  const std::vector<uint64_t>& seeds, const SweepOptions& options);

}  // namespace dsim::cli

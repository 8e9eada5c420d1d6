#include "tools/cli/seeds.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <thread>

#include "faults/swarm.h"
#include "sim/printable.h"
#include "tools/cli/args.h"
#include "tools/cli/runner.h"

namespace dsim::cli {

nlohmann::json SeedResult::to_json() const {
  nlohmann::json j{{"seed", seed},       {"ok", as_expected},    {"violated", violated},     {"what", first_what},
                   {"t", first_time_ns}, {"expected_missing", expected_missing}, {"digest", digest}, {"events", events}};
  if (!swarm.is_null()) j["swarm"] = swarm;
  return j;
}

SeedResult SeedResult::from_json(const nlohmann::json& j) {
  // Exact integers only: get<uint64_t>() would quietly convert 1.5 or wrap -1.
  for (const char* key : {"seed", "events"})
    if (!j.at(key).is_number_unsigned()) throw sim::InputError(std::string("\"") + key + "\" must be a non-negative integer");
  if (!j.at("t").is_number_integer()) throw sim::InputError("\"t\" must be an integer");
  SeedResult r;
  r.seed = j.at("seed").get<uint64_t>();
  r.as_expected = j.at("ok").get<bool>();
  r.violated = j.at("violated").get<std::vector<std::string>>();
  r.first_what = j.at("what").get<std::string>();
  r.first_time_ns = j.at("t").get<int64_t>();
  r.expected_missing = j.at("expected_missing").get<bool>();
  r.digest = j.at("digest").get<std::string>();
  r.events = j.at("events").get<uint64_t>();
  if (j.contains("swarm")) {
    if (!j.at("swarm").is_object()) throw sim::InputError("\"swarm\" must be an object");
    r.swarm = j.at("swarm");
  }
  return r;
}

std::vector<uint64_t> SeedRange::seeds() const {
  std::vector<uint64_t> out;
  for (uint64_t s = first, i = 0; s <= last; ++s, ++i) {
    if (i % shards == shard - 1) out.push_back(s);
    if (s == UINT64_MAX) break;
  }
  return out;
}

namespace {
// The strict rules of parse_number, with the whole flag's usage as the message.
uint64_t parse_u64(std::string_view s, const std::string& what) {
  try {
    return parse_number(s, "", 0, UINT64_MAX);
  } catch (const sim::InputError& e) {
    throw sim::InputError(what + " (" + std::string(e.what()).substr(1) + ")");
  }
}
}  // namespace

SeedRange parse_seed_range(const std::string& text) {
  const std::string what = "--seeds " + sim::printable(text, 40) + ": expected A:B (an inclusive range, e.g. 1:1000) or a single seed";
  SeedRange r;
  const size_t colon = text.find(':');
  if (colon == std::string::npos) {
    r.first = r.last = parse_u64(text, what);
  } else {
    r.first = parse_u64(std::string_view(text).substr(0, colon), what);
    r.last = parse_u64(std::string_view(text).substr(colon + 1), what);
  }
  if (r.last < r.first) throw sim::InputError("--seeds " + sim::printable(text, 40) + ": the range is empty (B < A)");
  if (r.last - r.first >= 100'000'000) throw sim::InputError("--seeds " + sim::printable(text, 40) + ": more than 100 million seeds");
  return r;
}

void parse_shard(const std::string& text, SeedRange& range) {
  const std::string what = "--shard " + sim::printable(text, 40) + ": expected k/n with 1 <= k <= n (e.g. 2/8)";
  const size_t slash = text.find('/');
  if (slash == std::string::npos) throw sim::InputError(what);
  const uint64_t k = parse_u64(std::string_view(text).substr(0, slash), what);
  const uint64_t n = parse_u64(std::string_view(text).substr(slash + 1), what);
  if (k < 1 || n < 1 || k > n || n > 1'000'000) throw sim::InputError(what);
  range.shard = static_cast<uint32_t>(k);
  range.shards = static_cast<uint32_t>(n);
}

void parse_shard_index(const std::string& text, SeedRange& range) {
  const std::string what = "--shard-index " + sim::printable(text, 40) +
                           ": expected i/n with 0 <= i < n (a 0-based index such as $JOB_COMPLETION_INDEX, e.g. 0/8)";
  const size_t slash = text.find('/');
  if (slash == std::string::npos) throw sim::InputError(what);
  const uint64_t i = parse_u64(std::string_view(text).substr(0, slash), what);
  const uint64_t n = parse_u64(std::string_view(text).substr(slash + 1), what);
  if (n < 1 || i >= n || n > 1'000'000) throw sim::InputError(what);
  range.shard = static_cast<uint32_t>(i + 1);
  range.shards = static_cast<uint32_t>(n);
}

std::vector<SeedResult> run_seeds(const sim::JsonDocument& doc, const std::vector<std::string>& sets,
                                  const std::vector<uint64_t>& seeds, const SweepOptions& options) {
  // Validate once up front so bad input fails before any thread starts.
  load_document(doc, sets);
  std::vector<SeedResult> results(seeds.size());
  std::vector<char> done_flags(seeds.size(), 0);
  std::atomic<size_t> next{0}, done{0}, failures{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::string error;

  std::atomic<unsigned> running{0};
  auto worker = [&] {
    struct Exit {
      std::atomic<unsigned>& r;
      ~Exit() { r.fetch_sub(1); }
    } exit{running};
    for (;;) {
      if (stop.load() || (options.should_stop && options.should_stop())) return;
      const size_t i = next.fetch_add(1);
      if (i >= seeds.size()) return;
      std::vector<std::string> with_seed = sets;
      with_seed.push_back("seed=" + std::to_string(seeds[i]));
      try {
        const sim::Scenario s = load_document(doc, with_seed);
        RunRequest req;
        req.scenario = &s;
        const RunOutcome out = execute(req);
        SeedResult r;
        r.seed = seeds[i];
        r.as_expected = out.as_expected(s.expect);
        for (const auto& inv : out.invariants)
          if (inv.violation) {
            if (r.violated.empty()) {
              r.first_what = inv.violation->what;
              r.first_time_ns = inv.violation->time.ns();
            }
            r.violated.push_back(inv.name);
          }
        r.expected_missing = s.expect.expects_violation() &&
                             std::find(r.violated.begin(), r.violated.end(), s.expect.violation) == r.violated.end();
        r.digest = out.digest;
        r.events = out.stats.events;
        if (const nlohmann::json* drawn = faults::swarm_drawn(s)) r.swarm = *drawn;
        results[i] = std::move(r);
        done_flags[i] = 1;
        if (!results[i].as_expected) {
          failures.fetch_add(1);
          if (options.stop_on_first) stop.store(true);
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error.empty()) error = e.what();
        stop.store(true);
      }
      done.fetch_add(1);
    }
  };

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  const unsigned n = std::max(1u, options.threads);
  running.store(n);
  for (unsigned t = 0; t < n; ++t) threads.emplace_back(worker);
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (options.progress && running.load() > 0) options.progress(done.load(), failures.load(), seeds.size(), elapsed());
  }
  for (auto& t : threads) t.join();
  if (!error.empty()) throw sim::InputError(error);
  if (options.progress) options.progress(done.load(), failures.load(), seeds.size(), elapsed());
  std::vector<SeedResult> out;
  for (size_t i = 0; i < seeds.size(); ++i)
    if (done_flags[i]) out.push_back(std::move(results[i]));
  return out;
}

}  // namespace dsim::cli

// check_linearizable: split by key, search each key (search.h), assemble the verdict and the
// counterexample. Partitions are visited in key order, so results are deterministic.
#include "sim/check/linearizability.h"

#include <map>
#include <memory>
#include <new>

namespace dsim::check {

std::string to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::linearizable: return "linearizable";
    case Verdict::not_linearizable: return "not-linearizable";
    case Verdict::unknown: return "unknown";
  }
  return "?";
}

namespace {

constexpr size_t kPrefixTail = 8;  // operations of the linearized prefix shown

json op_json(const Operation& op) {
  json j = {{"process", op.process}, {"f", op.f},      {"input", op.input},
            {"output", op.output},   {"call", op.call}, {"status", to_string(op.status)}};
  if (!op.key.empty()) j["key"] = op.key;
  j["return"] = op.ret == kInfinity ? json() : json(op.ret);
  if (op.line) j["line"] = op.line;
  return j;
}

Counterexample make_counterexample(const std::string& key,
                                   const std::vector<const Operation*>& ops,
                                   const SearchOutcome& found) {
  Counterexample c;
  c.partition = key;
  c.partition_ops = ops.size();
  c.prefix_length = found.longest.size();
  const size_t from = found.longest.size() > kPrefixTail ? found.longest.size() - kPrefixTail : 0;
  for (size_t i = from; i < found.longest.size(); ++i) c.prefix_tail.push_back(*ops[found.longest[i]]);
  c.prefix_lines.reserve(found.longest.size());
  for (uint32_t i : found.longest) c.prefix_lines.push_back(ops[i]->line);
  c.state = found.stuck_state;
  c.blocked = *ops[found.blocked];
  for (uint32_t i : found.pending) c.concurrent.push_back(*ops[i]);
  c.concurrent_legal = found.pending_legal;
  return c;
}

}  // namespace

std::string Counterexample::to_text(const std::function<std::string(const Operation&)>& show_op) const {
  const auto to_string = [&](const Operation& op) { return show_op ? show_op(op) : check::to_string(op); };
  std::string s = "key " + json(partition).dump() + " (" + std::to_string(partition_ops) +
                  " ops) is not linearizable.\n";
  s += "  longest linearizable prefix: " + std::to_string(prefix_length) + " ops";
  if (prefix_length > prefix_tail.size()) s += ", the last " + std::to_string(prefix_tail.size());
  s += prefix_tail.empty() ? "\n" : ":\n";
  for (const Operation& op : prefix_tail) s += "    " + to_string(op) + "\n";
  s += "  then the state is " + state + ", and this op returns before it can take effect:\n";
  s += "    " + to_string(blocked) + "\n";
  s += "  none of the ops concurrent with it can go next:\n";
  for (size_t i = 0; i < concurrent.size(); ++i) {
    s += "    " + to_string(concurrent[i]) +
         (concurrent_legal[i] ? "   (legal here, but every continuation fails)\n"
                              : "   (illegal in state " + state + ")\n");
  }
  return s;
}

json Counterexample::to_json() const {
  json j = {{"partition", partition},         {"partition_ops", partition_ops},
            {"prefix_length", prefix_length}, {"prefix_tail", json::array()},
            {"state", state},                 {"blocked", op_json(blocked)},
            {"concurrent", json::array()}};
  for (const Operation& op : prefix_tail) j["prefix_tail"].push_back(op_json(op));
  for (size_t i = 0; i < concurrent.size(); ++i) {
    json o = op_json(concurrent[i]);
    o["legal_in_state"] = static_cast<bool>(concurrent_legal[i]);
    j["concurrent"].push_back(std::move(o));
  }
  return j;
}

std::string CheckResult::to_text() const {
  std::string s = to_string(verdict) + ": " + std::to_string(operations) + " ops, " +
                  std::to_string(partitions) + " keys, " + std::to_string(steps) + " search steps\n";
  if (counterexample) s += counterexample->to_text();
  if (!unknown_partitions.empty()) {
    s += "  gave up (" + unknown_reason + ") on " + std::to_string(unknown_partitions.size()) +
         " key(s), first " + json(unknown_partitions.front()).dump() + "\n";
  }
  return s;
}

json CheckResult::to_json() const {
  json j = {{"verdict", to_string(verdict)}, {"operations", operations},
            {"partitions", partitions},      {"steps", steps},
            {"cache_entries", cache_entries}, {"peak_search_bytes", peak_search_bytes}};
  if (counterexample) j["counterexample"] = counterexample->to_json();
  if (!violating_partitions.empty()) j["violating_partitions"] = violating_partitions;
  if (!unknown_partitions.empty()) {
    j["unknown_partitions"] = unknown_partitions;
    j["unknown_reason"] = unknown_reason;
  }
  return j;
}

namespace {

// Records that a partition's search ended without a verdict.
void give_up(CheckResult& result, const std::string& key, const std::string& reason, Exhausted what) {
  result.unknown_partitions.push_back(key);
  if (result.unknown_reason.find(reason) == std::string::npos)
    result.unknown_reason += (result.unknown_reason.empty() ? "" : "; ") + reason;
  result.out_of_time |= what == Exhausted::time;
  result.out_of_memory |= what == Exhausted::memory;
}

}  // namespace

CheckResult check_linearizable(const History& history, const Model& model,
                               const CheckOptions& options) {
  // steady_clock: allowed here ONLY because this checker runs outside simulations.
  MemoryBudget memory(options.max_memory_bytes);  // outlives every search below
  SearchLimits limits;
  limits.deadline = std::chrono::steady_clock::now() + options.budget;  // lint: allow (runs outside simulations)
  limits.memory = &memory;

  std::map<std::string, std::vector<const Operation*>> partitions;
  for (const Operation& op : history.ops) partitions[model.partition(op)].push_back(&op);

  CheckResult result;
  result.operations = history.size();
  result.partitions = partitions.size();

  // Interleave the keys: every unfinished key gets a quantum of search steps per round, and
  // the quantum doubles each round. A key refuted in a few steps is then found quickly even
  // when another key needs millions (the total work is at most about twice the sequential
  // work). Step counts, not time, decide the order, so the result is deterministic.
  struct Running {
    const std::string* key;
    const std::vector<const Operation*>* ops;
    std::unique_ptr<PartitionSearch> search;
  };
  std::vector<Running> running;
  running.reserve(partitions.size());
  for (const auto& [key, ops] : partitions) running.push_back({&key, &ops, nullptr});
  bool stop = false;
  for (uint64_t quantum = 4096; !running.empty() && !stop; quantum *= 2) {
    std::vector<Running> unfinished;
    for (Running& r : running) {
      if (stop) break;
      try {
        if (!r.search) r.search = model.start_partition(*r.ops, limits);
        if (!r.search->run(quantum)) {
          unfinished.push_back(std::move(r));
          continue;
        }
      } catch (const std::bad_alloc&) {
        // The allocator refused before the budget did (a ulimit, a busy machine): this
        // partition is unknown; dropping its search gives the memory back to the others.
        if (r.search) result.steps += r.search->outcome().steps;
        r.search.reset();
        give_up(result, *r.key, "out of memory (an allocation failed)", Exhausted::memory);
        continue;
      }
      const SearchOutcome& found = r.search->outcome();
      result.steps += found.steps;
      result.cache_entries += found.cache_entries;
      if (found.verdict == Verdict::unknown) {
        give_up(result, *r.key, found.unknown_reason, found.exhausted);
      } else if (found.verdict == Verdict::not_linearizable) {
        result.violating_partitions.push_back(*r.key);
        if (!result.counterexample) result.counterexample = make_counterexample(*r.key, *r.ops, found);
        stop = !options.check_all_partitions;
      }
      r.search.reset();  // a finished search gives its memory back at once
    }
    if (stop) {
      for (Running& r : unfinished) result.steps += r.search->outcome().steps;
      break;
    }
    running = std::move(unfinished);
  }
  result.peak_search_bytes = memory.peak();
  if (result.counterexample) result.verdict = Verdict::not_linearizable;
  else if (!result.unknown_partitions.empty()) result.verdict = Verdict::unknown;
  else result.verdict = Verdict::linearizable;
  return result;
}

}  // namespace dsim::check

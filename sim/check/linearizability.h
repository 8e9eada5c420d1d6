// Linearizability checking of a client history against a Model (Herlihy & Wing 1990):
// is there a total order of the operations, consistent with real time (an operation that
// returned before another was invoked comes first), that the model's sequential
// specification accepts? The history is split by key (P-compositionality) and each key is
// searched alone by the Wing & Gong / Lowe algorithm with memoisation (see search.h), as in
// Porcupine.
// Guarantees: `linearizable` comes with a witness found, `not_linearizable` with an
// exhausted search and a counterexample; an exhausted time or memory budget (or the
// allocator refusing: std::bad_alloc) gives `unknown`, never a guess. Safe to call from
// several threads at once (no shared mutable state).
// Not here: parsing (history.h), the models themselves (models.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/history.h"
#include "sim/check/model.h"
#include "sim/check/verdict.h"

namespace dsim::check {

struct CheckOptions {
  // Wall-time budget for the whole check (all partitions together).
  std::chrono::milliseconds budget{10'000};
  // Memory budget for the whole check: what the searches grow (memos of visited
  // configurations, model states on the undo stacks), all partitions together.
  size_t max_memory_bytes = size_t{2} << 30;
  // Keep checking the other keys after a violation (to count them); default stops at the
  // first violating key in key order.
  bool check_all_partitions = false;
};

// Why a partition cannot be linearized, in the smallest window the search can name: the
// longest prefix it could linearize, the state after that prefix, the first operation that
// returned before it could be placed after that prefix, and the operations concurrent with
// it at that point (invoked, not yet linearized), each marked with whether the model would
// even accept it in that state.
struct Counterexample {
  std::string partition;                // the key ("" for single-object histories)
  size_t partition_ops = 0;             // operations in that partition
  size_t prefix_length = 0;             // length of the longest linearizable prefix found
  std::vector<Operation> prefix_tail;   // its last few operations, in linearization order
  std::vector<int64_t> prefix_lines;    // `line` of every operation of the prefix, in that order
  std::string state;                    // model state after the prefix
  Operation blocked;                    // must take effect before its return, cannot
  std::vector<Operation> concurrent;    // the candidates at that point (includes `blocked`)
  std::vector<bool> concurrent_legal;   // model accepts concurrent[i] in `state`

  // A few readable lines; `show` formats each operation (default: to_string(op)), e.g. with
  // the client's name, times in ms and the server that answered (ClientHistory::describe).
  std::string to_text(const std::function<std::string(const Operation&)>& show = {}) const;
  json to_json() const;
};

struct CheckResult {
  Verdict verdict = Verdict::unknown;
  std::optional<Counterexample> counterexample;  // set iff verdict == not_linearizable
  std::vector<std::string> unknown_partitions;   // keys whose search ran out of budget
  std::string unknown_reason;                    // each distinct reason, "; " between
  bool out_of_time = false;                      // a search ran out of the time budget
  bool out_of_memory = false;                    // ... of the memory budget, or of memory
  std::vector<std::string> violating_partitions; // keys found not linearizable
  size_t operations = 0;   // in the history
  size_t partitions = 0;   // keys
  uint64_t steps = 0;      // search steps over all partitions checked
  uint64_t cache_entries = 0;
  size_t peak_search_bytes = 0;  // the most search memory held at once (under the budget)

  std::string to_text() const;
  json to_json() const;
};

// Throws ModelError when the model cannot read an operation (unknown function, bad input).
CheckResult check_linearizable(const History& history, const Model& model,
                               const CheckOptions& options = {});

}  // namespace dsim::check

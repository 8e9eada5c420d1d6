// The linearizability search for ONE partition (one key / one object): the Wing & Gong
// depth-first search with Lowe's memoisation, in the shape Porcupine uses. A template over
// the model so states are plain values (no virtual call, no allocation for small states).
// Guarantees: `linearizable` only if a witness order was found; `not_linearizable` only if
// the search space was exhausted; `unknown` when the deadline or the memory budget was hit.
// Memory: the memo and the states on the undo stack reserve their bytes from a MemoryBudget
// BEFORE they grow, so what the searches of one check grow stays under the budget (up to
// allocator overhead); the per-operation tables, proportional to the history, are not
// counted.
// Not here: splitting a history into partitions, parsing, printing (linearizability.h).
//
// The algorithm (Wing & Gong 1993, "Testing and verifying concurrent objects"; Lowe 2017,
// "Testing for linearizability", §3-4; Porcupine's checkSingle):
//   Put every operation's call and return in one list sorted by time. Walk the list from
//   the front. At a call: if the model accepts the operation in the current state, and the
//   pair (set of operations linearized so far, resulting state) has not been seen before
//   ("we cache configurations ... if we reach a configuration that has been seen before
//   we can backtrack", Lowe §4), linearize it: push (entry, old state) on the undo stack,
//   unlink its call and return from the list, restart from the front. Otherwise try the next
//   entry. At a return: that operation had to take effect before now and did not, so undo
//   the most recent linearization and try the entry after it. The history is linearizable
//   when the list is empty; not linearizable when a return is reached with an empty stack.
// Indeterminate operations return at +infinity: they may be linearized at any point after
// their call; "never took effect" is the same as "took effect at the very end", which every
// model must accept (Model::step must allow an unknown-output operation in every state).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/memory_budget.h"
#include "sim/check/verdict.h"

namespace dsim::check {

// steady_clock is allowed here ONLY because this checker runs outside simulations, on
// recorded histories: a time budget must be wall time. Nothing here feeds a trace.
using Deadline = std::chrono::steady_clock::time_point;  // lint: allow (runs outside simulations)

struct SearchLimits {
  Deadline deadline = Deadline::max();
  MemoryBudget* memory = nullptr;  // required; outlives the searches
};

// What a search gave up on, when its verdict is unknown.
enum class Exhausted : uint8_t { none, time, memory };

// One operation as the search sees it: times, and its prepared model input.
template <class Input>
struct SearchOp {
  int64_t call = 0;
  int64_t ret = 0;
  Input input;
};

struct SearchOutcome {
  Verdict verdict = Verdict::unknown;
  std::string unknown_reason;  // "time budget exhausted", "memory budget of 2 GiB exhausted"
  Exhausted exhausted = Exhausted::none;
  // For not_linearizable: the longest partial linearization reached (op indices in order),
  // the state after it, the op whose return was reached before it could be linearized, and
  // the operations still pending at that moment (called, not linearized), with whether the
  // model accepts each in the stuck state. (Porcupine keeps the same "longest" prefix.)
  std::vector<uint32_t> longest;
  std::string stuck_state;
  uint32_t blocked = 0;
  std::vector<uint32_t> pending;
  std::vector<bool> pending_legal;
  uint64_t steps = 0;
  uint64_t cache_entries = 0;
};

namespace search_detail {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The doubly linked list of call/return entries ("dancing links"): lift() unlinks an
// operation's call and return, unlift() puts them back in the reverse order.
struct EntryList {
  std::vector<uint32_t> next, prev, op, match;  // index 0 is the head sentinel
  std::vector<uint8_t> is_call;

  template <class Input>
  explicit EntryList(const std::vector<SearchOp<Input>>& ops);
  void lift(uint32_t call) {
    const uint32_t r = match[call];
    next[prev[call]] = next[call];
    prev[next[call]] = prev[call];
    next[prev[r]] = next[r];
    prev[next[r]] = prev[r];
  }
  void unlift(uint32_t call) {
    const uint32_t r = match[call];
    next[prev[r]] = r;
    prev[next[r]] = r;
    next[prev[call]] = call;
    prev[next[call]] = call;
  }
};

template <class Input>
EntryList::EntryList(const std::vector<SearchOp<Input>>& ops) {
  struct Raw { int64_t time; uint8_t kind; uint32_t op; };  // kind 0 = call, 1 = return
  std::vector<Raw> raw;
  raw.reserve(ops.size() * 2);
  for (uint32_t i = 0; i < ops.size(); ++i) {
    raw.push_back({ops[i].call, 0, i});
    raw.push_back({ops[i].ret, 1, i});
  }
  // Porcupine orders a call before a return at the same time: such operations overlap.
  std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.op < b.op;
  });
  const size_t n = raw.size() + 1;
  next.resize(n); prev.resize(n); op.resize(n); match.resize(n); is_call.resize(n);
  std::vector<uint32_t> call_entry(ops.size());
  for (uint32_t e = 1; e < n; ++e) {
    const Raw& r = raw[e - 1];
    op[e] = r.op;
    is_call[e] = r.kind == 0;
    if (r.kind == 0) call_entry[r.op] = e;
    else match[call_entry[r.op]] = e;
  }
  for (uint32_t e = 0; e < n; ++e) {
    next[e] = static_cast<uint32_t>((e + 1) % n);
    prev[e] = static_cast<uint32_t>((e + n - 1) % n);
  }
}

// The memo of configurations seen: (bitset of linearized ops, model state). Open addressing
// over entry indices; the bitsets live in one arena. The bitset's hash is Zobrist-style
// (XOR of one random word per linearized op), so it is updated in O(1) per step. Every byte
// it grows by is reserved from the budget first.
template <class State, class Hash>
class ConfigCache {
 public:
  enum class Insert { added, present, full };  // full: the memory budget cannot hold it

  ConfigCache(size_t words, MemoryBudget& budget) : words_(words), memory_(budget) {}

  Insert insert(const std::vector<uint64_t>& bits, uint64_t set_hash, const State& state) {
    const uint64_t h = splitmix64(set_hash ^ Hash{}(state));
    if ((states_.size() + 1) * 2 > slots_.size() && !grow()) return Insert::full;
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t s = slots_[i];
      if (s == 0) {
        if (!make_room(state)) return Insert::full;
        slots_[i] = static_cast<uint32_t>(states_.size() + 1);
        hashes_.push_back(h);
        arena_.insert(arena_.end(), bits.begin(), bits.end());
        states_.push_back(state);
        return Insert::added;
      }
      const size_t e = s - 1;
      if (hashes_[e] == h && std::equal(bits.begin(), bits.end(), arena_.begin() + e * words_) &&
          states_[e] == state)
        return Insert::present;
    }
  }
  size_t size() const { return states_.size(); }
  size_t bytes() const { return memory_.held(); }

 private:
  // Reserves one more entry: its hash, bitset, state and the state's own heap bytes.
  bool make_room(const State& state) {
    return reserve_more(hashes_, 1, memory_) && reserve_more(arena_, words_, memory_) &&
           reserve_more(states_, 1, memory_) && memory_.take(state_heap_bytes(state));
  }

  bool grow() {
    const size_t size = slots_.empty() ? 1024 : slots_.size() * 2;
    if (!memory_.take(size * sizeof(uint32_t))) return false;
    std::vector<uint32_t> bigger(size, 0);
    const size_t mask = bigger.size() - 1;
    for (uint32_t s : slots_) {
      if (s == 0) continue;
      size_t i = hashes_[s - 1] & mask;
      while (bigger[i] != 0) i = (i + 1) & mask;
      bigger[i] = s;
    }
    slots_.swap(bigger);
    memory_.give(bigger.capacity() * sizeof(uint32_t));  // the old table, freed on return
    return true;
  }

  size_t words_;
  MemoryAccount memory_;
  std::vector<uint32_t> slots_;
  std::vector<uint64_t> hashes_;
  std::vector<uint64_t> arena_;
  std::vector<State> states_;
};

}  // namespace search_detail

// A search that can be paused after a number of steps and resumed, so the caller can
// interleave partitions fairly: a short refutation of one key must not wait behind a long
// search of another (Porcupine gets the same effect by searching keys in parallel and
// stopping the rest at the first violation).
class PartitionSearch {
 public:
  virtual ~PartitionSearch() = default;
  // Runs up to `max_steps` more steps. Returns true when the search is finished (verdict
  // decided, or unknown because the deadline or memory cap was hit).
  virtual bool run(uint64_t max_steps) = 0;
  virtual const SearchOutcome& outcome() const = 0;
};

// The search over one partition. `M` provides State, init(), step(state, input, next);
// `M::StateHash` hashes a State; `Describe` prints a State. See model.h for the contract.
template <class M, class Describe>
class Searcher {
 public:
  using State = typename M::State;
  using Input = typename M::Input;

  Searcher(const M& model, std::vector<SearchOp<Input>> ops, const SearchLimits& limits,
           Describe describe)
      : model_(model), ops_(std::move(ops)), limits_(limits), describe_(std::move(describe)),
        list_(ops_), words_((ops_.size() + 63) / 64), linearized_(words_, 0),
        zobrist_(ops_.size()), cache_(words_, *limits.memory), stack_memory_(*limits.memory),
        state_(model.init()), next_state_(state_) {
    for (size_t i = 0; i < ops_.size(); ++i)
      zobrist_[i] = search_detail::splitmix64(i * 0x9e3779b97f4a7c15ULL + 1);
    stack_.reserve(ops_.size());
    entry_ = list_.next[0];
  }

  bool done() const { return done_; }
  const SearchOutcome& outcome() const { return out_; }
  SearchOutcome& outcome() { return out_; }

  bool run(uint64_t max_steps) {
    for (uint64_t budget = max_steps; !done_ && budget > 0; --budget) {
      if ((++out_.steps & 1023) == 0 && out_of_limits()) return finish(Verdict::unknown);
      if (list_.next[0] == 0) return finish(Verdict::linearizable);
      if (list_.is_call[entry_]) {
        if (!try_linearize()) return out_of_memory();
      } else if (!backtrack()) {
        return finish(Verdict::not_linearizable);
      }
    }
    return done_;
  }

 private:
  struct Undo {
    uint32_t entry;
    State state;
  };

  bool finish(Verdict v) {
    out_.verdict = v;
    out_.cache_entries = cache_.size();
    done_ = true;
    return true;
  }

  bool out_of_limits() {
    if (std::chrono::steady_clock::now() < limits_.deadline) return false;  // lint: allow (runs outside simulations)
    out_.unknown_reason = "time budget exhausted";
    out_.exhausted = Exhausted::time;
    return true;
  }

  bool out_of_memory() {
    out_.unknown_reason = "memory budget of " + bytes_text(limits_.memory->limit()) + " exhausted";
    out_.exhausted = Exhausted::memory;
    return finish(Verdict::unknown);
  }

  void set_bit(uint32_t op) { linearized_[op / 64] |= uint64_t{1} << (op % 64); }
  void clear_bit(uint32_t op) { linearized_[op / 64] &= ~(uint64_t{1} << (op % 64)); }

  // At a call entry: linearize its operation next if the model allows it and the resulting
  // configuration is new; otherwise move on to the next entry. Returns false when the
  // memory budget cannot hold the new configuration (the search must stop: skipping it
  // could only lead to a wrong "not linearizable").
  bool try_linearize() {
    using Insert = typename search_detail::ConfigCache<State, typename M::StateHash>::Insert;
    const uint32_t op = list_.op[entry_];
    if (model_.step(state_, ops_[op].input, next_state_)) {
      set_bit(op);
      const uint64_t h = set_hash_ ^ zobrist_[op];
      const Insert inserted = cache_.insert(linearized_, h, next_state_);
      if (inserted == Insert::added && stack_memory_.take(state_heap_bytes(state_))) {
        stack_.push_back(Undo{entry_, std::move(state_)});
        state_ = std::move(next_state_);
        set_hash_ = h;
        list_.lift(entry_);
        entry_ = list_.next[0];
        return true;
      }
      clear_bit(op);
      if (inserted != Insert::present) return false;
    }
    entry_ = list_.next[entry_];
    return true;
  }

  // At a return entry: its operation should already have taken effect. Remember the
  // deepest point reached (the counterexample), then undo the last linearization.
  // Returns false when there is nothing left to undo: not linearizable.
  bool backtrack() {
    if (!have_best_ || stack_.size() > out_.longest.size()) record_stuck_point();
    if (stack_.empty()) return false;
    Undo top = std::move(stack_.back());
    stack_.pop_back();
    stack_memory_.give(state_heap_bytes(top.state));
    const uint32_t op = list_.op[top.entry];
    clear_bit(op);
    set_hash_ ^= zobrist_[op];
    state_ = std::move(top.state);
    list_.unlift(top.entry);
    entry_ = list_.next[top.entry];
    return true;
  }

  void record_stuck_point() {
    have_best_ = true;
    out_.longest.clear();
    for (const Undo& u : stack_) out_.longest.push_back(list_.op[u.entry]);
    out_.stuck_state = describe_(state_);
    out_.blocked = list_.op[entry_];
    out_.pending.clear();
    out_.pending_legal.clear();
    for (uint32_t e = list_.next[0]; e != entry_; e = list_.next[e]) {
      if (!list_.is_call[e]) continue;
      State scratch = state_;
      out_.pending.push_back(list_.op[e]);
      out_.pending_legal.push_back(model_.step(state_, ops_[list_.op[e]].input, scratch));
    }
  }

  const M& model_;
  std::vector<SearchOp<Input>> ops_;
  SearchLimits limits_;
  Describe describe_;
  search_detail::EntryList list_;
  size_t words_;
  std::vector<uint64_t> linearized_;  // bitset of linearized operations
  std::vector<uint64_t> zobrist_;     // per-operation random words; set_hash_ is their XOR
  search_detail::ConfigCache<State, typename M::StateHash> cache_;
  MemoryAccount stack_memory_;  // the heap bytes of the states on stack_
  std::vector<Undo> stack_;
  State state_;
  State next_state_;
  uint64_t set_hash_ = 0;
  uint32_t entry_ = 0;
  bool have_best_ = false;
  bool done_ = false;
  SearchOutcome out_;
};

}  // namespace dsim::check

#include "protocols/raft/invariants.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "protocols/raft/log_mirror.h"
#include "protocols/raft/observations.h"

namespace dsim::raft {
namespace {

// What an invariant keeps of its InvariantEnv: the server count and the node names, copied
// once so every event reads them directly (the env's topology would outlive the invariant too).
struct Names {
  explicit Names(const sim::InvariantEnv& env) : servers(env.topology->servers()), names(env.topology->names()) {}
  uint32_t servers;
  std::vector<std::string> names;
};

std::string node_name(const Names& env, uint32_t n) { return env.names[n]; }

bool is_server_observation(const sim::TraceEvent& ev, uint32_t servers) {
  return ev.kind == sim::TraceKind::observe && ev.msg && ev.node.value < servers;
}

// §5.2: "at most one leader can be elected in a given term".
class ElectionSafety final : public sim::Invariant {
 public:
  explicit ElectionSafety(const sim::InvariantEnv& env) : env_(env) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!is_server_observation(ev, env_.servers)) return;
    const BecameLeader* leader = ev.observed<BecameLeader>();
    if (!leader) return;
    const uint64_t term = leader->term.value;
    auto [it, fresh] = leaders_.try_emplace(term, ev.node.value);
    if (!fresh && it->second != ev.node.value)
      violate(ev, "two leaders in term " + std::to_string(term) + ": " + node_name(env_, it->second) + " and " +
                      node_name(env_, ev.node.value));
  }

 private:
  Names env_;
  std::map<uint64_t, uint32_t> leaders_;
};

// §5.3: "a leader never overwrites or deletes entries in its log; it only appends new entries".
class LeaderAppendOnly final : public sim::Invariant {
 public:
  explicit LeaderAppendOnly(const sim::InvariantEnv& env)
      : env_(env), mirror_(env.topology->servers()), leading_(env.topology->servers(), false) {}
  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    if (ev.kind == sim::TraceKind::crash && n < leading_.size()) leading_[n] = false;
    if (!is_server_observation(ev, env_.servers)) return;
    if (ev.observed<BecameLeader>()) leading_[n] = true;
    if (ev.observed<SteppedDown>() || ev.observed<Recovered>()) leading_[n] = false;
    if (leading_[n]) {
      if (ev.observed<LogTruncate>() || ev.observed<SnapshotInstalled>())
        return violate(ev, "leader " + node_name(env_, n) + " removed entries from its log (" + std::string(ev.name) + ")");
      if (const LogAppend* a = ev.observed<LogAppend>(); a && a->first.value <= mirror_.last_index(n))
        return violate(ev, "leader " + node_name(env_, n) + " overwrote entries from index " + std::to_string(a->first.value));
    }
    mirror_.feed(ev);
  }

 private:
  Names env_;
  LogMirror mirror_;
  std::vector<bool> leading_;
};

// §5.3 Log Matching: entries with the same index and term have identical prefixes.
class LogMatching final : public sim::Invariant {
 public:
  explicit LogMatching(const sim::InvariantEnv& env) : env_(env), mirror_(env.topology->servers()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!is_server_observation(ev, env_.servers)) return;
    const uint32_t n = ev.node.value;
    mirror_.feed(ev, [&](uint64_t index, const LogMirror::Slot& s) {
      const uint64_t* seen = mirror_.first_seen(index, s.term);
      if (seen && *seen != s.prefix && !violation())
        violate(ev, node_name(env_, n) + " holds an entry of term " + std::to_string(s.term) + " at index " +
                        std::to_string(index) + " whose log prefix differs from another server's entry with the same index and term");
    });
  }

 private:
  Names env_;
  LogMirror mirror_;
};

// §5.4 Leader Completeness: a leader of term T holds every entry committed in terms < T.
class LeaderCompleteness final : public sim::Invariant {
 public:
  explicit LeaderCompleteness(const sim::InvariantEnv& env) : env_(env), mirror_(env.topology->servers()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!is_server_observation(ev, env_.servers)) return;
    const uint32_t n = ev.node.value;
    if (mirror_.feed(ev)) return;
    if (const Commit* commit = ev.observed<Commit>()) {
      const uint64_t index = commit->index.value, leader_term = commit->leader_term.value;
      if (index > mirror_.last_index(n) || index < mirror_.known_from(n)) return;
      Committed& c = committed_[leader_term];
      if (index > c.index) c = Committed{index, mirror_.at(n, index).prefix, n};
    } else if (const BecameLeader* leader = ev.observed<BecameLeader>()) {
      const uint64_t term = leader->term.value;
      // The furthest commit made by a leader of an earlier term covers all earlier commits
      // (if it did not, log matching or this check already failed at that leader).
      Committed best;
      for (auto it = committed_.begin(); it != committed_.end() && it->first < term; ++it)
        if (it->second.index > best.index) best = it->second;
      if (best.index == 0 || best.index < mirror_.known_from(n)) return;
      if (mirror_.last_index(n) < best.index || mirror_.at(n, best.index).prefix != best.prefix)
        violate(ev, node_name(env_, n) + " became leader of term " + std::to_string(term) +
                        " without the entries up to index " + std::to_string(best.index) + " that " +
                        node_name(env_, best.by) + " committed in an earlier term");
    }
  }

 private:
  struct Committed {
    uint64_t index = 0;
    uint64_t prefix = 0;
    uint32_t by = 0;
  };
  Names env_;
  LogMirror mirror_;
  std::map<uint64_t, Committed> committed_;  // leader term -> furthest commit in that term
};

// §5.4.3 State Machine Safety: no two servers apply different commands at one index.
class StateMachineSafety final : public sim::Invariant {
 public:
  explicit StateMachineSafety(const sim::InvariantEnv& env) : env_(env) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!is_server_observation(ev, env_.servers)) return;
    if (const LogAppend* appended = ev.observed<LogAppend>())
      max_index_ = std::max(max_index_, checked_last(*appended, "log_append"));
    const Apply* applied = ev.observed<Apply>();
    if (!applied) return;
    const uint64_t first = applied->first.value;
    // Only appended entries are applied; a larger index can only come from a garbled trace
    // and must not size applied_.
    if (const uint64_t last = checked_last(*applied, "apply"); last > max_index_)
      throw sim::InputError("apply up to index " + std::to_string(last) + ", beyond any appended entry (" +
                            std::to_string(max_index_) + ")");
    for (size_t k = 0; k < applied->entries.size(); ++k) {
      const uint64_t index = first + k;
      if (applied_.size() <= index) applied_.resize(index + 1);
      Applied& a = applied_[index];
      const EntryDigest& e = applied->entries[k];
      if (!a.set) {
        a = Applied{true, e.digest, e.term.value, ev.node.value};
      } else if (a.digest != e.digest) {
        return violate(ev, node_name(env_, ev.node.value) + " applied a different command at index " +
                               std::to_string(index) + " (term " + std::to_string(e.term.value) + ") than " +
                               node_name(env_, a.by) + " did (term " + std::to_string(a.term) + ")");
      }
    }
  }

 private:
  struct Applied {
    bool set = false;
    uint64_t digest = 0, term = 0;
    uint32_t by = 0;
  };
  Names env_;
  std::vector<Applied> applied_;
  uint64_t max_index_ = 0;  // the highest index any server appended
};

}  // namespace

std::unique_ptr<sim::Invariant> make_election_safety(const sim::InvariantEnv& env) {
  return std::make_unique<ElectionSafety>(env);
}
std::unique_ptr<sim::Invariant> make_leader_append_only(const sim::InvariantEnv& env) {
  return std::make_unique<LeaderAppendOnly>(env);
}
std::unique_ptr<sim::Invariant> make_log_matching(const sim::InvariantEnv& env) {
  return std::make_unique<LogMatching>(env);
}
std::unique_ptr<sim::Invariant> make_leader_completeness(const sim::InvariantEnv& env) {
  return std::make_unique<LeaderCompleteness>(env);
}
std::unique_ptr<sim::Invariant> make_state_machine_safety(const sim::InvariantEnv& env) {
  return std::make_unique<StateMachineSafety>(env);
}

}  // namespace dsim::raft

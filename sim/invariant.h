// Invariants: properties checked over the trace, the same code live (as a trace sink during
// the run) and offline (`dsim check` feeding events read back from a JSONL file).
//
// An invariant sees only TraceEvents (messages, observations, client operations), never a
// node's internals. Safety properties report at the event where they break; liveness
// properties report from on_end(), relative to when faults healed. An invariant that does
// not apply to a run (say, a latency bound on a lossy network) says so and is "skipped".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/healing.h"
#include "sim/trace.h"

namespace dsim::sim {

struct Violation {
  std::string invariant;
  std::string what;      // one sentence: what broke
  uint64_t seq = 0;      // the trace event where it broke
  Time time;
  std::string event;     // that event as a JSON line
  bool at_end = false;   // found at the end of the run (liveness), not at an event
};

enum class Verdict { holds, violated, skipped };
std::string_view to_string(Verdict v);

// What an invariant may know about the run besides the trace: the resolved scenario (the same
// JSON the trace header records), the node names, and when the faults heal. Whoever builds the
// invariants keeps `scenario` and `topology` alive as long as the invariants (cli::add_invariants:
// the scenario the run or `dsim check` was given and the InvariantSet's topology), so an
// invariant may keep the pointers.
struct InvariantEnv {
  const nlohmann::json* scenario = nullptr;
  const Topology* topology = nullptr;
  Healing healing;
};

class Invariant {
 public:
  virtual ~Invariant() = default;
  virtual void on_event(const TraceEvent& ev) = 0;
  // Called once after the last event, with the end of simulated time.
  virtual void on_end(Time /*end*/) {}
  // A liveness property promises something of the whole run ("eventually", "within a bound
  // after the faults heal"). When the run was cut short ("until", "stop_at_violation"),
  // InvariantSet::finish() skips it, naming the cut, instead of calling on_end().
  virtual bool liveness() const { return false; }
  // Called instead of on_end() when the run was cut short. The default runs on_end(): an
  // end-of-run check that holds for every prefix of a run stays sound on a cut one.
  virtual void on_cut(Time end) { on_end(end); }

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  const std::optional<Violation>& violation() const { return violation_; }
  bool applicable() const { return skip_reason_.empty(); }
  const std::string& skip_reason() const { return skip_reason_; }

 protected:
  // Records the first violation (later ones are ignored: the first is the one to debug).
  void violate(const TraceEvent& ev, std::string what);
  void violate_at_end(Time end, std::string what);
  // A violation found after the fact (at the end of the run) but pinned to the trace event
  // where it shows, e.g. the completion of an operation that cannot be linearized.
  void violate_at(uint64_t seq, Time time, std::string what, std::string event);
  void skip(std::string reason) { skip_reason_ = std::move(reason); }

 private:
  friend class InvariantSet;
  std::string name_;
  std::optional<Violation> violation_;
  std::string skip_reason_;
  const Topology* topology_ = nullptr;
};

using InvariantFactory = std::function<std::unique_ptr<Invariant>(const InvariantEnv&)>;

// An invariant that does not apply to this run, saying why ("the network is lossy"): what a
// factory returns instead of the real check. It sees no events and is reported "skipped".
std::unique_ptr<Invariant> skipped_invariant(std::string why);

struct InvariantResult {
  std::string name;
  Verdict verdict = Verdict::holds;
  std::string detail;  // skip reason
  std::optional<Violation> violation;
};

// Runs a group of invariants as one trace sink. An invariant that has failed or does not
// apply stops receiving events. An invariant that cannot read an event's payload (a garbled
// trace given to `dsim check`) makes on_event/finish throw InputError naming the event.
class InvariantSet final : public TraceSink {
 public:
  explicit InvariantSet(const Topology& topology) : topology_(&topology) {}
  void add(std::unique_ptr<Invariant> inv);
  void on_event(const TraceEvent& ev) override;
  // "stop_at_violation": the first violation found at an event is recorded as the one that
  // stopped the run, and `halt` (if any) is called then, once, so the run loop ends at that
  // very event. `dsim check` passes none: the trace it reads ends there already.
  void stop_at_violation(std::function<void()> halt = {});
  // The violation that stopped the run (stop_at_violation), or nullptr.
  const Violation* stopped_by() const { return stopped_by_ ? &*stopped_by_ : nullptr; }
  // `cut`: why the run ended before the scenario's end, "" when it ran to the end. A cut run's
  // liveness invariants are skipped with that reason; the others get on_cut().
  void finish(Time end, const std::string& cut = "");
  std::vector<InvariantResult> results() const;
  bool any_violated() const;
  size_t size() const { return all_.size(); }
  const Topology& topology() const { return *topology_; }

 private:
  const Topology* topology_;
  std::vector<std::unique_ptr<Invariant>> all_;
  std::vector<Invariant*> active_;
  bool finished_ = false;
  bool stop_at_violation_ = false;
  std::function<void()> halt_;
  std::optional<Violation> stopped_by_;
};

}  // namespace dsim::sim

// The orchestrator of orchestrated sagas (Garcia-Molina & Salem, "Sagas", SIGMOD 1987): it runs
// each saga's steps T1..Tn in order by calling the services, and when a step fails it runs the
// compensations of the completed steps in reverse order, Cj..C1 (§1: "either T1, T2, ..., Tn
// ... or T1, T2, ..., Tj, Cj, ..., C2, C1"). Its saga log is durable (§6, "the saga daemon ...
// [uses] the log to restart"): every decision is appended and synced before it acts on it, and
// a restarted orchestrator rebuilds every saga in flight from the log and carries on (§6:
// "backward recovery ... or forward recovery").
//
// Calls are retried after `step_timeout` with exponential back-off and full jitter; a step that
// still has no answer after `retries` retries counts as failed, and its own compensation runs
// first, since it may have been done (the service's tombstone makes that safe). Compensations
// are retried until they succeed (§1: compensating transactions cannot fail). A circuit breaker
// per service opens after `breaker_failures` timeouts in a row: calls to it fail at once for
// `breaker_open`, then one call goes through (half-open) and its answer closes the breaker.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "protocols/saga/messages.h"
#include "protocols/saga/params.h"
#include "protocols/saga/timers.h"
#include "sim/process.h"

namespace dsim::saga {

// One entry of the saga log.
struct LogEntry {
  enum class Kind : uint8_t { begin, done, failed, undone, end };
  Kind kind = Kind::begin;
  SagaId saga = 0;
  uint32_t step = 0;       // done, undone: the step; failed: how many steps to compensate
  sim::NodeId client;      // begin
  int64_t amount = 0, qty = 0;  // begin
  bool completed = false;  // end
};

class Orchestrator final : public sim::ProcessOf<Message, ServerTimer> {
 public:
  explicit Orchestrator(Config cfg)
      : cfg_(std::move(cfg)), names_(cfg_.service_names()), services_(static_cast<uint32_t>(names_.size())),
        pivot_(cfg_.pivot_step()) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

 private:
  struct Saga {
    sim::NodeId client;
    int64_t amount = 0, qty = 0;
    uint32_t step = 0;               // forward: the step being run
    bool compensating = false;
    std::vector<uint32_t> to_undo;   // compensating: the steps to undo, in the order to undo them
    size_t undone = 0;               // how many of them are undone
    uint32_t attempt = 0;            // of the current call
    sim::TimerId timer;
  };
  struct BreakerState {
    enum class State : uint8_t { closed, open, half_open };
    State state = State::closed;
    uint32_t failures = 0;
    sim::Time open_until;
    bool probing = false;
  };

  void log(sim::Context& ctx, const LogEntry& e);
  void apply(const LogEntry& e);  // the entry's effect on sagas_ (new entries and recovery alike)
  void call(sim::Context& ctx, SagaId id);
  void answered(sim::Context& ctx, SagaId id, const Reply& r);
  void failed_attempt(sim::Context& ctx, SagaId id, bool timed_out);
  void finish(sim::Context& ctx, SagaId id, bool completed);
  // The step being called (the last one once every step is done or undone: the saga is ending).
  uint32_t current_step(const Saga& s) const {
    if (s.compensating) return s.undone < s.to_undo.size() ? s.to_undo[s.undone] : 0;
    return std::min(s.step, services_ - 1);
  }
  int64_t amount_of(const Saga& s, uint32_t step) const;
  void set_breaker(sim::Context& ctx, uint32_t step, BreakerState::State state);

  Config cfg_;
  std::vector<std::string> names_;  // the services, parsed once (not on every call)
  uint32_t services_;
  uint32_t pivot_;  // the pivot's step, or services_
  std::map<SagaId, Saga> sagas_;                             // in flight
  std::map<SagaId, std::pair<sim::NodeId, bool>> ended_;    // client, completed
  std::vector<BreakerState> breakers_;
};

}  // namespace dsim::saga

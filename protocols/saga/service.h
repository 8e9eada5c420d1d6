// A service of a saga: it owns one step and its compensation, run as local transactions on its
// own durable store (Garcia-Molina & Salem, "Sagas", SIGMOD 1987, §1: "a saga is a sequence of
// transactions T1, ..., Tn that can be interleaved with other transactions ... each Ti [has] a
// compensating transaction Ci").
//
// A step takes `work`, then commits: the step's record (done, refused, compensated, or
// compensated before it ever ran) is written and synced before anything leaves. Steps are
// idempotent by (saga, step): a retried step that is done is answered "done" again without
// running twice; a compensation of a step that never ran undoes nothing and leaves a tombstone,
// so a step that arrives after its own compensation (a delayed retry) is refused instead of
// applied (with retries and reordering, the tombstone is what keeps §1's "Ci after Ti" true).
//
// Orchestrated, the orchestrator calls the service and it replies. Choreographed, it reacts to
// events the broker delivers: the start event or the previous step's "done" runs the step; the
// next step's "failed" or "undone" runs the compensation. Its outgoing event ("done", "failed",
// "undone") is written in the same local transaction as the record and the incoming event's key
// (the transactional outbox; the key makes a redelivered event a no-op), then acknowledged to the
// broker; a relay publishes the outbox to the broker every `relay` until the broker acknowledges.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "protocols/saga/messages.h"
#include "protocols/saga/params.h"
#include "protocols/saga/timers.h"
#include "sim/process.h"

namespace dsim::saga {

class Service final : public sim::ProcessOf<Message, ServerTimer> {
 public:
  Service(Config cfg, uint32_t step, std::string name) : cfg_(std::move(cfg)), step_(step), name_(std::move(name)) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  enum class Record : uint8_t { done, refused, compensated, tombstone };
  // One durable change: a step's record, an event handled, an event put in the outbox, or one
  // the broker acknowledged.
  struct Change {
    enum class Kind : uint8_t { record, handled, outbox, relayed };
    Kind kind = Kind::record;
    SagaId saga = 0;
    Record record = Record::done;
    Event event;
  };

 private:
  using Key = std::tuple<SagaId, EventKind, uint32_t>;
  // The step (or its compensation) as a local transaction, not yet synced: true when refused.
  bool run_step(sim::Context& ctx, SagaId saga, bool undo, int64_t amount);
  void put(sim::Context& ctx, SagaId saga, Record r);
  void handle(sim::Context& ctx, const Event& e);
  int64_t amount_of(const Event& e) const;

  Config cfg_;
  uint32_t step_;
  std::string name_;
  std::map<SagaId, Record> records_;
  // choreography
  std::set<Key> handled_;
  std::map<Key, Event> outbox_;  // not yet acknowledged by the broker
  uint64_t relayed_ = 0;
};

}  // namespace dsim::saga

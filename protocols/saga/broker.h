// The message broker of choreographed sagas, itself a node (n1): services publish events to it;
// it stores each event durably (once: events are idempotent by (saga, kind, step)) and delivers
// it to the event's subscriber, at least once: a delivery not acknowledged within
// `visibility_timeout` is delivered again (after a jittered exponential back-off), and after
// `max_deliveries` it goes to the dead-letter queue. Subscriptions follow the saga's steps: the
// start event goes to the first service; step i's "done" to service i+1 (the last one's to the
// client: the saga completed); step i's "failed" or "undone" to service i-1, whose compensation
// it triggers (the first one's to the client: the saga is compensated).
#pragma once

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "protocols/saga/messages.h"
#include "protocols/saga/params.h"
#include "protocols/saga/timers.h"
#include "sim/process.h"

namespace dsim::saga {

class Broker final : public sim::ProcessOf<Message, ServerTimer> {
 public:
  explicit Broker(Config cfg) : cfg_(std::move(cfg)), services_(static_cast<uint32_t>(cfg_.service_names().size())) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // The one subscriber of an event.
  sim::NodeId subscriber(const Event& e) const;

  struct Record {
    enum class Kind : uint8_t { stored, acked, dead };
    Kind kind = Kind::stored;
    Event event;
  };

 private:
  using Key = std::tuple<SagaId, EventKind, uint32_t>;
  struct Delivery {
    Event event;
    uint32_t attempt = 0;
    bool over = false;  // acknowledged, or dead-lettered
  };
  void store(sim::Context& ctx, const Event& e);
  void deliver(sim::Context& ctx, Delivery& d);

  Config cfg_;
  uint32_t services_;
  std::map<Key, Delivery> deliveries_;  // every event stored, by key
  uint64_t dead_ = 0;
};

}  // namespace dsim::saga

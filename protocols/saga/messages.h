// The sagas' messages. Orchestration: a client's request to start a saga and the orchestrator's
// answers; the orchestrator's step and compensation calls to the services and their replies.
// Choreography: the services' events, published to the broker and delivered to subscribers.
// Every message is a plain aggregate with reflect(), so it appears in traces and in the digest.
#pragma once

#include <array>
#include <cstdint>
#include <tuple>
#include <string>
#include <string_view>
#include <variant>

#include "sim/ids.h"

namespace dsim::saga {

// A saga's identity: (client incarnation << 48) | (client node << 32) | the client's counter.
using SagaId = uint64_t;
inline std::string saga_text(SagaId s) {
  return "c" + std::to_string(((s >> 32) & 0xffff) + 1) + "/" + std::to_string(s & 0xffffffffu);
}

// A client asks the orchestrator to run a saga (again until Accepted: the orchestrator knows a
// saga it has logged by its id).
struct Start {
  static constexpr std::string_view type_name = "saga.start";
  SagaId saga = 0;
  int64_t amount = 0;
  int64_t qty = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("amount", self.amount); v("qty", self.qty); }
};

// The saga is in the orchestrator's durable log: it will run to an end, whatever crashes.
struct Accepted {
  static constexpr std::string_view type_name = "saga.accepted";
  SagaId saga = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); }
};

// How the saga ended: every step done, or compensated.
struct Result {
  static constexpr std::string_view type_name = "saga.result";
  SagaId saga = 0;
  bool completed = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("completed", self.completed); }
};

// The orchestrator asks a service to run step `step` of a saga (undo: its compensation).
// `amount` is what the step moves (money for payment, units for inventory, 1 otherwise).
struct Call {
  static constexpr std::string_view type_name = "saga.call";
  SagaId saga = 0;
  uint32_t step = 0;
  bool undo = false;
  int64_t amount = 0;
  uint32_t attempt = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("saga", self.saga); v("step", self.step); v("undo", self.undo); v("amount", self.amount); v("attempt", self.attempt);
  }
};

// A service's answer: the step is done (or compensated), or refused by business rule (a step only).
struct Reply {
  static constexpr std::string_view type_name = "saga.reply";
  SagaId saga = 0;
  uint32_t step = 0;
  bool undo = false;
  bool refused = false;
  uint32_t attempt = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("saga", self.saga); v("step", self.step); v("undo", self.undo); v("refused", self.refused); v("attempt", self.attempt);
  }
};

// ---- choreography ----

// What happened to a saga, as an event on the broker: the saga started; step `step` was done,
// failed (refused, or given up), or undone (compensated).
enum class EventKind : uint8_t { start, done, failed, undone };
inline constexpr std::array<std::string_view, 4> kEventKindNames{"start", "done", "failed", "undone"};
inline const std::array<std::string_view, 4>& enum_names(EventKind) { return kEventKindNames; }

struct Event {
  SagaId saga = 0;
  EventKind kind = EventKind::start;
  uint32_t step = 0;
  int64_t amount = 0, qty = 0;
  sim::NodeId client;  // who started the saga (the outcome goes back to it)
  // The idempotency key: one event per (saga, kind, step), whoever sends it how often.
  std::tuple<SagaId, EventKind, uint32_t> key() const { return {saga, kind, step}; }
  std::string text() const {
    return saga_text(saga) + " " + std::string(kEventKindNames[static_cast<size_t>(kind) % 4]) +
           (kind == EventKind::start ? "" : " " + std::to_string(step + 1));
  }
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("saga", self.saga); v("kind", self.kind); v("step", self.step); v("amount", self.amount); v("qty", self.qty);
    v("client", self.client);
  }
};

// A service relays an event from its outbox to the broker (again until acknowledged).
struct Publish {
  static constexpr std::string_view type_name = "saga.publish";
  Event event;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); }
};

// The broker stored the event durably.
struct PublishAck {
  static constexpr std::string_view type_name = "saga.publish_ack";
  Event event;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); }
};

// The broker delivers an event to a subscriber (delivery number `attempt`, from 1).
struct Deliver {
  static constexpr std::string_view type_name = "saga.deliver";
  Event event;
  uint32_t attempt = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); v("attempt", self.attempt); }
};

// The subscriber is done with the event (processed, or known already).
struct DeliverAck {
  static constexpr std::string_view type_name = "saga.deliver_ack";
  Event event;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); }
};

using Message = std::variant<Start, Accepted, Result, Call, Reply, Publish, PublishAck, Deliver, DeliverAck>;

}  // namespace dsim::saga

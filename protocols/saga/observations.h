// What the sagas tell the invariants (and people): a saga begun and ended by its orchestrator;
// each service's local transactions (a step done or compensated, with what it moved, or refused);
// the orchestrator's retries and circuit-breaker changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/saga/messages.h"
#include "sim/observe.h"

namespace dsim::saga {

// The saga is in the orchestrator's durable log (it answers Accepted after this).
struct Begun {
  static constexpr std::string_view type_name = "begun";
  SagaId saga = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); }
};

// The saga ended: every step done (completed) or the done ones compensated.
struct Ended {
  static constexpr std::string_view type_name = "ended";
  SagaId saga = 0;
  bool completed = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("completed", self.completed); }
};

// A service's local transaction applied step `step` of the saga (undo: its compensation),
// moving `amount` (money for payment, units for inventory).
struct Applied {
  static constexpr std::string_view type_name = "applied";
  SagaId saga = 0;
  uint32_t step = 0;
  bool undo = false;
  int64_t amount = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("step", self.step); v("undo", self.undo); v("amount", self.amount); }
};

// A service refused the step by business rule (nothing applied), or compensated a step it never
// ran (nothing to undo; a later request for the step is refused).
struct Refused {
  static constexpr std::string_view type_name = "refused";
  SagaId saga = 0;
  uint32_t step = 0;
  bool undo = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("step", self.step); v("undo", self.undo); }
};

// The orchestrator tries a call again (after a timeout, or an open breaker).
struct Retried {
  static constexpr std::string_view type_name = "retried";
  SagaId saga = 0;
  uint32_t step = 0;
  bool undo = false;
  uint32_t attempt = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("step", self.step); v("undo", self.undo); v("attempt", self.attempt); }
};

// The orchestrator's breaker for the service of step `step` changed: closed, open or half_open.
struct Breaker {
  static constexpr std::string_view type_name = "breaker";
  uint32_t step = 0;
  std::string state;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("step", self.step); v("state", self.state); }
};

// Choreography: a service committed an outgoing event with its state change (into its outbox;
// with the bug dual_write, into memory).
struct Emitted {
  static constexpr std::string_view type_name = "emitted";
  Event event;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); }
};

// The broker stored an event for the first time.
struct Published {
  static constexpr std::string_view type_name = "published";
  Event event;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); }
};

// The broker gave up delivering an event to a subscriber: it is in the dead-letter queue.
struct DeadLettered {
  static constexpr std::string_view type_name = "dead_lettered";
  Event event;
  sim::NodeId subscriber;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); v("subscriber", self.subscriber); }
};

std::vector<std::string_view> observation_types();
sim::ValueDecoder decode_observation();

}  // namespace dsim::saga

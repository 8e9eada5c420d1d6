#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "protocols/saga/messages.h"

namespace dsim::saga {

// The orchestrator heard nothing about attempt `attempt` of a saga's current call.
struct CallTimeout {
  static constexpr std::string_view type_name = "call_timeout";
  SagaId saga = 0;
  uint32_t attempt = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("attempt", self.attempt); }
};

// The back-off is over: call again.
struct Backoff {
  static constexpr std::string_view type_name = "backoff";
  SagaId saga = 0;
  uint32_t attempt = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); v("attempt", self.attempt); }
};

// A service's local transaction for a call is done (it took `work`).
struct Work {
  static constexpr std::string_view type_name = "work";
  sim::NodeId from;
  Call call;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("from", self.from); v("call", self.call); }
};

// Choreography: a service's event processing is done (it took `work`).
struct Handle {
  static constexpr std::string_view type_name = "handle";
  Event event;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); }
};

// Choreography: time to relay the outbox to the broker.
struct Relay {
  static constexpr std::string_view type_name = "relay";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// The broker heard no acknowledgement of delivery `attempt` of an event to `subscriber`.
struct Redeliver {
  static constexpr std::string_view type_name = "redeliver";
  Event event;
  sim::NodeId subscriber;
  uint32_t attempt = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("event", self.event); v("subscriber", self.subscriber); v("attempt", self.attempt); }
};

using ServerTimer = std::variant<CallTimeout, Backoff, Work, Handle, Relay, Redeliver>;

// A client's next saga; and a request not yet Accepted, sent again.
struct NextSaga {
  static constexpr std::string_view type_name = "next_saga";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct Resend {
  static constexpr std::string_view type_name = "resend";
  SagaId saga = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("saga", self.saga); }
};

using ClientTimer = std::variant<NextSaga, Resend>;

}  // namespace dsim::saga

// Typed observations, client events and timers: values carried like messages.
//
// An observation is one reflectable struct with a `type_name` ("raft.became_leader"), handed
// to `ctx.observe(BecameLeader{...})`. The runtime boxes it alone (the family
// `std::variant<T>`) in an Envelope from the simulation's pool, so building one allocates no
// JSON: the JSONL sink writes its fields, the digest hashes its bytes, and an invariant reads
// it back typed with `ev.observed<BecameLeader>()` (a pointer comparison). Read back from a
// trace file, the protocol's ObservationCodec decodes it into the same family, so invariants
// see identical events live and offline.
//
// Client events (Jepsen histories) are one sim-level struct, ClientEvent, with the operation
// and the completion as enums. Timers are values too: a process arms `ctx.set_timer(delay,
// ElectionTimeout{})` through ProcessOf, which boxes it as the protocol's Timer variant, and
// receives the same value in on_timer.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/message.h"

namespace dsim::sim {

// ---- client events ---------------------------------------------------------------------

// The operations the history models know (sim/check/models.h): kv get/put/append/cas,
// register read/write/cas, list read/append, set and counter read/add.
enum class ClientOp : uint8_t { get, put, append, cas, read, write, add };
inline constexpr std::array<std::string_view, 7> kClientOpNames{"get", "put", "append", "cas", "read", "write", "add"};
inline const std::array<std::string_view, 7>& enum_names(ClientOp) { return kClientOpNames; }

// How a client operation ended: took effect (ok), certainly did not (fail), unknown (info).
enum class Completion : uint8_t { ok, fail, info };
inline constexpr std::array<std::string_view, 3> kCompletionNames{"ok", "fail", "info"};
inline const std::array<std::string_view, 3>& enum_names(Completion) { return kCompletionNames; }

// One client history event. Its trace record is {"ev":"client","what":"invoke"|"ok"|"fail"|
// "info","data":{...}}; `process` is the node's logical (Jepsen) process, 0 to 2^31-1.
struct ClientEvent {
  static constexpr std::string_view type_name = "client";
  ClientOp f = ClientOp::get;
  std::string key;
  nlohmann::json value;  // the input on invoke, the result on ok; null when none
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("f", self.f);
    v("key", self.key);
    v("value", self.value);
    v("process", self.process);
  }
};
inline constexpr std::array<std::string_view, 4> kClientEventNames{"invoke", "ok", "fail", "info"};
inline std::string_view client_event_name(Completion c) { return kClientEventNames[1 + static_cast<size_t>(c)]; }

// The timer of a process that needs one kind only (tests, small examples).
struct Tick {
  static constexpr std::string_view type_name = "tick";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
using Ticks = std::variant<Tick>;

// ---- decoding observations and timers read back from a trace -----------------------------

// Decodes {type name, JSON body} of one observation into its family (std::variant<T>);
// an empty pointer for a name the protocol does not observe. Throws std::invalid_argument
// naming the field when the body does not fit.
using ValueDecoder = std::function<MessagePtr(std::string_view type, const nlohmann::json& body)>;

template <class... Ts>
ValueDecoder observation_decoder() {
  return [](std::string_view type, const nlohmann::json& body) -> MessagePtr {
    MessagePtr out;
    auto try_one = [&]<class T>(std::type_identity<T>) {
      if (out || T::type_name != type) return;
      T value{};
      from_json_value(body, value, "data");
      out = make_message<std::variant<T>>(std::move(value));
    };
    (try_one(std::type_identity<Ts>{}), ...);
    return out;
  };
}

template <class... Ts>
std::vector<std::string_view> observation_names() {
  return {Ts::type_name...};
}

// The decoder of a protocol's timers, as message_decoder: one Timer variant, or several when
// its kinds of node arm different timers (a client's and a server's; their type names differ).
// A timer decodes into the family its node armed it as.
template <class... Timers>
ValueDecoder timer_decoder() {
  return [](std::string_view type, const nlohmann::json& body) -> MessagePtr {
    MessagePtr out;
    auto try_one = [&]<class Timer>(std::type_identity<Timer>) {
      if (out) return;
      if (auto t = decode_message<Timer>(type, body)) out = make_message<Timer>(std::move(*t));
    };
    (try_one(std::type_identity<Timers>{}), ...);
    return out;
  };
}
template <class... Timers>
std::vector<std::string_view> timer_names() {
  std::vector<std::string_view> out;
  (
      [&] {
        for (auto n : message_type_names<Timers>()) out.push_back(n);
      }(),
      ...);
  return out;
}

}  // namespace dsim::sim

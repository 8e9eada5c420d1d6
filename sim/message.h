// Messages in flight: a protocol's `Message` variant boxed in a pooled, reference-counted,
// immutable Envelope, so the engine can carry any protocol's messages without knowing them.
//
// The engine only needs four things from a message: its type name, its JSON form (traces,
// Byzantine mutation), its binary form (digest) and a safe way back to the protocol's type
// (Envelope::as<Message>(), checked). Duplicated deliveries share one Envelope. Envelopes
// come from a per-simulation MessagePool (no global state; a sweep runs many simulations on
// threads), or from the heap when no pool is given (offline trace reading, unit tests).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/assert.h"
#include "sim/reflect.h"

namespace dsim::sim {

class MessagePool;

class Envelope {
 public:
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;

  virtual std::string_view type_name() const = 0;
  virtual nlohmann::json to_json() const = 0;
  virtual void write_json(JsonWriter& w) const = 0;
  virtual void write_bytes(ByteWriter& w) const = 0;
  // "type key=value ..." for people (`dsim log`); names[i] names node i.
  virtual void write_text(std::string& out, const std::vector<std::string>* names) const = 0;
  // "key=value ..." alone (no type name), for values whose name is shown elsewhere.
  virtual void write_fields(std::string& out, const std::vector<std::string>* names) const = 0;
  // A copy on the heap (no pool), for keeping an event beyond its simulation (MemorySink).
  virtual Envelope* clone() const = 0;
  // Whether every NodeId it holds names one of `nodes` nodes (or none, kNoNode): read back
  // from a trace, a value naming a node outside the topology is bad input.
  virtual bool nodes_within(uint32_t nodes) const = 0;

  // The protocol's message variant. Asserts that this envelope holds exactly that type.
  template <class Message>
  const Message& as() const;
  template <class Message>
  bool holds() const { return family_ == family_tag<Message>(); }

  template <class Message>
  static const void* family_tag() {
    static const char tag = 0;  // one distinct address per message family; never written
    return &tag;
  }

 protected:
  Envelope(const void* family, MessagePool* pool) : family_(family), pool_(pool) {}
  virtual ~Envelope() = default;

 private:
  friend class MessagePtr;
  friend class MessagePool;
  void release();
  const void* family_;
  MessagePool* pool_;
  uint32_t refs_ = 0;
  uint32_t size_ = 0;  // allocation size, for returning to the pool
};

template <class Message>
class Boxed final : public Envelope {
 public:
  Boxed(MessagePool* pool, Message m) : Envelope(family_tag<Message>(), pool), value(std::move(m)) {}
  std::string_view type_name() const override {
    return std::visit([](const auto& alt) -> std::string_view { return std::decay_t<decltype(alt)>::type_name; },
                      value);
  }
  nlohmann::json to_json() const override {
    return std::visit([](const auto& alt) { return to_json_value(alt); }, value);
  }
  void write_json(JsonWriter& w) const override {
    std::visit([&](const auto& alt) { w.value(alt); }, value);
  }
  void write_text(std::string& out, const std::vector<std::string>* names) const override {
    std::visit(
        [&](const auto& alt) {
          out.append(std::decay_t<decltype(alt)>::type_name);
          const size_t mark = out.size();
          out.push_back(' ');
          TextWriter(out, names).fields(alt);
          if (out.size() == mark + 1) out.pop_back();  // no fields to show
        },
        value);
  }
  void write_fields(std::string& out, const std::vector<std::string>* names) const override {
    std::visit([&](const auto& alt) { TextWriter(out, names).fields(alt); }, value);
  }
  Envelope* clone() const override { return new Boxed<Message>(nullptr, value); }
  bool nodes_within(uint32_t nodes) const override {
    bool ok = true;
    std::visit([&](const auto& alt) { for_each_node_id(alt, [&](NodeId id) { ok &= !id.valid() || id.value < nodes; }); },
               value);
    return ok;
  }
  void write_bytes(ByteWriter& w) const override {
    w.u64(value.index());
    std::visit([&](const auto& alt) { w.value(alt); }, value);
  }
  Message value;
};

template <class Message>
const Message& Envelope::as() const {
  DSIM_ASSERT(holds<Message>(), "message delivered to a process of another protocol");
  return static_cast<const Boxed<Message>*>(this)->value;
}

// Intrusive reference to an Envelope. Not thread-safe: an envelope lives in one simulation.
class MessagePtr {
 public:
  MessagePtr() = default;
  explicit MessagePtr(Envelope* e) : e_(e) { if (e_) ++e_->refs_; }
  MessagePtr(const MessagePtr& o) : e_(o.e_) { if (e_) ++e_->refs_; }
  MessagePtr(MessagePtr&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  MessagePtr& operator=(MessagePtr o) noexcept { std::swap(e_, o.e_); return *this; }
  ~MessagePtr() { if (e_ && --e_->refs_ == 0) e_->release(); }

  const Envelope* get() const { return e_; }
  const Envelope& operator*() const { return *e_; }
  const Envelope* operator->() const { return e_; }
  explicit operator bool() const { return e_ != nullptr; }

  // Hands the reference to a raw slot (the event queue stores envelopes as integers).
  Envelope* detach() { return std::exchange(e_, nullptr); }
  static MessagePtr adopt(Envelope* e) { MessagePtr p; p.e_ = e; return p; }

 private:
  Envelope* e_ = nullptr;
};

// Free lists by 16-byte size class; big envelopes go to the heap. One pool per simulation.
class MessagePool {
 public:
  MessagePool() = default;
  MessagePool(const MessagePool&) = delete;
  MessagePool& operator=(const MessagePool&) = delete;
  ~MessagePool();

  template <class Message>
  MessagePtr make(Message m) {
    void* mem = allocate(sizeof(Boxed<Message>));
    auto* e = new (mem) Boxed<Message>(this, std::move(m));
    e->size_ = sizeof(Boxed<Message>);
    return MessagePtr(e);
  }
  size_t live() const { return live_; }

 private:
  friend class Envelope;
  static constexpr size_t kClass = 16, kClasses = 32;
  void* allocate(size_t size);
  void deallocate(void* p, size_t size);
  std::vector<void*> free_[kClasses];
  std::vector<void*> chunks_;
  char* bump_ = nullptr;
  size_t bump_left_ = 0;
  size_t live_ = 0;
};

// A heap-allocated envelope, for code that runs outside a simulation.
template <class Message>
MessagePtr make_message(Message m) {
  auto* e = new Boxed<Message>(nullptr, std::move(m));
  return MessagePtr(e);
}

// Decodes {type name, JSON body} into the protocol's variant; nullopt for an unknown type.
// Throws std::invalid_argument (naming the field) when the body does not fit the type.
template <class Message>
std::optional<Message> decode_message(std::string_view type, const nlohmann::json& body) {
  std::optional<Message> out;
  auto try_one = [&]<size_t I>(std::integral_constant<size_t, I>) {
    using Alt = std::variant_alternative_t<I, Message>;
    if (!out && Alt::type_name == type) {
      Alt alt{};
      from_json_value(body, alt, "message");
      out.emplace(std::in_place_index<I>, std::move(alt));
    }
  };
  [&]<size_t... Is>(std::index_sequence<Is...>) {
    (try_one(std::integral_constant<size_t, Is>{}), ...);
  }(std::make_index_sequence<std::variant_size_v<Message>>{});
  return out;
}

// The names of every alternative of a message variant (for `dsim list`).
template <class Message>
std::vector<std::string_view> message_type_names() {
  return [&]<size_t... Is>(std::index_sequence<Is...>) {
    return std::vector<std::string_view>{std::variant_alternative_t<Is, Message>::type_name...};
  }(std::make_index_sequence<std::variant_size_v<Message>>{});
}

}  // namespace dsim::sim

#include "protocols/saga/broker.h"

#include <algorithm>

#include "protocols/saga/observations.h"
#include "sim/overloaded.h"

namespace dsim::saga {

namespace {
constexpr std::string_view kBrokerLog = "broker";
}  // namespace

sim::NodeId Broker::subscriber(const Event& e) const {
  switch (e.kind) {
    case EventKind::start: return sim::NodeId(1);
    case EventKind::done: return e.step + 1 < services_ ? sim::NodeId(e.step + 2) : e.client;
    case EventKind::failed:
    case EventKind::undone: return e.step > 0 ? sim::NodeId(e.step) : e.client;
  }
  return e.client;
}

void Broker::on_start(sim::Context& ctx) {
  const auto& log = ctx.storage().log<Record>(kBrokerLog);
  for (uint64_t i = log.begin(); i < log.end(); ++i) {
    const Record& r = log.at(i);
    Delivery& d = deliveries_[r.event.key()];
    d.event = r.event;
    if (r.kind != Record::Kind::stored) d.over = true;
    if (r.kind == Record::Kind::dead) ++dead_;
  }
  for (auto& [key, d] : deliveries_)
    if (!d.over) deliver(ctx, d);
}

void Broker::store(sim::Context& ctx, const Event& e) {
  if (deliveries_.contains(e.key())) return;  // idempotent: one event per key
  ctx.storage().log<Record>(kBrokerLog).append(Record{Record::Kind::stored, e});
  ctx.sync();
  ctx.observe(Published{e});
  if (e.kind == EventKind::start) ctx.observe(Begun{e.saga});
  if (e.kind == EventKind::done && e.step + 1 == services_) ctx.observe(Ended{e.saga, true});
  if ((e.kind == EventKind::failed || e.kind == EventKind::undone) && e.step == 0) ctx.observe(Ended{e.saga, false});
  Delivery& d = deliveries_[e.key()];
  d.event = e;
  deliver(ctx, d);
}

void Broker::deliver(sim::Context& ctx, Delivery& d) {
  ++d.attempt;
  send(ctx, subscriber(d.event), Deliver{d.event, d.attempt});
  // The visibility timeout, then (after the first delivery) a jittered exponential back-off.
  int64_t wait = cfg_.visibility_timeout.ns();
  if (d.attempt > 1) {
    const int64_t cap = std::min(cfg_.backoff_max.ns(), cfg_.backoff.ns() << std::min<uint32_t>(d.attempt - 2, 30));
    wait += static_cast<int64_t>(ctx.rng().uniform(static_cast<uint64_t>(cap) + 1));
  }
  set_timer(ctx, sim::Duration::nanos(wait), Redeliver{d.event, subscriber(d.event), d.attempt});
}

void Broker::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const Start& m) {
                   store(ctx, Event{m.saga, EventKind::start, 0, m.amount, m.qty, from});
                   send(ctx, from, Accepted{m.saga});
                 },
                 [&](const Publish& m) {
                   store(ctx, m.event);
                   send(ctx, from, PublishAck{m.event});
                 },
                 [&](const DeliverAck& m) {
                   const auto it = deliveries_.find(m.event.key());
                   if (it == deliveries_.end() || it->second.over || from != subscriber(it->second.event)) return;
                   it->second.over = true;
                   // Not synced: a lost acknowledgement only means one more delivery, which the
                   // subscriber knows by its key.
                   ctx.storage().log<Record>(kBrokerLog).append(Record{Record::Kind::acked, it->second.event});
                 },
                 [&](const auto&) {},
             },
             msg);
}

void Broker::on_timer(sim::Context& ctx, sim::TimerId, const ServerTimer& timer) {
  const Redeliver* r = std::get_if<Redeliver>(&timer);
  if (!r) return;
  const auto it = deliveries_.find(r->event.key());
  if (it == deliveries_.end() || it->second.over || it->second.attempt != r->attempt) return;
  Delivery& d = it->second;
  if (d.attempt >= cfg_.max_deliveries) {
    d.over = true;
    ++dead_;
    ctx.storage().log<Record>(kBrokerLog).append(Record{Record::Kind::dead, d.event});
    ctx.sync();
    ctx.observe(DeadLettered{d.event, r->subscriber});
    return;
  }
  deliver(ctx, d);
}

void Broker::describe(const sim::Context&, nlohmann::json& state) const {
  uint64_t waiting = 0;
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& [key, d] : deliveries_) {
    if (d.over) continue;
    ++waiting;
    if (pending.size() < 8) pending.push_back(d.event.text() + " (delivery " + std::to_string(d.attempt) + ")");
  }
  state["events"] = deliveries_.size();
  state["unacknowledged"] = waiting;
  state["dead_letters"] = dead_;
  state["first_unacknowledged"] = std::move(pending);
}

}  // namespace dsim::saga

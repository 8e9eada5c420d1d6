#include "protocols/saga/service.h"

#include "protocols/saga/observations.h"
#include "sim/overloaded.h"

namespace dsim::saga {

namespace {
// The service's durable store: every change, in order (a step's last record counts).
constexpr std::string_view kServiceRecords = "records";
std::string_view service_record_name(Service::Record r) {
  switch (r) {
    case Service::Record::done: return "done";
    case Service::Record::refused: return "refused";
    case Service::Record::compensated: return "compensated";
    case Service::Record::tombstone: return "compensated before it ran";
  }
  return "?";
}
}  // namespace

void Service::on_start(sim::Context& ctx) {
  // Reload every change that survived (each was synced before anything depending on it left).
  const auto& log = ctx.storage().log<Change>(kServiceRecords);
  for (uint64_t i = log.begin(); i < log.end(); ++i) {
    const Change& c = log.at(i);
    switch (c.kind) {
      case Change::Kind::record: records_[c.saga] = c.record; break;
      case Change::Kind::handled: handled_.insert(c.event.key()); break;
      case Change::Kind::outbox: outbox_[c.event.key()] = c.event; break;
      case Change::Kind::relayed: outbox_.erase(c.event.key()); break;
    }
  }
  if (cfg_.style == Style::choreographed) set_timer(ctx, cfg_.relay, Relay{});
}

void Service::put(sim::Context& ctx, SagaId saga, Record r) {
  records_[saga] = r;
  ctx.storage().log<Change>(kServiceRecords).append(Change{Change::Kind::record, saga, r, {}});
}

bool Service::run_step(sim::Context& ctx, SagaId saga, bool undo, int64_t amount) {
  const auto it = records_.find(saga);
  if (!undo) {
    // Bug non_idempotent_step: the step runs again whatever its record says.
    if (it == records_.end() || cfg_.bugs.non_idempotent_step) {
      if (ctx.rng().bernoulli(cfg_.fail)) {
        put(ctx, saga, Record::refused);
        ctx.observe(Refused{saga, step_, false});
        return true;
      }
      put(ctx, saga, Record::done);
      ctx.observe(Applied{saga, step_, false, amount});
      return false;
    }
    // Done: answered again. Refused, compensated, or compensated before it ran: refused.
    return it->second != Record::done;
  }
  if (it == records_.end()) {
    put(ctx, saga, Record::tombstone);
    ctx.observe(Refused{saga, step_, true});
  } else if (it->second == Record::done) {
    put(ctx, saga, Record::compensated);
    ctx.observe(Applied{saga, step_, true, amount});
  }
  return false;
}

void Service::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const Call& c) {
                   if (c.step == step_) set_timer(ctx, cfg_.work, Work{from, c});
                 },
                 [&](const Deliver& d) {
                   // A redelivery of an event already handled is acknowledged at once.
                   if (handled_.contains(d.event.key()) && !cfg_.bugs.non_idempotent_step)
                     return send(ctx, from, DeliverAck{d.event});
                   set_timer(ctx, cfg_.work, Handle{d.event});
                 },
                 [&](const PublishAck& a) {
                   if (outbox_.erase(a.event.key()) == 0) return;
                   ++relayed_;
                   // Not synced: a relay repeated after a crash is a duplicate the broker ignores.
                   ctx.storage().log<Change>(kServiceRecords).append(Change{Change::Kind::relayed, 0, Record::done, a.event});
                 },
                 [&](const auto&) {},
             },
             msg);
}

int64_t Service::amount_of(const Event& e) const {
  if (name_ == "payment") return e.amount;
  if (name_ == "inventory") return e.qty;
  return 1;
}

void Service::handle(sim::Context& ctx, const Event& e) {
  const sim::NodeId broker(0);
  if (handled_.contains(e.key()) && !cfg_.bugs.non_idempotent_step) return send(ctx, broker, DeliverAck{e});
  const bool step = (e.kind == EventKind::start && step_ == 0) || (e.kind == EventKind::done && e.step + 1 == step_);
  const bool undo = (e.kind == EventKind::failed || e.kind == EventKind::undone) && e.step == step_ + 1;
  if (step || undo) {
    const bool refused = run_step(ctx, e.saga, undo, amount_of(e));
    Event out{e.saga, undo ? EventKind::undone : refused ? EventKind::failed : EventKind::done, step_, e.amount, e.qty, e.client};
    auto& log = ctx.storage().log<Change>(kServiceRecords);
    handled_.insert(e.key());
    log.append(Change{Change::Kind::handled, e.saga, Record::done, e});
    outbox_[out.key()] = out;
    // Bug dual_write: the event is kept in memory only, apart from the state change it reports.
    if (!cfg_.bugs.dual_write) log.append(Change{Change::Kind::outbox, e.saga, Record::done, out});
    ctx.observe(Emitted{out});
  }
  ctx.sync();
  send(ctx, broker, DeliverAck{e});
}

void Service::on_timer(sim::Context& ctx, sim::TimerId, const ServerTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const Work& w) {
                   const bool refused = run_step(ctx, w.call.saga, w.call.undo, w.call.amount);
                   ctx.sync();
                   send(ctx, w.from, Reply{w.call.saga, w.call.step, w.call.undo, refused && !w.call.undo, w.call.attempt});
                 },
                 [&](const Handle& h) { handle(ctx, h.event); },
                 [&](const Relay&) {
                   for (const auto& [key, e] : outbox_) send(ctx, sim::NodeId(0), Publish{e});
                   set_timer(ctx, cfg_.relay, Relay{});
                 },
                 [&](const auto&) {},
             },
             timer);
}

void Service::describe(const sim::Context&, nlohmann::json& state) const {
  state["service"] = name_;
  std::map<std::string, uint64_t> counts;
  for (const auto& [saga, r] : records_) ++counts[std::string(service_record_name(r))];
  state["steps"] = counts;
  if (cfg_.style == Style::choreographed) {
    state["outbox"] = outbox_.size();
    state["relayed"] = relayed_;
  }
}

}  // namespace dsim::saga

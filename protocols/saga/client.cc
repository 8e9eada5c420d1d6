#include "protocols/saga/client.h"

#include "sim/overloaded.h"

namespace dsim::saga {

namespace {
const sim::Duration kSagaResend = sim::Duration::millis(500);
}

void Client::on_start(sim::Context& ctx) { schedule_next(ctx); }

void Client::schedule_next(sim::Context& ctx) {
  if (w_.rate <= 0 || (w_.count > 0 && started_ >= w_.count)) return;
  const double gap_ns = ctx.rng().exponential(1e9 / w_.rate);
  const sim::Time at = ctx.now() + sim::Duration::nanos(1 + static_cast<int64_t>(gap_ns));
  if (w_.stop.ns() > 0 && at >= sim::Time::zero() + w_.stop) return;
  set_timer(ctx, at - ctx.now(), NextSaga{});
}

void Client::on_timer(sim::Context& ctx, sim::TimerId, const ClientTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const NextSaga&) {
                   ++started_;
                   const SagaId id = (static_cast<uint64_t>(ctx.incarnation()) << 48) |
                                     (static_cast<uint64_t>(ctx.self().value - ctx.servers()) << 32) | started_;
                   Start s{id, 1 + static_cast<int64_t>(ctx.rng().uniform(static_cast<uint64_t>(w_.amount_max))),
                           1 + static_cast<int64_t>(ctx.rng().uniform(static_cast<uint64_t>(w_.qty_max)))};
                   pending_[id] = Pending{s, false};
                   send(ctx, sim::NodeId(0), s);
                   set_timer(ctx, kSagaResend, Resend{id});
                   schedule_next(ctx);
                 },
                 [&](const Resend& r) {
                   const auto it = pending_.find(r.saga);
                   if (it == pending_.end() || it->second.accepted) return;
                   send(ctx, sim::NodeId(0), it->second.start);
                   set_timer(ctx, kSagaResend, Resend{r.saga});
                 },
             },
             timer);
}

void Client::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  if (const Accepted* a = std::get_if<Accepted>(&msg)) {
    if (auto it = pending_.find(a->saga); it != pending_.end()) it->second.accepted = true;
  } else if (const Result* r = std::get_if<Result>(&msg)) {
    if (pending_.erase(r->saga) == 0) return;
    ++(r->completed ? completed_ : compensated_);
  } else if (const Deliver* d = std::get_if<Deliver>(&msg)) {
    // Choreography: the saga's last event comes from the broker, at least once.
    send(ctx, from, DeliverAck{d->event});
    if (pending_.erase(d->event.saga) == 0) return;
    ++(d->event.kind == EventKind::done ? completed_ : compensated_);
  }
}

void Client::describe(const sim::Context&, nlohmann::json& state) const {
  state["started"] = started_;
  state["completed"] = completed_;
  state["compensated"] = compensated_;
  state["waiting"] = pending_.size();
}

}  // namespace dsim::saga

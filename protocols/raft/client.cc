#include "protocols/raft/client.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::raft {

void Client::on_start(sim::Context& ctx) {
  // The incarnation keeps a restarted client's sequence numbers from colliding with its past.
  client_id_ = (static_cast<uint64_t>(ctx.incarnation()) << 32) | ctx.self().value;
  leader_guess_ = sim::NodeId(static_cast<uint32_t>(ctx.rng().uniform(ctx.servers())));
  schedule_next(ctx);
}

void Client::schedule_next(sim::Context& ctx) {
  if (w_.rate <= 0) return;
  const double mean_ns = 1e9 / w_.rate;
  ctx.set_timer(sim::Duration::nanos(1 + static_cast<int64_t>(ctx.rng().exponential(mean_ns))), kNextOp);
}

void Client::issue(sim::Context& ctx) {
  ++seq_;
  cmd_ = Command{client_id_, seq_, "", "k" + std::to_string(ctx.rng().uniform(w_.keys)), "", ""};
  const std::string unique = ctx.name(ctx.self()) + "-" + std::to_string(seq_);
  nlohmann::json input;
  if (ctx.rng().bernoulli(w_.read_ratio)) {
    cmd_.op = "get";
  } else {
    const uint64_t pick = ctx.rng().uniform(10);
    cmd_.op = pick < 4 ? "put" : pick < 7 ? "append" : "cas";
    cmd_.value = cmd_.op == "append" ? unique + "," : unique;
    if (cmd_.op == "cas") {
      cmd_.expected = last_seen_[cmd_.key];
      input = nlohmann::json::array({cmd_.expected, cmd_.value});
    } else {
      input = cmd_.value;
    }
  }
  ctx.client_invoke(cmd_.op, cmd_.key, std::move(input));
  in_flight_ = true;
  attempts_ = redirects_ = 0;
  maybe_applied_ = false;
  attempt(ctx);
}

void Client::attempt(sim::Context& ctx) {
  ++attempts_;
  send(ctx, leader_guess_, ClientRequest{cmd_});
  timeout_ = ctx.set_timer(w_.timeout, kTimeout);
}

// Back-off: 10ms doubling up to 160ms, jittered, so clients do not storm a new leader in step.
void Client::retry_later(sim::Context& ctx, bool counts) {
  if (counts && attempts_ >= w_.attempts) {
    // Outcome unknown if any attempt may have reached a leader; otherwise certainly not applied
    // ("fail"). Except cas: sim/check's kv model reads a failed cas as "the comparison did not
    // hold" (Jepsen's convention), which is not what we know here, so a refused cas is "info".
    const bool unknown = maybe_applied_ || cmd_.op == "cas";
    finish(ctx, unknown ? "info" : "fail", nullptr);
    return;
  }
  const int64_t base_ms = 10LL << std::min<uint32_t>(attempts_, 4);
  ctx.cancel_timer(retry_);
  retry_ = ctx.set_timer(sim::Duration::millis(base_ms / 2), sim::Duration::millis(base_ms), kRetry);
}

void Client::finish(sim::Context& ctx, const char* type, nlohmann::json result) {
  ctx.cancel_timer(timeout_);
  ctx.cancel_timer(retry_);
  ctx.client_complete(type, cmd_.op, cmd_.key, std::move(result));
  in_flight_ = false;
  schedule_next(ctx);
}

void Client::on_reply(sim::Context& ctx, const ClientReply& r) {
  if (!in_flight_ || r.seq != seq_) return;  // a late answer to an earlier attempt or operation
  if (r.ok) {
    leader_guess_ = r.leader_hint.value_or(leader_guess_);
    nlohmann::json result;
    if (cmd_.op == "get") {
      result = r.value;
      last_seen_[cmd_.key] = r.value;
    } else if (cmd_.op == "cas") {
      result = r.swapped;
      if (r.swapped) last_seen_[cmd_.key] = cmd_.value;
    } else if (cmd_.op == "put") {
      last_seen_[cmd_.key] = cmd_.value;
    }
    finish(ctx, "ok", std::move(result));
    return;
  }
  // A redirect: this attempt was refused, so it did not take effect.
  ctx.cancel_timer(timeout_);
  if (r.leader_hint && *r.leader_hint != leader_guess_ && ++redirects_ <= 4 * w_.attempts) {
    leader_guess_ = *r.leader_hint;
    ctx.cancel_timer(retry_);
    retry_ = ctx.set_timer(sim::Duration::millis(1), sim::Duration::millis(3), kRetry);
    --attempts_;  // a redirect with a hint is not a failed attempt
    return;
  }
  leader_guess_ = sim::NodeId((leader_guess_.value + 1) % ctx.servers());
  retry_later(ctx, true);
}

void Client::on_message(sim::Context& ctx, sim::NodeId, const Message& msg) {
  if (const auto* r = std::get_if<ClientReply>(&msg)) on_reply(ctx, *r);
}

void Client::on_timer(sim::Context& ctx, sim::Timer timer) {
  switch (timer.tag) {
    case kNextOp:
      issue(ctx);
      return;
    case kTimeout:
      if (!in_flight_ || timer.id != timeout_) return;
      maybe_applied_ = true;
      leader_guess_ = sim::NodeId((leader_guess_.value + 1) % ctx.servers());
      retry_later(ctx, true);
      return;
    case kRetry:
      if (in_flight_ && timer.id == retry_) attempt(ctx);
      return;
    default:
      return;
  }
}

}  // namespace dsim::raft

#include "protocols/pingmesh/node.h"

#include "sim/overloaded.h"

namespace dsim::pingmesh {

void Node::on_start(sim::Context& ctx) {
  const auto phase = sim::Duration::nanos(static_cast<int64_t>(ctx.rng().uniform(static_cast<uint64_t>(interval_.ns()))));
  set_timer(ctx, phase, PingTimer{});
}

void Node::on_timer(sim::Context& ctx, sim::TimerId, const Timer& timer) {
  std::visit(sim::overloaded{
                 [&](const LateReplyTimer&) {  // bug late_reply: answer the oldest held-back ping
                   auto [to, id] = late_replies_.front();
                   late_replies_.erase(late_replies_.begin());
                   send(ctx, to, Reply{id});
                 },
                 [&](const PingTimer&) {
                   // A peer uniform among the other n-1 servers: draw from n-1 and skip ourselves.
                   const uint32_t n = ctx.servers();
                   if (n > 1) {
                     uint32_t peer = static_cast<uint32_t>(ctx.rng().uniform(n - 1));
                     if (peer >= ctx.self().value) ++peer;
                     send(ctx, sim::NodeId(peer), Ping{make_ping_id(ctx.incarnation(), sent_++)});
                   }
                   set_timer(ctx, interval_, PingTimer{});
                 },
             },
             timer);
}

void Node::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const Ping& ping) {
                   if (bugs_.late_reply) {
                     late_replies_.emplace_back(from, ping.id);
                     set_timer(ctx, interval_ * 3, LateReplyTimer{});
                   } else {
                     send(ctx, from, Reply{bugs_.wrong_reply_id ? ping.id + 1 : ping.id});
                   }
                 },
                 [&](const Reply&) {},  // the invariants check replies from the trace
             },
             msg);
}

}  // namespace dsim::pingmesh

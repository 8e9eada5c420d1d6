#include "protocols/pingmesh/invariants.h"

#include <deque>
#include <unordered_map>
#include <vector>

#include "protocols/pingmesh/messages.h"
#include "sim/time.h"

namespace dsim::pingmesh {
namespace {

struct SentPing {
  uint32_t to;
  bool answered;
};

// Pings sent, per sender, keyed by id. Looked up only, never iterated (determinism).
class PingLedger {
 public:
  explicit PingLedger(uint32_t nodes) : by_sender_(nodes) {}
  void sent(sim::NodeId from, sim::NodeId to, uint64_t id) { by_sender_[from.value][id] = SentPing{to.value, false}; }
  SentPing* find(sim::NodeId from, uint64_t id) {
    auto& m = by_sender_[from.value];
    auto it = m.find(id);
    return it == m.end() ? nullptr : &it->second;
  }

 private:
  std::vector<std::unordered_map<uint64_t, SentPing>> by_sender_;
};

class ReplyMatchesPing final : public sim::Invariant {
 public:
  explicit ReplyMatchesPing(uint32_t nodes) : ledger_(nodes) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!ev.msg || (ev.kind != sim::TraceKind::send && ev.kind != sim::TraceKind::deliver)) return;
    const auto& msg = ev.msg->as<Message>();
    if (ev.kind == sim::TraceKind::send) {
      if (const auto* ping = std::get_if<Ping>(&msg)) ledger_.sent(ev.node, ev.peer, ping->id);
    } else if (const auto* reply = std::get_if<Reply>(&msg)) {
      // A reply delivered at ev.node from ev.peer must answer a ping ev.node sent to ev.peer.
      SentPing* p = ledger_.find(ev.node, reply->id);
      if (!p || p->to != ev.peer.value)
        violate(ev, "reply with id " + std::to_string(reply->id) + " matches no ping that this node sent to the replier");
    }
  }

 private:
  PingLedger ledger_;
};

class ReplyWithinBound final : public sim::Invariant {
 public:
  ReplyWithinBound(uint32_t nodes, sim::Duration bound, sim::Time calm_from)
      : ledger_(nodes), bound_(bound), calm_from_(calm_from) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.msg && (ev.kind == sim::TraceKind::send || ev.kind == sim::TraceKind::deliver)) {
      const auto& msg = ev.msg->as<Message>();
      if (ev.kind == sim::TraceKind::send) {
        if (const auto* ping = std::get_if<Ping>(&msg); ping && ev.time >= calm_from_) {
          ledger_.sent(ev.node, ev.peer, ping->id);
          outstanding_.push_back(Outstanding{ev.time, ev.node, ping->id});
        }
      } else if (const auto* reply = std::get_if<Reply>(&msg)) {
        if (SentPing* p = ledger_.find(ev.node, reply->id)) p->answered = true;
      }
    }
    // Pings are sent in time order, so the oldest unanswered one is at the front.
    while (!outstanding_.empty()) {
      const Outstanding& o = outstanding_.front();
      SentPing* p = ledger_.find(o.from, o.id);
      if (p && p->answered) {
        outstanding_.pop_front();
        continue;
      }
      if (ev.time - o.sent > bound_)
        violate(ev, "ping " + std::to_string(o.id) + " sent at " + sim::format_ms(o.sent - sim::Time::zero()) +
                        " is still unanswered after the bound of " + sim::format_ms(bound_));
      break;
    }
  }
  void on_end(sim::Time end) override {
    for (const Outstanding& o : outstanding_) {
      SentPing* p = ledger_.find(o.from, o.id);
      if (p && !p->answered && end - o.sent > bound_) {
        violate_at_end(end, "ping " + std::to_string(o.id) + " was never answered");
        return;
      }
    }
  }

 private:
  struct Outstanding {
    sim::Time sent;
    sim::NodeId from;
    uint64_t id;
  };
  PingLedger ledger_;
  std::deque<Outstanding> outstanding_;
  sim::Duration bound_;
  sim::Time calm_from_;  // pings sent from here on: the last fault has healed
};

// The largest latency of a resolved latency distribution, if it is bounded.
std::optional<sim::Duration> bound_of(const nlohmann::json& latency) {
  const std::string dist = latency.at("dist").get<std::string>();
  const char* key = dist == "constant" ? "value" : dist == "uniform" ? "max" : nullptr;
  if (!key) return std::nullopt;
  return sim::parse_duration(latency.at(key).get<std::string>(), nullptr);
}

}  // namespace

std::unique_ptr<sim::Invariant> make_reply_matches_ping(const sim::InvariantEnv& env) {
  return std::make_unique<ReplyMatchesPing>(env.topology->size());
}

std::unique_ptr<sim::Invariant> make_reply_within_bound(const sim::InvariantEnv& env) {
  const nlohmann::json& s = *env.scenario;
  const nlohmann::json& net = s.at("network");
  // Faults lose and delay pings at will; once the last one has healed the bound holds again,
  // so only pings sent from then on are timed.
  sim::Time calm_from = sim::Time::zero();
  if (env.healing.any_faults) {
    const sim::Healing::LastHeal heal = env.healing.last_heal(false, "pingmesh");
    if (!heal.at) return sim::skipped_invariant(heal.why_not);
    calm_from = sim::Time::zero() + *heal.at;
  }
  if (net.at("loss").get<double>() > 0) return sim::skipped_invariant("the network is lossy");
  // The largest latency over the default and every link override; 0 marks "unbounded".
  int64_t bound_ns = bound_of(net.at("latency")).value_or(sim::Duration{}).ns();
  for (const auto& link : net.at("links")) {
    if (link.at("loss").get<double>() > 0) return sim::skipped_invariant("a link is lossy");
    const auto b = bound_of(link.at("latency"));
    bound_ns = (b && bound_ns > 0) ? std::max(bound_ns, b->ns()) : 0;
  }
  const std::optional<sim::Duration> bound =
      bound_ns > 0 ? std::optional(sim::Duration::nanos(bound_ns)) : std::nullopt;
  if (!bound) return sim::skipped_invariant("a latency distribution is unbounded");
  return std::make_unique<ReplyWithinBound>(env.topology->size(), *bound * 2, calm_from);
}

}  // namespace dsim::pingmesh

// A client node of the replicated key-value service (kv.h), for any protocol whose messages
// are the variant `Message` with a request type `Request` (built as Request{command}) and a
// reply type `Reply` (fields client, seq, ok, leader_hint, value, swapped, held): Raft's and
// Multi-Paxos's clients are this one class.
//
// The node hosts `concurrency` logical processes, in the Jepsen sense: each process has one
// operation outstanding at a time and its own session (its own client id and sequence
// numbers), so a retried command still applies exactly once (the servers' session table)
// while the node as a whole keeps several operations in flight.
//
// Operations arrive open-loop at an average `rate` per second per node (exponential gaps, or
// exactly 1/rate apart with "arrivals": "periodic"; at most `count` when it is set), on keys
// k0..k(N-1). An arrival takes the lowest-numbered idle process; when every process is
// busy the operation is skipped and an op_skipped observation says so (the summary counts
// them), rather than silently queueing and under-reporting the offered load.
//
// A process finds the leader through redirects (the hint is shared by the node's processes),
// retries with back-off, and records its history with its process index: invoke, then ok,
// fail (no attempt can have taken effect: every one was refused) or info (an attempt timed
// out, so it may or may not have taken effect). Only the answer to the latest attempt, from
// the server it went to, counts: a late refusal of an earlier attempt (a duplicated request
// answered twice) once ended an attempt a new leader then applied, and "fail" was a lie (a
// 10,000-seed Paxos swarm, seed 2401). A refusal from a server that holds the command (Reply's
// `held`: applied, or in its log unapplied, as when a duplicated request reaches a server that
// proposed it before losing the lead or restarting) makes the outcome info: it may yet apply
// (seed 9238 of a 10,000-seed Paxos swarm with crash points). A gap remains: a copy of a
// refused request can reach a server that has become leader since, which "fail" ignores;
// reporting every give-up as info instead made the linearizability check 100x slower on the
// Raft swarm, and no seed has shown the case.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/common/kv.h"
#include "sim/overloaded.h"
#include "sim/process.h"

namespace dsim::kv {

template <class Message, class Request, class Reply>
class Client final : public sim::ProcessOf<Message, ClientTimer> {
  using Base = sim::ProcessOf<Message, ClientTimer>;

 public:
  explicit Client(Workload w) : w_(w) {}

  // The session id of logical process `process` of client node `node` in incarnation
  // `incarnation`: distinct per process, and the incarnation keeps a restarted client's
  // sequence numbers from colliding with its past.
  static SessionId session_id(uint32_t incarnation, uint32_t process, uint32_t node) {
    return SessionId{(static_cast<uint64_t>(incarnation) << 40) | (static_cast<uint64_t>(process) << 32) | node};
  }

  void on_start(sim::Context& ctx) override {
    sessions_.resize(w_.concurrency);
    for (uint32_t p = 0; p < w_.concurrency; ++p) {
      sessions_[p].index = p;
      sessions_[p].client_id = session_id(ctx.incarnation(), p, ctx.self().value);
    }
    leader_guess_ = sim::NodeId(static_cast<uint32_t>(ctx.rng().uniform(ctx.servers())));
    schedule_next(ctx);
  }

  // Only the reply is for a client; the servers' own messages never reach one.
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override {
    if (const Reply* r = std::get_if<Reply>(&msg)) on_reply(ctx, from, *r);
  }

  // A timer whose id is no longer its process's current one belongs to an attempt or an
  // operation that is over: it does nothing.
  void on_timer(sim::Context& ctx, sim::TimerId id, const ClientTimer& timer) override {
    std::visit(sim::overloaded{
                   [&](const NextOpTimer&) { arrive(ctx); },
                   [&](const AttemptTimeout& t) {
                     Session* s = in_flight(t.process);
                     if (!s || id != s->timeout) return;
                     s->answered = true;  // a refusal arriving now is too late to count
                     s->maybe_applied = true;
                     give_up_on(ctx, s->sent_to);
                     retry_later(ctx, *s, true);
                   },
                   [&](const RetryTimer& t) {
                     if (Session* s = in_flight(t.process); s && id == s->retry) attempt(ctx, *s);
                   },
               },
               timer);
  }

  // For people (`dsim state`): the server believed to lead, and each process's operation in flight.
  void describe(const sim::Context& ctx, nlohmann::json& state) const override {
    state["leader_guess"] = leader_guess_.valid() ? nlohmann::json(ctx.name(leader_guess_)) : nlohmann::json(nullptr);
    nlohmann::json ops(nlohmann::json::value_t::object);
    for (const Session& s : sessions_) {
      if (!s.in_flight) continue;
      std::string op = std::string(sim::enum_name(s.cmd.op)) + " " + s.cmd.key;
      if (s.sent_to.valid()) op += " at " + ctx.name(s.sent_to);
      op += " (attempt " + std::to_string(s.attempts) + ")";
      std::string process = "p";  // (appended: GCC 12 -O2 warns falsely on "p" + to_string(...))
      process += std::to_string(s.index);
      ops[process] = op;
    }
    state["in_flight"] = std::move(ops);
  }

 private:
  // One logical process: at most one operation in flight.
  struct Session {
    uint32_t index = 0;  // the process index within this node, recorded in the history
    SessionId client_id;
    uint64_t seq = 0;
    bool in_flight = false;  // an operation is invoked and not completed
    Command cmd;
    uint32_t attempts = 0, redirects = 0;
    bool answered = false;  // the latest attempt was refused already
    bool maybe_applied = false;
    sim::NodeId sent_to;  // the server of the latest attempt
    sim::TimerId timeout, retry;
  };

  // Open loop: the next arrival is drawn when this one arrives, whatever became of it.
  // Periodic arrivals draw nothing, so a scenario can time its faults against given operations.
  void schedule_next(sim::Context& ctx) {
    if (w_.rate <= 0 || (w_.count > 0 && arrivals_ >= w_.count)) return;
    const double mean_ns = 1e9 / w_.rate;
    const double gap_ns = w_.periodic ? mean_ns : ctx.rng().exponential(mean_ns);
    this->set_timer(ctx, sim::Duration::nanos((w_.periodic ? 0 : 1) + static_cast<int64_t>(gap_ns)), NextOpTimer{});
  }

  void arrive(sim::Context& ctx) {
    ++arrivals_;
    schedule_next(ctx);
    for (Session& s : sessions_) {
      if (!s.in_flight) {
        issue(ctx, s);
        return;
      }
    }
    // Every process is busy: the offered operation is not run. Counted in the run summary so a
    // workload that cannot reach its rate says so.
    ctx.observe(OpSkipped{w_.concurrency});
  }

  void issue(sim::Context& ctx, Session& s) {
    ++s.seq;
    s.cmd = Command{s.client_id, s.seq, Op::get, "k" + std::to_string(ctx.rng().uniform(w_.keys)), "", ""};
    const std::string unique = ctx.name(ctx.self()) + "p" + std::to_string(s.index) + "-" + std::to_string(s.seq);
    nlohmann::json input;
    if (ctx.rng().bernoulli(w_.read_ratio)) {
      s.cmd.op = Op::get;
    } else {
      const uint64_t pick = ctx.rng().uniform(10);
      s.cmd.op = pick < 4 ? Op::put : pick < 7 ? Op::append : Op::cas;
      s.cmd.value = s.cmd.op == Op::append ? unique + "," : unique;
      if (s.cmd.op == Op::cas) {
        s.cmd.expected = last_seen_[s.cmd.key];
        input = nlohmann::json::array({s.cmd.expected, s.cmd.value});
      } else {
        input = s.cmd.value;
      }
    }
    ctx.client_invoke(client_op(s.cmd.op), s.cmd.key, std::move(input), s.index);
    s.in_flight = true;
    s.attempts = s.redirects = 0;
    s.maybe_applied = false;
    attempt(ctx, s);
  }

  void attempt(sim::Context& ctx, Session& s) {
    ++s.attempts;
    s.answered = false;
    s.sent_to = leader_guess_;
    this->send(ctx, leader_guess_, Request{s.cmd});
    s.timeout = this->set_timer(ctx, w_.timeout, AttemptTimeout{s.index});
  }

  // Back-off: 10ms doubling up to 160ms, jittered, so clients do not storm a new leader in step.
  void retry_later(sim::Context& ctx, Session& s, bool counts) {
    if (counts && s.attempts >= w_.attempts) {
      // Outcome unknown if any attempt may have reached a leader; otherwise not applied
      // ("fail"). Except cas: sim/check's kv model reads a failed cas as "the comparison did not
      // hold" (Jepsen's convention), which is not what we know here, so a refused cas is "info".
      const bool unknown = s.maybe_applied || s.cmd.op == Op::cas;
      finish(ctx, s, unknown ? sim::Completion::info : sim::Completion::fail, nullptr);
      return;
    }
    const int64_t base_ms = 10LL << std::min<uint32_t>(s.attempts, 4);
    ctx.cancel_timer(s.retry);
    s.retry = this->set_timer(ctx, sim::Duration::millis(base_ms / 2), sim::Duration::millis(base_ms), RetryTimer{s.index});
  }

  void finish(sim::Context& ctx, Session& s, sim::Completion how, nlohmann::json result) {
    ctx.cancel_timer(s.timeout);
    ctx.cancel_timer(s.retry);
    ctx.client_complete(how, client_op(s.cmd.op), s.cmd.key, std::move(result), s.index);
    s.in_flight = false;
  }

  void on_reply(sim::Context& ctx, sim::NodeId from, const Reply& r) {
    const uint64_t p = r.client.process();
    if (p >= sessions_.size()) return;
    Session& s = sessions_[p];
    // A late answer to an earlier attempt or operation, or to an earlier incarnation's session.
    if (!s.in_flight || r.client != s.client_id || r.seq != s.seq) return;
    if (r.ok) {
      leader_guess_ = r.leader_hint.value_or(leader_guess_);
      nlohmann::json result;
      if (s.cmd.op == Op::get) {
        result = r.value;
        last_seen_[s.cmd.key] = r.value;
      } else if (s.cmd.op == Op::cas) {
        result = r.swapped;
        if (r.swapped) last_seen_[s.cmd.key] = s.cmd.value;
      } else if (s.cmd.op == Op::put) {
        last_seen_[s.cmd.key] = s.cmd.value;
      }
      finish(ctx, s, sim::Completion::ok, std::move(result));
      return;
    }
    // A refusal. Only the first answer to the latest attempt, from the server it went to,
    // counts: a duplicated redirect (the network copies messages) must not send a second
    // retry nor count the attempt back twice, and a late refusal of an earlier attempt says
    // nothing of the latest one.
    if (s.answered || from != s.sent_to) return;
    s.answered = true;
    if (r.held) s.maybe_applied = true;  // "not here", not "not applied"
    ctx.cancel_timer(s.timeout);
    if (r.leader_hint && *r.leader_hint != s.sent_to && ++s.redirects <= 4 * w_.attempts) {
      leader_guess_ = *r.leader_hint;
      ctx.cancel_timer(s.retry);
      s.retry = this->set_timer(ctx, sim::Duration::millis(1), sim::Duration::millis(3), RetryTimer{s.index});
      --s.attempts;  // a redirect with a hint is not a failed attempt
      return;
    }
    give_up_on(ctx, s.sent_to);
    retry_later(ctx, s, true);
  }

  // The node's processes share one guess: once one of them learns the leader, all use it. So
  // a process whose attempt failed only moves the guess on if nobody has moved it since.
  void give_up_on(const sim::Context& ctx, sim::NodeId server) {
    if (leader_guess_ == server) leader_guess_ = sim::NodeId((server.value + 1) % ctx.servers());
  }

  // Logical process `process` if it has an operation in flight, else nullptr.
  Session* in_flight(uint32_t process) {
    if (process >= sessions_.size() || !sessions_[process].in_flight) return nullptr;
    return &sessions_[process];
  }

  Workload w_;
  std::vector<Session> sessions_;
  sim::NodeId leader_guess_;
  std::map<std::string, std::string> last_seen_;  // per key: the value we last read or wrote (cas input)
  uint64_t arrivals_ = 0;                          // operations offered so far (workload "count")
};

}  // namespace dsim::kv

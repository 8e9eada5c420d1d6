#include "protocols/quorum/client.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::quorum {

void Client::on_start(sim::Context& ctx) {
  std::vector<sim::NodeId> members;
  for (uint32_t i = 0; i + joiners_ < ctx.servers(); ++i) members.push_back(sim::NodeId(i));
  ring_ = Ring(members, vnodes_);
  sessions_.resize(w_.concurrency);
  for (uint32_t p = 0; p < w_.concurrency; ++p) {
    sessions_[p].index = p;
    sessions_[p].id = SessionId{(static_cast<uint64_t>(ctx.incarnation()) << 40) | (static_cast<uint64_t>(p) << 32) | ctx.self().value};
  }
  schedule_next(ctx);
}

void Client::schedule_next(sim::Context& ctx) {
  if (w_.rate <= 0 || (w_.count > 0 && arrivals_ >= w_.count)) return;
  const double gap_ns = ctx.rng().exponential(1e9 / w_.rate);
  set_timer(ctx, sim::Duration::nanos(1 + static_cast<int64_t>(gap_ns)), NextOp{});
}

void Client::arrive(sim::Context& ctx) {
  ++arrivals_;
  schedule_next(ctx);
  if (w_.experiment == Experiment::pbs) {
    Session& s = sessions_.front();
    if (!s.in_flight && !s.pbs_waiting) return start_trial(ctx, s);
    ctx.observe(kv::OpSkipped{1});
    return;
  }
  for (Session& s : sessions_) {
    if (!s.in_flight) return issue(ctx, s);
  }
  ctx.observe(kv::OpSkipped{w_.concurrency});
}

void Client::issue(sim::Context& ctx, Session& s) {
  ++s.seq;
  const bool sweeping = w_.writes_stop.ns() > 0 && ctx.now() >= sim::Time::zero() + w_.writes_stop;
  if (sweeping) {
    s.write = false;
    s.key = "k" + std::to_string(sweep_++ % w_.keys);
  } else {
    s.key = "k" + std::to_string(ctx.rng().uniform(w_.keys));
    s.write = !ctx.rng().bernoulli(w_.read_ratio);
  }
  send_request(ctx, s);
}

void Client::start_trial(sim::Context& ctx, Session& s) {
  ++s.seq;
  ++trials_;
  s.pbs_t = static_cast<int64_t>((trials_ - 1) % w_.pbs_t_points) * w_.pbs_t_step.ns();
  s.pbs_k = 1 + static_cast<uint32_t>(((trials_ - 1) / w_.pbs_t_points) % w_.pbs_versions);
  s.pbs_dots.clear();
  s.key = "pbs-" + ctx.name(ctx.self()) + "-" + std::to_string(trials_);
  s.write = true;
  send_request(ctx, s);
}

void Client::send_request(sim::Context& ctx, Session& s) {
  if (w_.routing == Routing::key) {
    s.sent_to = ring_.home(s.key, 1).front();
  } else if (w_.routing == Routing::outside && ctx.servers() > n_) {
    const std::vector<sim::NodeId> home = ring_.home(s.key, n_);
    std::vector<sim::NodeId> others;
    for (uint32_t i = 0; i < ctx.servers(); ++i)
      if (std::find(home.begin(), home.end(), sim::NodeId(i)) == home.end()) others.push_back(sim::NodeId(i));
    s.sent_to = others[ctx.rng().uniform(others.size())];
  } else {
    s.sent_to = sim::NodeId(static_cast<uint32_t>(ctx.rng().uniform(ctx.servers())));
  }
  s.in_flight = true;
  if (s.write) {
    s.value = ctx.name(ctx.self()) + "p" + std::to_string(s.index) + "-" + std::to_string(s.seq);
    ctx.client_invoke(sim::ClientOp::put, s.key, s.value, s.index);
    send(ctx, s.sent_to, ClientPut{s.id, s.seq, s.key, s.value, s.contexts[s.key], false});
  } else {
    ctx.client_invoke(sim::ClientOp::get, s.key, nullptr, s.index);
    send(ctx, s.sent_to, ClientGet{s.id, s.seq, s.key});
  }
  s.timeout = set_timer(ctx, w_.timeout, ClientTimeout{s.index});
}

void Client::finish(sim::Context& ctx, Session& s, sim::Completion how, nlohmann::json result) {
  ctx.cancel_timer(s.timeout);
  ctx.client_complete(how, s.write ? sim::ClientOp::put : sim::ClientOp::get, s.key, std::move(result), s.index);
  s.in_flight = false;
}

void Client::on_message(sim::Context& ctx, sim::NodeId, const Message& msg) {
  const ClientReply* r = std::get_if<ClientReply>(&msg);
  if (!r || r->client.process() >= sessions_.size()) return;
  Session& s = sessions_[r->client.process()];
  if (!s.in_flight || r->client != s.id || r->seq != s.seq) return;  // late: an operation that is over
  if (!r->ok) {
    // A refused write may still have been stored by some replicas.
    return finish(ctx, s, s.write ? sim::Completion::info : sim::Completion::fail, nullptr);
  }
  s.contexts[s.key] = r->context;
  if (s.write) {
    if (!r->dots.empty()) ctx.observe(PutOk{s.key, r->dots.front(), s.index});
    finish(ctx, s, sim::Completion::ok, nullptr);
    if (w_.experiment == Experiment::pbs && !r->dots.empty()) {
      s.pbs_dots.push_back(r->dots.front());
      if (s.pbs_dots.size() < s.pbs_k) {
        // The trial's next version, written with the context of the one before (it follows it).
        ++s.seq;
        return send_request(ctx, s);
      }
      // The last version committed: read the key t later.
      s.pbs_waiting = true;
      set_timer(ctx, sim::Duration::nanos(s.pbs_t), PbsRead{s.pbs_t});
    }
    return;
  }
  ctx.observe(GetOk{s.key, r->dots, s.index});
  if (w_.experiment == Experiment::pbs) {
    // The key is the trial's own, so any version read is one of its k: fresh (within the last k).
    const bool fresh = std::any_of(r->dots.begin(), r->dots.end(), [&](const Dot& d) {
      return std::find(s.pbs_dots.begin(), s.pbs_dots.end(), d) != s.pbs_dots.end();
    });
    ctx.observe(PbsTrial{s.pbs_t, s.pbs_k, fresh});
  }
  nlohmann::json result;
  if (r->values.size() == 1) {
    result = r->values.front();
  } else if (r->values.size() > 1) {
    result = r->values;
  }
  finish(ctx, s, sim::Completion::ok, std::move(result));
}

void Client::on_timer(sim::Context& ctx, sim::TimerId id, const ClientTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const NextOp&) { arrive(ctx); },
                 [&](const PbsRead&) {
                   Session& s = sessions_.front();
                   if (!s.pbs_waiting || s.in_flight) return;
                   s.pbs_waiting = false;
                   ++s.seq;
                   s.write = false;
                   send_request(ctx, s);
                 },
                 [&](const ClientTimeout& t) {
                   if (t.process >= sessions_.size()) return;
                   Session& s = sessions_[t.process];
                   if (!s.in_flight || id != s.timeout) return;
                   finish(ctx, s, s.write ? sim::Completion::info : sim::Completion::fail, nullptr);
                 },
             },
             timer);
}

void Client::describe(const sim::Context& ctx, nlohmann::json& state) const {
  nlohmann::json ops(nlohmann::json::value_t::object);
  for (const Session& s : sessions_) {
    if (!s.in_flight) continue;
    std::string process = "p";
    process += std::to_string(s.index);
    ops[process] = std::string(s.write ? "put " : "get ") + s.key + " at " + ctx.name(s.sent_to);
  }
  state["in_flight"] = std::move(ops);
}

}  // namespace dsim::quorum

// A Paxos server: recovery, the acceptor, the proposer (phase 1, phase 2, leadership), the
// learner and the clients' side. Section numbers: PMS = Lamport, "Paxos Made Simple" (2001);
// PMMC = van Renesse & Altinbuken, "Paxos Made Moderately Complex" (2015); FPaxos = Howard,
// Malkhi & Spiegelman, "Flexible Paxos" (2016).
#include "protocols/paxos/node.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::paxos {
namespace {

constexpr const char* kAcceptedLog = "accepted";
constexpr const char* kChosenLog = "chosen";

nlohmann::json ballot_json(const Ballot& b) { return nlohmann::json::array({b.round, b.node.value}); }
Ballot ballot_from(const nlohmann::json& j) {
  return Ballot{j.at(0).get<uint64_t>(), sim::NodeId(j.at(1).get<uint32_t>())};
}

}  // namespace

Command Node::own_value(const sim::Context& ctx) {
  return Command{SessionId{ctx.self().value}, 1, Op::put, "x", "v-" + ctx.name(ctx.self()), ""};
}

// PMS §2.3: "an acceptor must remember this information even if it fails and then restarts":
// the promise, and every value accepted (an append-only log; the latest record of a slot wins).
// The learner's decisions are durable too, and the state machine is rebuilt by applying them.
void Node::on_start(sim::Context& ctx) {
  sim::Storage& s = ctx.storage();
  if (const auto* p = s.get("promised")) promised_ = ballot_from(*p);
  const auto& acc = s.log<AcceptedEntry>(kAcceptedLog);
  for (uint64_t i = acc.begin(); i < acc.end(); ++i) accepted_[acc.at(i).slot] = acc.at(i);
  const auto& dec = s.log<Decision>(kChosenLog);
  for (uint64_t i = dec.begin(); i < dec.end(); ++i) chosen_[dec.at(i).slot] = dec.at(i).command;
  while (chosen_.count(first_unchosen_)) ++first_unchosen_;
  note_round(promised_);
  for (const auto& [slot, e] : accepted_) note_round(e.ballot);
  ctx.observe(Recovered{promised_, accepted_.size(), chosen_.size(), first_unchosen_});
  apply_chosen(ctx);

  const bool proposer = cfg_.may_propose(ctx.self().value);
  if (single()) {
    if (chosen_.count(1)) return;
    if (proposer) arm_propose(ctx, cfg_.retry_min, cfg_.retry_max);
    catch_up_timer_ = set_timer(ctx, cfg_.leader_timeout_max, CatchUpTimer{});
  } else if (proposer) {
    arm_propose(ctx, cfg_.leader_timeout_min, cfg_.leader_timeout_max);
  }
}

void Node::arm_propose(sim::Context& ctx, sim::Duration lo, sim::Duration hi) {
  ctx.cancel_timer(propose_timer_);
  propose_timer_ = set_timer(ctx, lo, hi, ProposeTimer{});
}

void Node::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const Prepare& m) { send(ctx, from, handle_prepare(ctx, m)); },
                 [&](const Promise& m) { on_promise(ctx, from, m); },
                 [&](const Accept& m) { answer_accepted(ctx, from, handle_accept(ctx, from, m)); },
                 [&](const Accepted& m) { on_accepted(ctx, from, m); },
                 [&](const Decide& m) { learn(ctx, m.slot, m.command); },
                 [&](const Heartbeat& m) { on_heartbeat(ctx, from, m); },
                 [&](const Nack& m) {
                   note_round(m.promised);
                   preempted(ctx, m.promised);
                 },
                 [&](const CatchUp& m) { on_catch_up(ctx, from, m); },
                 [&](const ClientRequest& m) { on_client_request(ctx, from, m); },
                 sim::ignored<ClientReply>{},  // a client's
             },
             msg);
}

void Node::on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const ProposeTimer&) {
                   if (id != propose_timer_ || !std::holds_alternative<Idle>(role_)) return;
                   if (single() && chosen_.count(1)) return;
                   start_phase1(ctx);
                 },
                 [&](const HeartbeatTimer&) {
                   if (const Leading* l = std::get_if<Leading>(&role_); l && id == l->timer) heartbeat(ctx);
                 },
                 [&](const PhaseTimer& t) {
                   const Ballot* b = active_ballot();
                   if (!b || b->round != t.round) return;
                   const sim::TimerId current = std::holds_alternative<Preparing>(role_) ? std::get<Preparing>(role_).timer
                                                                                         : std::get<Leading>(role_).timer;
                   if (id != current) return;
                   back_off(ctx);
                 },
                 [&](const CatchUpTimer&) {
                   if (id != catch_up_timer_ || chosen_.count(1)) return;
                   for (uint32_t n = 0; n < ctx.servers(); ++n)
                     if (n != ctx.self().value) send(ctx, sim::NodeId(n), CatchUp{1});
                   catch_up_timer_ = set_timer(ctx, cfg_.leader_timeout_max, CatchUpTimer{});
                 },
             },
             timer);
}

// ---------------------------------------------------------------------------------------------
// Acceptor.

// Records a higher promise durably before any answer leaves (the runtime syncs before sends).
// Bug forget_promise: the promise lives only in memory (PMS §2.3 says it must not).
void Node::raise_promise(sim::Context& ctx, Ballot b) {
  promised_ = b;
  if (!cfg_.bugs.forget_promise) {
    ctx.storage().put("promised", ballot_json(b));
    ctx.sync();
  }
  ctx.observe(Promised{b});
  if (const Ballot* mine = active_ballot(); mine && *mine < b) preempted(ctx, b);
}

// PMS §2.2 phase 1(b): "If an acceptor receives a prepare request with number n greater than
// that of any prepare request to which it has already responded, then it responds to the
// request with a promise not to accept any more proposals numbered less than n and with the
// highest-numbered proposal (if any) that it has accepted." A repeated prepare of the ballot
// already promised gets the same answer.
Promise Node::handle_prepare(sim::Context& ctx, const Prepare& m) {
  note_round(m.ballot);
  Promise reply{m.ballot, false, promised_, {}};
  if (m.ballot < promised_) return reply;
  if (promised_ < m.ballot) {
    raise_promise(ctx, m.ballot);
    // Multi: a candidate with a higher ballot is running phase 1; give it a leader timeout to
    // finish before competing with it (else near-simultaneous timeouts pre-empt each other).
    if (!single() && std::holds_alternative<Idle>(role_) && m.ballot.node != ctx.self() &&
        cfg_.may_propose(ctx.self().value))
      arm_propose(ctx, cfg_.leader_timeout_min, cfg_.leader_timeout_max);
  }
  reply.ok = true;
  reply.promised = promised_;
  for (auto it = accepted_.lower_bound(m.first_slot); it != accepted_.end(); ++it) reply.accepted.push_back(it->second);
  return reply;
}

// PMS §2.2 phase 2(b): "If an acceptor receives an accept request for a proposal numbered n, it
// accepts the proposal unless it has already responded to a prepare request having a number
// greater than n" (P1a). Accepting n is also a promise of n.
Accepted Node::handle_accept(sim::Context& ctx, sim::NodeId from, const Accept& m) {
  note_round(m.ballot);
  Accepted reply{m.ballot, m.slot, false, promised_, {}};
  // Bug accept_lower_ballot: P1a is not checked.
  if (m.ballot < promised_ && !cfg_.bugs.accept_lower_ballot) return reply;
  if (promised_ < m.ballot) raise_promise(ctx, m.ballot);
  AcceptedEntry e{m.slot, m.ballot, m.command};
  ctx.storage().log<AcceptedEntry>(kAcceptedLog).append(e);
  ctx.sync();
  if (ctx.observing()) ctx.observe(AcceptedValue{m.slot, m.ballot, kv::digest(m.command)});
  accepted_[m.slot] = std::move(e);
  reply.ok = true;
  reply.promised = promised_;
  reply.command = m.command;
  // Multi: an accept request of the promised ballot comes from the current leader.
  if (!single() && m.ballot == promised_ && from != ctx.self()) {
    leader_ = from;
    if (std::holds_alternative<Idle>(role_) && cfg_.may_propose(ctx.self().value))
      arm_propose(ctx, cfg_.leader_timeout_min, cfg_.leader_timeout_max);
  }
  return reply;
}

// Multi: the acceptance goes to the proposer. Single: to every learner (PMS §2.3), this one too.
void Node::answer_accepted(sim::Context& ctx, sim::NodeId proposer, const Accepted& reply) {
  if (!single() || !reply.ok) {
    if (proposer == ctx.self()) on_accepted(ctx, proposer, reply);
    else send(ctx, proposer, reply);
    return;
  }
  for (uint32_t n = 0; n < ctx.servers(); ++n)
    if (n != ctx.self().value) send(ctx, sim::NodeId(n), reply);
  on_accepted(ctx, ctx.self(), reply);
}

// ---------------------------------------------------------------------------------------------
// Proposer.

const Ballot* Node::active_ballot() const {
  if (const auto* p = std::get_if<Preparing>(&role_)) return &p->ballot;
  if (const auto* l = std::get_if<Leading>(&role_)) return &l->ballot;
  return nullptr;
}

// PMS §2.2 phase 1(a), with a ballot above every one seen (PMMC: "a leader ... increments the
// round of its ballot"). The proposer's own acceptor promises first, locally.
void Node::start_phase1(sim::Context& ctx) {
  ctx.cancel_timer(propose_timer_);
  const Ballot b{std::max(max_round_, promised_.round) + 1, ctx.self()};
  Preparing p;
  p.ballot = b;
  p.first_slot = single() ? 1 : first_unchosen_;
  p.promised_by.assign(ctx.servers(), false);
  p.timer = set_timer(ctx, cfg_.phase_timeout, PhaseTimer{b.round});
  const Prepare prepare{b, p.first_slot};
  role_ = std::move(p);
  ctx.observe(PrepareStarted{b, prepare.first_slot});
  for (uint32_t n = 0; n < ctx.servers(); ++n)
    if (n != ctx.self().value) send(ctx, sim::NodeId(n), prepare);
  on_promise(ctx, ctx.self(), handle_prepare(ctx, prepare));
}

void Node::on_promise(sim::Context& ctx, sim::NodeId from, const Promise& m) {
  note_round(m.promised);
  auto* p = std::get_if<Preparing>(&role_);
  if (!m.ok) {
    if (p && p->ballot < m.promised) preempted(ctx, m.promised);
    return;
  }
  if (!p || m.ballot != p->ballot || from.value >= p->promised_by.size() || p->promised_by[from.value]) return;
  p->promised_by[from.value] = true;
  ++p->promises;
  // PMS §2.2 phase 2(a): "v is the value of the highest-numbered proposal among the responses".
  for (const AcceptedEntry& e : m.accepted) {
    auto [it, inserted] = p->highest.try_emplace(e.slot, e);
    if (!inserted && it->second.ballot < e.ballot) it->second = e;
  }
  if (p->promises >= q1(ctx)) phase1_done(ctx);
}

// A phase-1 quorum promised (FPaxos: any |Q1| acceptors). Multi: for every slot from the first
// unchosen one up to the highest reported, re-propose the highest-ballot value reported, or a
// no-op where none was (PMMC §3, "the leader ... fills gaps with no-ops"; PMS §3: "it proposes
// ... a special 'no-op' command that leaves the state unchanged"); new commands go after.
void Node::phase1_done(sim::Context& ctx) {
  Preparing p = std::move(std::get<Preparing>(role_));
  ctx.cancel_timer(p.timer);
  uint64_t last = p.first_slot - 1;
  if (!p.highest.empty()) last = std::max(last, p.highest.rbegin()->first);
  if (single()) last = 1;
  role_ = Leading{};
  Leading& l = std::get<Leading>(role_);
  l.ballot = p.ballot;
  l.next_slot = last + 1;
  ctx.observe(BecameLeader{l.ballot, p.first_slot, l.next_slot});
  if (single()) {
    l.timer = set_timer(ctx, cfg_.phase_timeout, PhaseTimer{l.ballot.round});
    auto it = p.highest.find(1);
    // Bug ignore_accepted: the reported value is ignored; the proposer's own goes in its place.
    if (it != p.highest.end() && !cfg_.bugs.ignore_accepted) propose(ctx, l, 1, it->second.command, false);
    else propose(ctx, l, 1, own_value(ctx), true);
    return;  // `l` may be gone: learning ends the proposer's role
  }
  leader_ = ctx.self();
  for (uint64_t slot = p.first_slot; slot <= last; ++slot) {
    if (chosen_.count(slot)) continue;
    auto it = p.highest.find(slot);
    // Bug ignore_accepted: the reported values are ignored; a no-op goes in their place.
    if (it != p.highest.end() && !cfg_.bugs.ignore_accepted) propose(ctx, l, slot, it->second.command, false);
    else propose(ctx, l, slot, Command{}, true);
  }
  heartbeat(ctx);  // announces the leader at once and arms the next heartbeat
}

// Phase 2(a) for one slot: accept requests to every acceptor, this one included (locally).
void Node::propose(sim::Context& ctx, Leading& l, uint64_t slot, Command command, bool fresh) {
  if (ctx.observing()) ctx.observe(Proposed{slot, l.ballot, kv::digest(command), fresh});
  l.proposals[slot] = Proposal{command, ctx.now()};
  send_accepts(ctx, l, slot, command);
}

void Node::send_accepts(sim::Context& ctx, const Leading& l, uint64_t slot, const Command& command) {
  const Accept a{l.ballot, slot, command};
  const auto t = tally_.find(slot);
  for (uint32_t n = 0; n < ctx.servers(); ++n) {
    if (n == ctx.self().value) continue;
    if (t != tally_.end() && t->second.ballot == l.ballot && t->second.from[n]) continue;  // already accepted
    send(ctx, sim::NodeId(n), a);
  }
  if (t == tally_.end() || t->second.ballot != l.ballot || !t->second.from[ctx.self().value])
    answer_accepted(ctx, ctx.self(), handle_accept(ctx, ctx.self(), a));
}

// Learning from acceptances (PMS §2.3): a value is chosen once a phase-2 quorum accepted it in
// one ballot. The proposer of that ballot then tells every learner (a decision broadcast).
void Node::on_accepted(sim::Context& ctx, sim::NodeId from, const Accepted& m) {
  note_round(m.promised);
  if (!m.ok) {
    if (const Ballot* mine = active_ballot(); mine && *mine == m.ballot && *mine < m.promised) preempted(ctx, m.promised);
    return;
  }
  if (m.slot == 0 || chosen_.count(m.slot) || from.value >= ctx.servers()) return;
  Tally& t = tally_[m.slot];
  if (t.ballot < m.ballot) t = Tally{m.ballot, std::vector<bool>(ctx.servers(), false), 0};
  if (m.ballot < t.ballot || t.from[from.value]) return;
  t.from[from.value] = true;
  if (++t.count < q2(ctx)) return;
  Leading* l = std::get_if<Leading>(&role_);
  const bool mine = l && l->ballot == m.ballot;
  Command value = m.command;
  if (mine) {
    auto it = l->proposals.find(m.slot);
    if (it != l->proposals.end()) value = it->second.command;
  }
  learn(ctx, m.slot, value);
  if (!mine) return;
  for (uint32_t n = 0; n < ctx.servers(); ++n)
    if (n != ctx.self().value) send(ctx, sim::NodeId(n), Decide{m.slot, value});
}

// A higher ballot is in play (PMMC: the leader is "preempted"): give up this one. Multi: follow
// the new leader and start phase 1 again only if it too goes quiet. Single: back off and retry.
void Node::preempted(sim::Context& ctx, Ballot by) {
  const Ballot* mine = active_ballot();
  if (!mine || !(*mine < by)) return;
  const Ballot was = *mine;
  if (const auto* p = std::get_if<Preparing>(&role_)) ctx.cancel_timer(p->timer);
  if (const auto* l = std::get_if<Leading>(&role_)) ctx.cancel_timer(l->timer);
  role_ = Idle{};
  ctx.observe(SteppedDown{was, by});
  if (single()) {
    if (!chosen_.count(1)) arm_propose(ctx, cfg_.retry_min, cfg_.retry_max);
    return;
  }
  leader_ = by.node;
  arm_propose(ctx, cfg_.leader_timeout_min, cfg_.leader_timeout_max);
}

// No quorum answered in time: back off (single: PMS §2.4's random delay that "enables one
// proposer to ... succeed"), then try again with a higher ballot.
void Node::back_off(sim::Context& ctx) {
  if (const auto* p = std::get_if<Preparing>(&role_)) ctx.cancel_timer(p->timer);
  if (const auto* l = std::get_if<Leading>(&role_)) ctx.cancel_timer(l->timer);
  role_ = Idle{};
  if (single() && chosen_.count(1)) return;
  arm_propose(ctx, cfg_.retry_min, cfg_.retry_max);
}

// Multi: the leader's heartbeat; accept requests unanswered for a heartbeat are sent again to
// the acceptors that have not accepted them.
void Node::heartbeat(sim::Context& ctx) {
  Leading& l = std::get<Leading>(role_);
  for (uint32_t n = 0; n < ctx.servers(); ++n)
    if (n != ctx.self().value) send(ctx, sim::NodeId(n), Heartbeat{l.ballot, first_unchosen_});
  const sim::Time now = ctx.now();
  std::vector<uint64_t> stale;
  for (auto& [slot, p] : l.proposals)
    if (now - p.sent_at >= cfg_.heartbeat) stale.push_back(slot);
  for (uint64_t slot : stale) {  // (a local acceptance may complete a slot and erase its proposal)
    auto it = l.proposals.find(slot);
    if (it == l.proposals.end()) continue;
    it->second.sent_at = now;
    const Command command = it->second.command;
    send_accepts(ctx, l, slot, command);
  }
  l.timer = set_timer(ctx, cfg_.heartbeat, HeartbeatTimer{});
}

void Node::on_heartbeat(sim::Context& ctx, sim::NodeId from, const Heartbeat& m) {
  note_round(m.ballot);
  if (m.ballot < promised_) {
    send(ctx, from, Nack{m.ballot, promised_});
    return;
  }
  if (const Ballot* mine = active_ballot(); mine && *mine < m.ballot) preempted(ctx, m.ballot);
  if (is_leader()) return;
  leader_ = from;
  if (std::holds_alternative<Idle>(role_) && cfg_.may_propose(ctx.self().value))
    arm_propose(ctx, cfg_.leader_timeout_min, cfg_.leader_timeout_max);
  // Ask for the decisions that were already made a heartbeat ago and have still not arrived
  // (newer ones are usually still in flight: asking for them would only duplicate them).
  if (heard_unchosen_ > first_unchosen_) send(ctx, from, CatchUp{first_unchosen_});
  heard_unchosen_ = m.first_unchosen;
}

// ---------------------------------------------------------------------------------------------
// Learner.

// Learns once per slot (durably: a restarted learner does not learn a slot again), then applies
// what is now contiguous.
void Node::learn(sim::Context& ctx, uint64_t slot, const Command& command) {
  if (slot == 0 || chosen_.count(slot)) return;
  chosen_[slot] = command;
  // Bug forget_decisions: the decision is not written down, so a restart forgets it.
  if (!cfg_.bugs.forget_decisions) {
    ctx.storage().log<Decision>(kChosenLog).append(Decision{slot, command});
    ctx.sync();
  }
  if (ctx.observing()) ctx.observe(Learned{slot, kv::digest(command)});
  tally_.erase(slot);
  while (chosen_.count(first_unchosen_)) ++first_unchosen_;
  if (Leading* l = std::get_if<Leading>(&role_)) l->proposals.erase(slot);
  if (single()) {
    ctx.cancel_timer(propose_timer_);
    ctx.cancel_timer(catch_up_timer_);
    if (!std::holds_alternative<Idle>(role_)) {
      if (const auto* p = std::get_if<Preparing>(&role_)) ctx.cancel_timer(p->timer);
      if (const auto* l = std::get_if<Leading>(&role_)) ctx.cancel_timer(l->timer);
      role_ = Idle{};
    }
    return;
  }
  apply_chosen(ctx);
}

// Multi: commands apply in slot order, each client request once (the session table); the leader
// answers the client whose command it proposed in that slot.
void Node::apply_chosen(sim::Context& ctx) {
  if (single()) return;
  while (applied_ + 1 < first_unchosen_) {
    ++applied_;
    const Command& c = chosen_.at(applied_);
    const Result& r = kv_.apply(c);
    Leading* l = std::get_if<Leading>(&role_);
    if (!l) continue;
    auto it = l->replies.find(applied_);
    if (it == l->replies.end()) continue;
    const PendingReply who = it->second;
    l->replies.erase(it);
    auto bc = l->by_client.find(who.client.value);
    if (bc != l->by_client.end() && bc->second.second == applied_) l->by_client.erase(bc);
    if (c.op != Op::noop && c.client == who.client && c.seq == who.seq) reply(ctx, who, r);
  }
}

void Node::on_catch_up(sim::Context& ctx, sim::NodeId from, const CatchUp& m) {
  uint64_t sent = 0;
  for (auto it = chosen_.lower_bound(m.first_slot); it != chosen_.end() && sent < cfg_.max_catch_up; ++it, ++sent)
    send(ctx, from, Decide{it->first, it->second});
}

// ---------------------------------------------------------------------------------------------
// Clients (multi).

void Node::reply(sim::Context& ctx, const PendingReply& who, const Result& r) {
  send(ctx, who.client_node, ClientReply{who.client, who.seq, true, ctx.self(), r.value, r.swapped});
}

// The leader puts a new command in its next slot. One already applied is answered from the
// session table; one already in flight gets its answer when its slot applies. Anyone else
// redirects to the leader it knows of.
void Node::on_client_request(sim::Context& ctx, sim::NodeId from, const ClientRequest& m) {
  const Command& c = m.command;
  Leading* l = std::get_if<Leading>(&role_);
  if (single() || !l) {
    // A refusal says "not here". It also told the client "not applied" (so a client whose
    // every attempt was refused reported fail), which a server can say only of a command it
    // has not seen: the network duplicates requests, and a copy can reach a server after it
    // proposed the command as leader (or an earlier incarnation did: a 10,000-seed swarm, seed
    // 9238, crashed a leader right after its accept and restarted it before the copy came) and
    // lost the lead. Such a refusal says `held`.
    ClientReply r{c.client, c.seq, false, std::nullopt, "", false};
    if (leader_ && *leader_ != ctx.self()) r.leader_hint = leader_;
    r.held = !single() && holds(c);
    send(ctx, from, r);
    return;
  }
  const PendingReply who{from, c.client, c.seq};
  if (const Result* done = kv_.applied(c)) {
    reply(ctx, who, *done);
    return;
  }
  auto bc = l->by_client.find(c.client.value);
  if (bc != l->by_client.end() && bc->second.first == c.seq) {
    l->replies[bc->second.second] = who;  // answer the latest attempt
    return;
  }
  const uint64_t slot = l->next_slot++;
  l->by_client[c.client.value] = {c.seq, slot};
  l->replies[slot] = who;
  propose(ctx, *l, slot, c, true);
}

// Whether this server has the command: applied, accepted in a slot not yet applied, or
// learned there.
bool Node::holds(const Command& c) const {
  if (kv_.applied(c)) return true;
  for (auto it = accepted_.upper_bound(applied_); it != accepted_.end(); ++it)
    if (it->second.command.client == c.client && it->second.command.seq == c.seq) return true;
  for (auto it = chosen_.upper_bound(applied_); it != chosen_.end(); ++it)
    if (it->second.client == c.client && it->second.seq == c.seq) return true;
  return false;
}

// For people (`dsim state`).
void Node::describe(const sim::Context& ctx, nlohmann::json& state) const {
  const auto& names = ctx.topology().names();
  std::string role = "acceptor";
  if (const auto* p = std::get_if<Preparing>(&role_))
    role = "preparing " + p->ballot.text(names) + " (" + std::to_string(p->promises) + " promises)";
  else if (const auto* l = std::get_if<Leading>(&role_))
    role = std::string(single() ? "proposing " : "leader ") + l->ballot.text(names);
  state["role"] = role;
  state["promised"] = promised_.text(names);
  state["accepted"] = accepted_.size();
  state["first_unchosen"] = first_unchosen_;
  if (single()) {
    auto it = chosen_.find(1);
    state["learned"] = it == chosen_.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second.value);
  } else {
    state["leader"] = leader_ ? nlohmann::json(ctx.name(*leader_)) : nlohmann::json(nullptr);
    state["applied"] = applied_;
  }
}

}  // namespace dsim::paxos

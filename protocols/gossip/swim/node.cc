#include "protocols/gossip/swim/node.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::swim {
namespace {

int rank(State s) { return static_cast<int>(s); }

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

bool overrides(const Update& u, const Entry& e) {
  if (!e.known) return true;
  if (u.incarnation != e.incarnation) return u.incarnation > e.incarnation;
  return rank(u.state) > rank(e.state);
}

Entry Member::entry(uint32_t m) const {
  if (m == self_) return Entry{true, left_ ? State::left : State::alive, inc_};
  if (auto it = changed_.find(m); it != changed_.end()) return it->second;
  return Entry{m < initial_, State::alive, 0};
}

bool Member::member(uint32_t m) const {
  if (m == self_ || m >= n_) return false;
  const Entry e = entry(m);
  return e.known && (e.state == State::alive || e.state == State::suspect);
}

void Member::on_start(sim::Context& ctx) {
  n_ = ctx.servers();
  initial_ = cfg_.initial(n_);
  self_ = ctx.self().value;
  retransmits_ = std::max<uint32_t>(1, cfg_.retransmits(n_));
  bits_ = 2;
  while ((1ull << bits_) < n_) bits_ += 2;
  members_ = initial_ - (self_ < initial_ ? 1 : 0);  // the initial members but itself
  key_ = ctx.rng().next_u64();
  const sim::Time now = ctx.now();
  const bool restarted = ctx.incarnation() > 0;
  if (cfg_.leaver(self_, n_)) {
    const uint32_t i = self_ - (initial_ - cfg_.leavers);
    const sim::Time at = sim::Time::zero() + cfg_.leave_at + cfg_.leave_every * static_cast<int64_t>(i);
    if (at <= now && (restarted || at < now)) {
      left_ = true;  // restarted after its time to leave: it stays out (and says so)
      ctx.observe(Left{});
      return;
    }
    set_timer(ctx, at - now, LeaveTimer{});
  }
  // The protocol period, at a random phase.
  set_timer(ctx, sim::Duration::nanos(1), cfg_.period, ProbeTimer{});
  if (self_ >= initial_ && !restarted) {
    joined_ = false;
    const sim::Time at = sim::Time::zero() + cfg_.join_at + cfg_.join_every * static_cast<int64_t>(self_ - initial_);
    if (at <= now) start_join(ctx);
    else set_timer(ctx, at - now, JoinTimer{});
  } else if (restarted) {
    joined_ = false;
    start_join(ctx);
  }
}

void Member::start_join(sim::Context& ctx) {
  if (joined_ || left_) return;
  if (initial_ == 0 || (initial_ == 1 && self_ == 0)) {
    joined_ = true;
    ctx.observe(Joined{});
    return;
  }
  uint32_t seed = static_cast<uint32_t>(ctx.rng().uniform(initial_));
  if (seed == self_) seed = (seed + 1) % initial_;
  send(ctx, sim::NodeId(seed), Sync{differences(), true});
  set_timer(ctx, cfg_.period, JoinTimer{});  // retried until a view arrives
}

void Member::leave(sim::Context& ctx) {
  if (left_) return;
  // Announce to a few members, who disseminate it; then fall silent.
  const Update u{sim::NodeId(self_), State::left, inc_};
  std::vector<uint32_t> told;
  for (uint32_t tries = 0; told.size() < cfg_.k + 1 && tries < 4 * cfg_.k + 8; ++tries) {
    const auto m = random_member(ctx, self_, self_);
    if (!m || std::find(told.begin(), told.end(), *m) != told.end()) continue;
    told.push_back(*m);
    send(ctx, sim::NodeId(*m), Sync{{u}, false});
  }
  left_ = true;
  ctx.observe(Left{});
}

void Member::set_entry(sim::Context& ctx, uint32_t m, const Entry& e, How how) {
  const bool was = member(m);
  if (e.known && e.state == State::alive && e.incarnation == 0 && m < initial_) changed_.erase(m);
  else changed_[m] = e;
  const bool is = member(m);
  if (was != is) members_ += is ? 1 : static_cast<uint32_t>(-1);
  ctx.observe(Status{sim::NodeId(m), e.state, e.incarnation, how});
  if (auto it = suspicion_timers_.find(m); it != suspicion_timers_.end()) {
    ctx.cancel_timer(it->second);
    suspicion_timers_.erase(it);
  }
  if (e.state == State::suspect)
    suspicion_timers_[m] = set_timer(ctx, cfg_.suspicion_after(n_), SuspicionTimeout{sim::NodeId(m), e.incarnation});
}

void Member::merge(sim::Context& ctx, const Update& u, How how) {
  const uint32_t m = u.member.value;
  if (m >= n_) return;
  if (m == self_) {
    // §4.2: "Mj ... refutes the suspicion by ... an Alive message with its incremented
    // incarnation number". Bug no_incarnation: there is no number to raise.
    if (left_ || (u.state != State::suspect && u.state != State::dead) || u.incarnation < inc_) return;
    if (!cfg_.bugs.no_incarnation) inc_ = u.incarnation + 1;
    ctx.observe(Refuted{inc_});
    enqueue(Update{sim::NodeId(self_), State::alive, inc_});
    return;
  }
  const Entry cur = entry(m);
  if (!overrides(u, cur)) {
    // The sender spreads news this member knows to be stale (a suspicion already refuted): answer
    // with the newer entry, so the stale one does not outlive its refutation's retransmissions.
    if (cur.known && overrides(Update{u.member, cur.state, cur.incarnation}, Entry{true, u.state, u.incarnation}))
      enqueue(Update{u.member, cur.state, cur.incarnation});
    return;
  }
  set_entry(ctx, m, Entry{true, u.state, u.incarnation}, how);
  enqueue(u);
}

void Member::merge_all(sim::Context& ctx, const std::vector<Update>& us) {
  for (const Update& u : us) merge(ctx, u);
}

void Member::enqueue(const Update& u) {
  std::erase_if(buffer_, [&](const Buffered& b) { return b.update.member == u.member; });
  buffer_.push_back(Buffered{u, 0});
}

// §4.1: the buffered updates sent least often first, each at most retransmits_ times. A member
// this one holds dead hears of it first ("gossip to the dead"), so it can refute if alive.
std::vector<Update> Member::piggyback(sim::NodeId to) {
  std::vector<Update> out;
  if (cfg_.bugs.drop_piggyback) return out;
  const Entry e = entry(to.value);
  if (to.value != self_ && e.known && e.state == State::dead) out.push_back(Update{to, State::dead, e.incarnation});
  if (buffer_.size() > cfg_.piggyback)
    std::stable_sort(buffer_.begin(), buffer_.end(), [](const Buffered& a, const Buffered& b) { return a.sent < b.sent; });
  const size_t take = std::min<size_t>(buffer_.size(), cfg_.piggyback);
  for (size_t i = 0; i < take; ++i) {
    out.push_back(buffer_[i].update);
    ++buffer_[i].sent;
  }
  // A suspicion this member still holds stays in the buffer past its retransmissions, until it is
  // refuted or confirmed: whoever knows of the refutation answers it (see merge), so a member the
  // refutation's own dissemination missed still hears of it before its suspicion times out.
  std::erase_if(buffer_, [&](const Buffered& b) {
    if (b.sent < retransmits_) return false;
    if (b.update.state != State::suspect) return true;
    const Entry now = entry(b.update.member.value);
    return now.state != State::suspect || now.incarnation != b.update.incarnation;
  });
  return out;
}

std::vector<Update> Member::differences() const {
  std::vector<Update> out;
  out.reserve(changed_.size() + 1);
  for (const auto& [m, e] : changed_)
    if (e.known) out.push_back(Update{sim::NodeId(m), e.state, e.incarnation});
  if (self_ >= initial_ || inc_ > 0) out.push_back(Update{sim::NodeId(self_), State::alive, inc_});
  std::sort(out.begin(), out.end(), [](const Update& a, const Update& b) { return a.member.value < b.member.value; });
  return out;
}

// A keyed permutation of [0, n): a 4-round Feistel network on bits_ bits, cycle-walked into range.
uint32_t Member::permuted(uint32_t i) const {
  const uint32_t half = bits_ / 2;
  const uint64_t mask = (1ull << half) - 1;
  uint64_t x = i;
  do {
    uint64_t l = x >> half, r = x & mask;
    for (uint64_t round = 0; round < 4; ++round) {
      const uint64_t f = mix(key_ ^ (round * 0x9e3779b97f4a7c15ULL) ^ r) & mask;
      const uint64_t next_r = l ^ f;
      l = r;
      r = next_r;
    }
    x = (l << half) | r;
  } while (x >= n_);
  return static_cast<uint32_t>(x);
}

std::optional<uint32_t> Member::next_target(sim::Context& ctx) {
  if (members_ == 0) return std::nullopt;
  if (cfg_.probe == Probe::random)
    if (auto m = random_member(ctx, self_, self_)) return m;
  // §4.3: "randomly permuted ... round-robin ... the list is rearranged after each traversal".
  for (uint64_t tries = 0; tries <= n_; ++tries) {
    if (pos_ >= n_) {
      pos_ = 0;
      key_ = ctx.rng().next_u64();
    }
    const uint32_t c = permuted(pos_++);
    if (member(c)) return c;
  }
  return std::nullopt;
}

std::optional<uint32_t> Member::random_member(sim::Context& ctx, uint32_t not_a, uint32_t not_b) {
  if (members_ == 0) return std::nullopt;
  for (int tries = 0; tries < 64; ++tries) {
    const uint32_t c = static_cast<uint32_t>(ctx.rng().uniform(n_));
    if (c != not_a && c != not_b && member(c)) return c;
  }
  return std::nullopt;
}

void Member::settle_probe(sim::Context& ctx) {
  if (!probing_) return;
  probing_ = false;
  if (acked_) return;
  const uint32_t t = probe_target_.value;
  if (!member(t)) return;
  const Entry e = entry(t);
  // §3.1 "declares Mj as failed"; §4.2 "marks Mj as a Suspected member".
  if (cfg_.suspicion) {
    if (e.state == State::alive) merge(ctx, Update{probe_target_, State::suspect, e.incarnation}, How::probe);
  } else {
    merge(ctx, Update{probe_target_, State::dead, e.incarnation}, How::probe);
  }
}

void Member::tick(sim::Context& ctx) {
  settle_probe(ctx);
  set_timer(ctx, cfg_.period, ProbeTimer{});
  if (left_ || !joined_) return;
  ++ticks_;
  const sim::Time now = ctx.now();
  std::erase_if(forwards_, [&](const Forward& f) { return now - f.at > cfg_.period; });
  if (cfg_.reconnect_every && ticks_ % cfg_.reconnect_every == 0) {
    std::vector<uint32_t> dead;
    for (const auto& [m, e] : changed_)
      if (e.known && e.state == State::dead) dead.push_back(m);
    if (!dead.empty()) {
      std::sort(dead.begin(), dead.end());
      const uint32_t m = dead[ctx.rng().uniform(dead.size())];
      send(ctx, sim::NodeId(m), Ping{++seq_, piggyback(sim::NodeId(m))});
    }
  }
  // The anti-entropy backup: whole views, both ways.
  if (cfg_.sync_every && ticks_ % cfg_.sync_every == 0)
    if (const auto m = random_member(ctx, self_, self_)) send(ctx, sim::NodeId(*m), Sync{differences(), true});
  const auto target = next_target(ctx);
  if (!target) return;
  probe_seq_ = ++seq_;
  probe_target_ = sim::NodeId(*target);
  probing_ = true;
  acked_ = false;
  send(ctx, probe_target_, Ping{probe_seq_, piggyback(probe_target_)});
  set_timer(ctx, cfg_.ping_timeout, PingTimeout{probe_seq_});
}

void Member::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  if (left_) return;
  std::visit(sim::overloaded{
                 [&](const Ping& m) {
                   merge_all(ctx, m.updates);
                   send(ctx, from, Ack{m.seq, piggyback(from)});
                 },
                 [&](const PingReq& m) {
                   merge_all(ctx, m.updates);
                   if (m.target.value >= n_ || m.target.value == self_) {
                     send(ctx, from, Ack{m.seq, piggyback(from)});
                     return;
                   }
                   forwards_.push_back(Forward{++seq_, from, m.seq, ctx.now()});
                   send(ctx, m.target, Ping{seq_, piggyback(m.target)});
                 },
                 [&](const Ack& m) {
                   merge_all(ctx, m.updates);
                   if (probing_ && m.seq == probe_seq_) {
                     acked_ = true;
                     return;
                   }
                   auto it = std::find_if(forwards_.begin(), forwards_.end(), [&](const Forward& f) { return f.seq == m.seq; });
                   if (it == forwards_.end()) return;
                   const Forward f = *it;
                   forwards_.erase(it);
                   send(ctx, f.origin, Ack{f.origin_seq, piggyback(f.origin)});
                 },
                 [&](const Sync& m) {
                   merge_all(ctx, m.entries);
                   if (m.reply) {
                     send(ctx, from, Sync{differences(), false});
                   } else if (!joined_) {
                     joined_ = true;
                     ctx.observe(Joined{});
                   }
                 },
             },
             msg);
}

void Member::on_timer(sim::Context& ctx, sim::TimerId, const Timer& timer) {
  if (left_) return;
  std::visit(sim::overloaded{
                 [&](const ProbeTimer&) { tick(ctx); },
                 [&](const PingTimeout& t) {
                   if (!probing_ || acked_ || t.seq != probe_seq_) return;
                   // §3.1: "selects k members at random and sends each a ping-req(Mj)".
                   std::vector<uint32_t> asked;
                   for (uint32_t tries = 0; asked.size() < cfg_.k && tries < 4 * cfg_.k + 8; ++tries) {
                     const auto m = random_member(ctx, self_, probe_target_.value);
                     if (!m || std::find(asked.begin(), asked.end(), *m) != asked.end()) continue;
                     asked.push_back(*m);
                     send(ctx, sim::NodeId(*m), PingReq{probe_seq_, probe_target_, piggyback(sim::NodeId(*m))});
                   }
                 },
                 [&](const SuspicionTimeout& t) {
                   suspicion_timers_.erase(t.member.value);
                   const Entry e = entry(t.member.value);
                   // §4.2: "If the suspected member ... is not refuted within a timeout, it is declared faulty".
                   if (e.state == State::suspect && e.incarnation == t.incarnation)
                     merge(ctx, Update{t.member, State::dead, t.incarnation}, How::timeout);
                 },
                 [&](const JoinTimer&) { start_join(ctx); },
                 [&](const LeaveTimer&) { leave(ctx); },
             },
             timer);
}

void Member::describe(const sim::Context& ctx, nlohmann::json& state) const {
  state["incarnation"] = inc_;
  state["status"] = left_ ? "left" : joined_ ? "member" : "joining";
  state["members"] = members_;
  std::vector<uint32_t> suspect, dead;
  for (const auto& [m, e] : changed_) {
    if (e.state == State::suspect) suspect.push_back(m);
    if (e.state == State::dead || e.state == State::left) dead.push_back(m);
  }
  std::sort(suspect.begin(), suspect.end());
  std::sort(dead.begin(), dead.end());
  const auto names = [&](const std::vector<uint32_t>& ids) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < ids.size() && i < 16; ++i) out.push_back(ctx.name(sim::NodeId(ids[i])));
    if (ids.size() > 16) out.push_back("... " + std::to_string(ids.size() - 16) + " more");
    return out;
  };
  state["suspect"] = names(suspect);
  state["dead"] = names(dead);
  state["buffered_updates"] = buffer_.size();
}

}  // namespace dsim::swim

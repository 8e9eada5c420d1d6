#include "protocols/gossip/node.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::gossip {

void Member::on_start(sim::Context& ctx) {
  // Injections: update u at member u mod N, first_update + u * update_every after the start
  // (a restarted member injects only what is still to come).
  const uint32_t n = ctx.servers(), self = ctx.self().value;
  const sim::Time now = ctx.now();
  for (uint64_t u = self; u < cfg_.updates; u += n) {
    const sim::Time at = sim::Time::zero() + cfg_.first_update + cfg_.update_every * static_cast<int64_t>(u);
    if (at < now) continue;
    if (at == now) {
      on_timer(ctx, sim::TimerId{}, InjectTimer{u});
      continue;
    }
    set_timer(ctx, at - now, InjectTimer{u});
  }
  arm_cycle(ctx);
}

// Cycles: the next multiple of the period (so every member acts at the same instants). Async: a
// random phase first, then the period jittered by +-10%.
void Member::arm_cycle(sim::Context& ctx) {
  const int64_t p = cfg_.period.ns();
  if (cfg_.timing == Timing::cycles) {
    const int64_t now = (ctx.now() - sim::Time::zero()).ns();
    const int64_t next = (now / p + 1) * p;
    set_timer(ctx, sim::Duration::nanos(next - now), CycleTimer{});
  } else if (cycles_ == 0) {
    set_timer(ctx, sim::Duration::nanos(1), sim::Duration::nanos(p), CycleTimer{});
  } else {
    set_timer(ctx, sim::Duration::nanos(p - p / 10), sim::Duration::nanos(p + p / 10), CycleTimer{});
  }
}

uint64_t Member::current_cycle(const sim::Context& ctx) const {
  return static_cast<uint64_t>((ctx.now() - sim::Time::zero()).ns() / cfg_.period.ns());
}

sim::NodeId Member::random_peer(sim::Context& ctx) {
  const uint32_t n = ctx.servers();
  const uint32_t pick = static_cast<uint32_t>(ctx.rng().uniform(n - 1));
  return sim::NodeId(pick >= ctx.self().value ? pick + 1 : pick);
}

bool Member::take(sim::Context& ctx, const Entry& e) {
  auto it = store_.find(e.key);
  // Bug first_writer_wins: any version already held wins.
  if (it != store_.end() && (it->second.version >= e.version || cfg_.bugs.first_writer_wins)) return false;
  // A rumor superseded by a newer version of its key is of no more interest (§1.4).
  if (it != store_.end() && hot_.erase(it->second.version)) ctx.observe(LostInterest{it->second.version});
  store_[e.key] = e;
  ctx.observe(Received{e.key, e.version});
  if (cfg_.spread == Spread::rumor) {
    hot_[e.version] = Hot{e.key, 0};
    ctx.observe(Infective{e.version});
  }
  return true;
}

std::vector<Entry> Member::hot_entries() const {
  std::vector<Entry> out;
  out.reserve(hot_.size());
  for (const auto& [version, h] : hot_) out.push_back(store_.at(h.key));
  return out;
}

std::vector<KeyVersion> Member::digest() const {
  std::vector<KeyVersion> out;
  out.reserve(store_.size());
  for (const auto& [key, e] : store_) out.push_back(KeyVersion{key, e.version});
  return out;
}

std::vector<Entry> Member::newer_than(const std::vector<KeyVersion>& theirs) const {
  std::map<uint64_t, uint64_t> v;
  for (const KeyVersion& kv : theirs) v[kv.key] = std::max(v[kv.key], kv.version);
  std::vector<Entry> out;
  for (const auto& [key, e] : store_) {
    auto it = v.find(key);
    if (it == v.end() || it->second < e.version) out.push_back(e);
  }
  return out;
}

std::vector<uint64_t> Member::wanted(const std::vector<KeyVersion>& theirs) const {
  std::vector<uint64_t> out;
  for (const KeyVersion& kv : theirs) {
    auto it = store_.find(kv.key);
    if (it == store_.end() || it->second.version < kv.version) out.push_back(kv.key);
  }
  return out;
}

// §1.4: counter: lose interest after k counted contacts; coin: with probability 1/k at each.
// Bug no_feedback: interest is never lost.
void Member::count_contact(sim::Context& ctx, uint64_t version) {
  auto it = hot_.find(version);
  if (it == hot_.end() || cfg_.bugs.no_feedback) return;
  const bool lose = cfg_.stop == Stop::counter ? ++it->second.count >= cfg_.k : ctx.rng().uniform(cfg_.k) == 0;
  if (!lose) return;
  hot_.erase(it);
  ctx.observe(LostInterest{version});
}

void Member::cycle(sim::Context& ctx) {
  ++cycles_;
  arm_cycle(ctx);
  if (ctx.servers() < 2) return;
  const sim::NodeId peer = random_peer(ctx);
  if (cfg_.spread == Spread::anti_entropy) {
    anti_entropy(ctx, peer);
    return;
  }
  // The backstop (§1.4, "anti-entropy ... as a backup"): a push-pull exchange every `backup` periods.
  if (cfg_.backup > 0 && cycles_ % cfg_.backup == 0) {
    const sim::NodeId other = random_peer(ctx);
    if (cfg_.digest) send(ctx, other, AeDigest{digest(), DigestAsk::both});
    else send(ctx, other, AeEntries{newer_than({}), true});
  }
  if (cfg_.direction == Direction::pull) {
    send(ctx, peer, PullRequest{});
    return;
  }
  if (hot_.empty()) return;
  std::vector<Entry> entries = hot_entries();
  std::vector<uint64_t> pushed;
  for (const Entry& e : entries) pushed.push_back(e.version);
  send(ctx, peer, Rumor{std::move(entries)});
  if (cfg_.loss == Loss::blind)
    for (uint64_t v : pushed) count_contact(ctx, v);
}

// §1.3: push sends the store (or, with digests, the versions, and then what the peer wants);
// pull sends the versions and takes what is newer; push-pull does both in one exchange.
void Member::anti_entropy(sim::Context& ctx, sim::NodeId peer) {
  switch (cfg_.direction) {
    case Direction::push:
      if (cfg_.digest) send(ctx, peer, AeDigest{digest(), DigestAsk::want});
      else if (!store_.empty()) send(ctx, peer, AeEntries{newer_than({}), false});
      break;
    case Direction::pull: send(ctx, peer, AeDigest{digest(), DigestAsk::newer}); break;
    case Direction::push_pull:
      if (cfg_.digest) send(ctx, peer, AeDigest{digest(), DigestAsk::both});
      else send(ctx, peer, AeEntries{newer_than({}), true});
      break;
  }
}

// Feedback tells the sender whether the contact was unnecessary. In cycles, every contact of a
// cycle happens "all at once" (the paper's synchronous rounds): a member that learned the rumor
// earlier in this same cycle did not know it when the cycle began, so the contact still counts
// as necessary.
void Member::on_rumor(sim::Context& ctx, sim::NodeId from, const Rumor& m) {
  std::vector<uint64_t> known;
  const uint64_t cycle = current_cycle(ctx);
  for (const Entry& e : m.entries) {
    if (take(ctx, e)) {
      learned_in_[e.version] = cycle;
      continue;
    }
    auto it = learned_in_.find(e.version);
    const bool this_cycle = cfg_.timing == Timing::cycles && it != learned_in_.end() && it->second == cycle;
    if (!this_cycle) known.push_back(e.version);
  }
  if (cfg_.loss == Loss::feedback && !m.entries.empty()) send(ctx, from, Feedback{std::move(known)});
}

void Member::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const Rumor& m) { on_rumor(ctx, from, m); },
                 [&](const Feedback& m) {
                   for (uint64_t v : m.known) count_contact(ctx, v);
                 },
                 [&](const PullRequest&) {
                   if (hot_.empty()) return;
                   std::vector<Entry> entries = hot_entries();
                   if (cfg_.loss == Loss::blind)
                     for (const Entry& e : entries) count_contact(ctx, e.version);
                   send(ctx, from, Rumor{std::move(entries)});
                 },
                 [&](const AeEntries& m) {
                   for (const Entry& e : m.entries) take(ctx, e);
                   if (!m.reply) return;
                   std::vector<KeyVersion> theirs;
                   for (const Entry& e : m.entries) theirs.push_back(KeyVersion{e.key, e.version});
                   std::vector<Entry> newer = newer_than(theirs);
                   if (!newer.empty()) send(ctx, from, AeEntries{std::move(newer), false});
                 },
                 [&](const AeDigest& m) {
                   if (m.ask != DigestAsk::want) {
                     std::vector<Entry> newer = newer_than(m.versions);
                     if (!newer.empty()) send(ctx, from, AeEntries{std::move(newer), false});
                   }
                   if (m.ask != DigestAsk::newer) {
                     std::vector<uint64_t> keys = wanted(m.versions);
                     if (!keys.empty()) send(ctx, from, AeWant{std::move(keys)});
                   }
                 },
                 [&](const AeWant& m) {
                   std::vector<Entry> out;
                   for (uint64_t key : m.keys)
                     if (auto it = store_.find(key); it != store_.end()) out.push_back(it->second);
                   if (!out.empty()) send(ctx, from, AeEntries{std::move(out), false});
                 },
             },
             msg);
}

void Member::on_timer(sim::Context& ctx, sim::TimerId, const Timer& timer) {
  std::visit(sim::overloaded{
                 [&](const CycleTimer&) { cycle(ctx); },
                 [&](const InjectTimer& t) {
                   std::string value = "u";  // (appended: GCC 12 -O2 warns falsely on "u" + to_string(...))
                   value += std::to_string(t.update);
                   value += '@';
                   value += ctx.name(ctx.self());
                   const Entry e{cfg_.key_of(t.update), t.update + 1, std::move(value)};
                   ctx.observe(Injected{t.update, e.key});
                   take(ctx, e);
                 },
             },
             timer);
}

void Member::describe(const sim::Context&, nlohmann::json& state) const {
  state["keys"] = store_.size();
  uint64_t newest = 0;
  for (const auto& [key, e] : store_) newest = std::max(newest, e.version);
  state["newest_version"] = newest;
  state["hot_rumors"] = hot_.size();
}

}  // namespace dsim::gossip

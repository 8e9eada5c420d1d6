#include "protocols/quorum/node.h"

#include <algorithm>

#include "sim/overloaded.h"
#include "sim/reflect.h"

namespace dsim::quorum {

namespace {

// A key's durable record ("key/<key>"), and the index of keys with one: an append-only log
// ("keys"), so that a new key costs one append, not a rewrite of every key name.
constexpr std::string_view kKeyIndex = "keys";
struct HintRecord {
  sim::NodeId owner;
  Object object;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("owner", self.owner); v("object", self.object); }
};
struct KeyRecord {
  Object home;
  uint64_t counter = 0;
  std::vector<HintRecord> hints;
  Tag tag;
  std::optional<std::string> value;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("home", self.home); v("counter", self.counter); v("hints", self.hints); v("tag", self.tag); v("value", self.value);
  }
};

std::string record_key(const std::string& key) { return "key/" + key; }

std::vector<std::string> values_of(const Object& o) {
  std::vector<std::string> out;
  out.reserve(o.siblings.size());
  for (const Sibling& s : o.siblings) out.push_back(s.value);
  return out;
}

}  // namespace

void Server::on_start(sim::Context& ctx) {
  self_ = ctx.self();
  suspect_until_.assign(ctx.servers(), sim::Time::zero());
  // Reload what survived: every key's record (hinted copies too, unless the bug kept them in memory).
  sim::Storage& s = ctx.storage();
  const sim::DurableLog<std::string>& index = s.log<std::string>(kKeyIndex);
  for (uint64_t i = index.begin(); i < index.end(); ++i) {
    const std::string& key = index.at(i);
    const auto* j = s.get(record_key(key));
    if (!j) continue;
    KeyRecord r;
    sim::from_json_value(*j, r, "key");
    KeyState& k = keys_[key];
    k.home = std::move(r.home);
    k.counter = r.counter;
    for (HintRecord& h : r.hints) k.hints[h.owner] = std::move(h.object);
    if (!k.hints.empty()) hinted_.insert(key);
    k.tag = r.tag;
    k.value = std::move(r.value);
  }
  if (const auto* j = s.get("ring")) {
    RingState r;
    sim::from_json_value(*j, r, "ring");
    joined_.insert(r.joined.begin(), r.joined.end());
    left_.insert(r.left.begin(), r.left.end());
  }
  rebuild_ring(ctx);
  // A joiner or leaver that has not yet changed its membership does so at its time (at once if
  // that passed while it was down).
  const sim::Duration since_start = ctx.now() - sim::Time::zero();
  if (const auto at = cfg_.join_time(self_.value, ctx.servers()); at && !joined_.contains(self_))
    set_timer(ctx, std::max(sim::Duration::nanos(1), *at - since_start), JoinTimer{});
  if (const auto at = cfg_.leave_time(self_.value); at && !left_.contains(self_))
    set_timer(ctx, std::max(sim::Duration::nanos(1), *at - since_start), LeaveTimer{});
  if (cfg_.mode == Mode::dynamo) set_timer(ctx, sim::Duration::nanos(1), cfg_.handoff_every, HandoffTimer{});
  if (cfg_.mode == Mode::dynamo && cfg_.anti_entropy.ns() > 0) {
    ae_next_ = static_cast<uint32_t>(ctx.rng().uniform(ctx.servers()));
    set_timer(ctx, sim::Duration::nanos(1), cfg_.anti_entropy, AntiEntropyTimer{});
  }
}

void Server::persist(sim::Context& ctx, const std::string& key) {
  const KeyState& k = keys_.at(key);
  KeyRecord r{k.home, k.counter, {}, k.tag, k.value};
  // Bug lose_hints: hinted copies never reach durable storage.
  if (!cfg_.bugs.lose_hints)
    for (const auto& [owner, o] : k.hints) r.hints.push_back(HintRecord{owner, o});
  sim::Storage& s = ctx.storage();
  if (!s.contains(record_key(key))) s.log<std::string>(kKeyIndex).append(key);
  s.put(record_key(key), sim::to_json_value(r));
  ctx.sync();
}

bool Server::suspected(const sim::Context& ctx, sim::NodeId n) const {
  return n != ctx.self() && n.value < suspect_until_.size() && ctx.now() < suspect_until_[n.value];
}

void Server::suspect(sim::Context& ctx, sim::NodeId n) {
  if (n != ctx.self() && n.value < suspect_until_.size()) suspect_until_[n.value] = ctx.now() + cfg_.suspect_for;
}

std::vector<Server::Target> Server::plan(const sim::Context& ctx, const std::string& key) const {
  // The first n servers not suspected are among the first n + (servers suspected) of the list.
  size_t suspects = 0;
  if (cfg_.sloppy && cfg_.mode != Mode::abd)
    for (uint32_t s = 0; s < suspect_until_.size(); ++s) suspects += suspected(ctx, sim::NodeId(s)) ? 1 : 0;
  const std::vector<sim::NodeId> pref = ring_.preference(key, cfg_.n + suspects);
  const size_t n = std::min<size_t>(cfg_.n, pref.size());
  std::vector<Target> out;
  if (!cfg_.sloppy || cfg_.mode == Mode::abd) {
    for (size_t i = 0; i < n; ++i) out.push_back(Target{pref[i], std::nullopt});
    return out;
  }
  std::vector<sim::NodeId> skipped;  // home replicas passed over, in order
  for (size_t i = 0; i < pref.size() && out.size() < n; ++i) {
    if (suspected(ctx, pref[i])) {
      if (i < n) skipped.push_back(pref[i]);
      continue;
    }
    out.push_back(Target{pref[i], std::nullopt});
  }
  // Pair each fallback with a home replica it stands in for (§4.6: "the replica ... will have a
  // hint in its metadata that suggests which node was the intended recipient").
  size_t next = 0;
  for (Target& t : out) {
    if (is_home(key, t.node)) continue;
    t.owner = next < skipped.size() ? skipped[next++] : pref[0];
  }
  return out;
}

void Server::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  if (from.value < suspect_until_.size()) suspect_until_[from.value] = sim::Time::zero();  // it answers: not down
  std::visit(sim::overloaded{
                 [&](const ClientPut& m) { on_client_put(ctx, m); },
                 [&](const ClientGet& m) { on_client_get(ctx, m); },
                 [&](const ClientReply&) {},
                 [&](const Replicate& m) { on_replicate(ctx, from, m); },
                 [&](const ReplicateAck& m) {
                   auto it = pending_.find(m.op);
                   if (it == pending_.end() || it->second.kind != Kind::put) return;
                   Pending& p = it->second;
                   p.answered.insert(from);
                   if (!p.replied && p.answered.size() >= p.needed) put_ok(ctx, p);
                   if (p.answered.size() >= p.targets.size()) finish(ctx, m.op);
                 },
                 [&](const Read& m) { send(ctx, from, ReadReply{m.op, m.key, local_copy(m.key)}); },
                 [&](const ReadReply& m) { on_read_reply(ctx, from, m); },
                 [&](const Repair& m) {
                   if (is_home(m.key, ctx.self())) store(ctx, m.key, m.object, std::nullopt);
                 },
                 [&](const Handoff& m) {
                   if (!is_home(m.key, ctx.self())) return;
                   store(ctx, m.key, m.object, std::nullopt);
                   send(ctx, from, HandoffAck{m.key, keys_[m.key].home.context});
                 },
                 [&](const HandoffAck& m) { on_handoff_ack(ctx, from, m); },
                 [&](const AbdQuery& m) {
                   const KeyState* k = keys_.contains(m.key) ? &keys_.at(m.key) : nullptr;
                   send(ctx, from, AbdValue{m.op, m.key, k ? k->tag : Tag{}, k ? k->value : std::nullopt});
                 },
                 [&](const AbdValue& m) { on_abd_value(ctx, from, m); },
                 [&](const AbdStore& m) {
                   KeyState& k = keys_[m.key];
                   if (m.tag > k.tag) {
                     k.tag = m.tag;
                     k.value = m.value;
                     persist(ctx, m.key);
                   }
                   send(ctx, from, AbdStored{m.op, m.key});
                 },
                 [&](const AbdStored& m) { on_abd_stored(ctx, from, m); },
                 [&](const AeHashes& m) { on_ae_hashes(ctx, from, m); },
                 [&](const AeData& m) { on_ae_data(ctx, from, m); },
                 [&](const RingState& m) { on_ring_state(ctx, m); },
             },
             msg);
}

void Server::on_timer(sim::Context& ctx, sim::TimerId, const ServerTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const ReplicaTimeout& t) { on_replica_timeout(ctx, t); },
                 [&](const RequestTimeout& t) { on_request_timeout(ctx, t.op); },
                 [&](const HandoffTimer&) {
                   handoff(ctx);
                   // Membership gossip: what this server knows of joins and leaves, to one server.
                   if (!joined_.empty() || !left_.empty()) {
                     const uint32_t pick = static_cast<uint32_t>(ctx.rng().uniform(ctx.servers() - 1));
                     send(ctx, sim::NodeId(pick >= self_.value ? pick + 1 : pick),
                          RingState{{joined_.begin(), joined_.end()}, {left_.begin(), left_.end()}});
                   }
                   set_timer(ctx, cfg_.handoff_every, HandoffTimer{});
                 },
                 [&](const JoinTimer&) {
                   joined_.insert(self_);
                   persist_ring(ctx);
                   ctx.observe(Joined{});
                   announce(ctx);
                   rebuild_ring(ctx);
                 },
                 [&](const LeaveTimer&) {
                   left_.insert(self_);
                   persist_ring(ctx);
                   ctx.observe(Left{});
                   announce(ctx);
                   rebuild_ring(ctx);
                 },
                 [&](const AntiEntropyTimer&) {
                   anti_entropy(ctx);
                   set_timer(ctx, cfg_.anti_entropy, AntiEntropyTimer{});
                 },
             },
             timer);
}

// ---- Dynamo: writes ----

void Server::on_client_put(sim::Context& ctx, const ClientPut& m) {
  if (cfg_.mode == Mode::abd) return abd_start(ctx, Kind::abd_put, m.client, m.seq, m.key, m.value);
  const sim::NodeId self = ctx.self();
  std::vector<Target> targets = plan(ctx, m.key);
  const auto mine = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.node == self; });
  // §4.5: only a server of the preference list coordinates a write (its dot counter is its own).
  // One that is not among this write's replicas forwards it to the first that is.
  if (cfg_.fanout == Fanout::quorum || (mine == targets.end() && !m.forwarded && cfg_.coordinate == Coordinate::any))
    return coordinate_elsewhere(ctx, m, targets);
  if (mine == targets.end() && !m.forwarded) {
    if (targets.empty()) return;
    const auto up = std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return !suspected(ctx, t.node); });
    ClientPut fwd = m;
    fwd.forwarded = true;
    send(ctx, (up != targets.end() ? *up : targets.front()).node, std::move(fwd));
    return;
  }
  std::optional<sim::NodeId> owner;
  if (mine != targets.end()) {
    owner = mine->owner;
  } else {
    // A forwarded write that lands outside the replicas this server would pick (its view of who
    // is down differs): it coordinates anyway, as a fallback for the first home replica.
    owner = is_home(m.key, self) ? std::nullopt : std::optional<sim::NodeId>(ring_.preference(m.key, 1).front());
    targets.insert(targets.begin(), Target{self, owner});
  }
  KeyState& k = keys_[m.key];
  if (owner) hinted_.insert(m.key);
  Object& copy = owner ? k.hints[*owner] : k.home;
  // The copy first takes in every other copy this server holds of the key (its hinted ones): its
  // context then holds every dot this server gave out for the key, so the new dot's counter,
  // the next one, leaves no gap that the context would claim without having seen it.
  copy.merge(local_copy(m.key), resolution());
  k.counter = std::max({k.counter, copy.context.max_counter(self), m.context.max_counter(self)}) + 1;
  const int64_t timestamp = (ctx.now() - sim::Time::zero()).ns();
  const Dot dot = copy.update(m.context, self, k.counter, m.value, timestamp, resolution());
  persist(ctx, m.key);
  ctx.observe(Wrote{m.key, dot, m.context});
  if (owner) {
    ctx.observe(Hinted{m.key, *owner});
  } else {
    ctx.observe(Stored{m.key, copy.dots(), copy.context});
  }
  replicate(ctx, m, copy, dot, targets);
}

// coordinate: any, at a server that is not among the write's replicas (the PBS model's
// coordinator), and every write with fanout quorum: the new version is the client's context with
// the new dot and value alone, which each replica merges into its copy (dropping what the context
// covers, as an update would). The dot's counter is this server's own for the key, kept durable
// (above every dot it gave out by either path); it stores no copy unless it is one of the targets.
void Server::coordinate_elsewhere(sim::Context& ctx, const ClientPut& m, std::vector<Target> targets) {
  if (cfg_.fanout == Fanout::quorum) choose_quorum(ctx, targets, cfg_.write_quorum());
  const sim::NodeId self = ctx.self();
  KeyState& k = keys_[m.key];
  k.counter = std::max(k.counter, m.context.max_counter(self)) + 1;
  Object version;
  const int64_t timestamp = (ctx.now() - sim::Time::zero()).ns();
  const Dot dot = version.update(m.context, self, k.counter, m.value, timestamp, resolution());
  persist(ctx, m.key);
  ctx.observe(Wrote{m.key, dot, m.context});
  replicate(ctx, m, std::move(version), dot, targets);
}

// The write's second half, wherever it was coordinated: send `object` (holding the new version
// `dot`) to every target and answer the client after W acknowledgements.
void Server::replicate(sim::Context& ctx, const ClientPut& m, Object object, const Dot& dot,
                       const std::vector<Target>& targets) {
  const uint64_t op = next_op(ctx);
  Pending& p = pending_[op];
  p.kind = Kind::put;
  p.client = m.client;
  p.seq = m.seq;
  p.key = m.key;
  p.object = std::move(object);
  p.dot = dot;
  p.needed = std::min<uint32_t>(cfg_.write_quorum(), cfg_.n);
  p.request_timer = set_timer(ctx, cfg_.request_timeout, RequestTimeout{op});
  for (const Target& t : targets) ask(ctx, op, p, t);
  if (!p.replied && p.answered.size() >= p.needed) put_ok(ctx, p);
  if (p.answered.size() >= p.targets.size()) finish(ctx, op);
}

// fanout quorum: keep `size` of the targets, chosen uniformly at random (a partial Fisher-Yates
// shuffle), as a probabilistic quorum system does (Malkhi et al.; PBS §3: "quorums of size W and
// R chosen uniformly at random").
void Server::choose_quorum(sim::Context& ctx, std::vector<Target>& targets, uint32_t size) {
  const size_t keep = std::min<size_t>(size, targets.size());
  for (size_t i = 0; i < keep; ++i) std::swap(targets[i], targets[i + ctx.rng().uniform(targets.size() - i)]);
  targets.resize(keep);
}

void Server::ask(sim::Context& ctx, uint64_t op, Pending& p, const Target& t) {
  p.targets.push_back(t);
  if (t.node == ctx.self()) {
    // The coordinator is one of the replicas: a read or a write does its part at once; ABD's
    // phases count it through abd_local() once every replica has been asked.
    if (p.kind == Kind::get) {
      const Object o = local_copy(p.key);
      p.replies[t.node] = o;
      p.merged.merge(o, resolution());
      p.answered.insert(t.node);
    } else if (p.kind == Kind::put) {
      store(ctx, p.key, p.object, t.owner);
      p.answered.insert(t.node);
    }
    return;
  }
  switch (p.kind) {
    case Kind::put: send(ctx, t.node, Replicate{op, p.key, p.object, t.owner}); break;
    case Kind::get: send(ctx, t.node, Read{op, p.key}); break;
    case Kind::abd_get:
    case Kind::abd_put:
      if (p.storing) {
        send(ctx, t.node, AbdStore{op, p.key, p.tag, p.value});
      } else {
        send(ctx, t.node, AbdQuery{op, p.key});
      }
      break;
  }
  p.replica_timers[t.node] = set_timer(ctx, cfg_.replica_timeout, ReplicaTimeout{op, t.node});
}

void Server::on_replicate(sim::Context& ctx, sim::NodeId from, const Replicate& m) {
  store(ctx, m.key, m.object, m.hint);
  send(ctx, from, ReplicateAck{m.op, m.key});
  // A coordinator with an older ring took this server for a home replica it no longer is: the
  // copy moves on to the key's home replicas like any other it no longer hosts.
  if (!m.hint && !is_home(m.key, self_))
    for (sim::NodeId h : ring_.home(m.key, cfg_.n)) transfers_[m.key].insert(h);
}

void Server::store(sim::Context& ctx, const std::string& key, const Object& o, std::optional<sim::NodeId> owner) {
  KeyState& k = keys_[key];
  if (owner && *owner == ctx.self()) owner.reset();  // a hint for ourselves: it is our home copy
  if (owner) hinted_.insert(key);
  Object& copy = owner ? k.hints[*owner] : k.home;
  const Object before = copy;
  copy.merge(o, resolution());
  if (copy == before && ctx.storage().contains(record_key(key))) return;
  persist(ctx, key);
  if (owner) {
    ctx.observe(Hinted{key, *owner});
  } else {
    ctx.observe(Stored{key, copy.dots(), copy.context});
  }
}

Object Server::local_copy(const std::string& key) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return Object{};
  Object o = it->second.home;
  for (const auto& [owner, h] : it->second.hints) o.merge(h, resolution());
  return o;
}

// ---- Dynamo: reads ----

void Server::on_client_get(sim::Context& ctx, const ClientGet& m) {
  if (cfg_.mode == Mode::abd) return abd_start(ctx, Kind::abd_get, m.client, m.seq, m.key, std::nullopt);
  const uint64_t op = next_op(ctx);
  Pending& p = pending_[op];
  p.kind = Kind::get;
  p.client = m.client;
  p.seq = m.seq;
  p.key = m.key;
  p.needed = std::min(cfg_.r, cfg_.n);
  p.request_timer = set_timer(ctx, cfg_.request_timeout, RequestTimeout{op});
  std::vector<Target> targets = plan(ctx, m.key);
  if (cfg_.fanout == Fanout::quorum) choose_quorum(ctx, targets, p.needed);
  for (const Target& t : targets) ask(ctx, op, p, t);
  if (!p.replied && p.answered.size() >= p.needed) get_ok(ctx, p);
  if (p.answered.size() >= p.targets.size()) finish(ctx, op);
}

void Server::on_read_reply(sim::Context& ctx, sim::NodeId from, const ReadReply& m) {
  auto it = pending_.find(m.op);
  if (it == pending_.end() || it->second.kind != Kind::get || it->second.answered.contains(from)) return;
  Pending& p = it->second;
  p.answered.insert(from);
  ctx.cancel_timer(p.replica_timers[from]);
  p.replies[from] = m.object;
  p.merged.merge(m.object, resolution());
  // The answer is the merge of the first R replies (Dynamo §4.5; PBS's "first R responses").
  if (!p.replied && p.answered.size() >= p.needed) get_ok(ctx, p);
  if (p.answered.size() >= p.targets.size()) finish(ctx, m.op);
}

void Server::repair(sim::Context& ctx, Pending& p) {
  // Bug no_read_repair: stale replicas are left as they are.
  if (!cfg_.read_repair || cfg_.bugs.no_read_repair) return;
  for (const auto& [node, o] : p.replies) {
    if (!is_home(p.key, node)) continue;  // fallbacks hand off what they hold; only home copies are repaired
    Object after = o;
    after.merge(p.merged, resolution());
    if (after == o) continue;
    ctx.observe(Repaired{p.key, node});
    if (node == ctx.self()) {
      store(ctx, p.key, p.merged, std::nullopt);
    } else {
      send(ctx, node, Repair{p.key, p.merged});
    }
  }
}

// ---- both ----

// The client learns its write's dot and, like Riak's "return_body", the coordinator's copy after
// the write: every sibling's value and the copy's context, which its next write of the key
// carries. (A context must only claim what its holder has seen: the client's own context plus the
// new dot would claim every earlier dot of the coordinator, some of which it never saw.)
void Server::put_ok(sim::Context& ctx, Pending& p) {
  reply(ctx, p, ClientReply{p.client, p.seq, true, "", values_of(p.object), {p.dot}, p.object.context});
}

void Server::get_ok(sim::Context& ctx, Pending& p) {
  reply(ctx, p, ClientReply{p.client, p.seq, true, "", values_of(p.merged), p.merged.dots(), p.merged.context});
}

void Server::reply(sim::Context& ctx, Pending& p, ClientReply r) {
  p.replied = true;
  send(ctx, sim::NodeId(p.client.node()), std::move(r));
}

void Server::finish(sim::Context& ctx, uint64_t op) {
  auto it = pending_.find(op);
  if (it == pending_.end()) return;
  Pending& p = it->second;
  if (p.kind == Kind::get) repair(ctx, p);
  for (const auto& [node, id] : p.replica_timers) ctx.cancel_timer(id);
  ctx.cancel_timer(p.request_timer);
  pending_.erase(it);
}

void Server::on_replica_timeout(sim::Context& ctx, const ReplicaTimeout& t) {
  auto it = pending_.find(t.op);
  if (it == pending_.end() || it->second.answered.contains(t.replica)) return;
  Pending& p = it->second;
  suspect(ctx, t.replica);
  if (p.kind == Kind::abd_get || p.kind == Kind::abd_put) {
    // ABD's quorums are strict: ask the same replica again.
    const auto asked = std::find_if(p.targets.begin(), p.targets.end(), [&](const Target& x) { return x.node == t.replica; });
    if (asked != p.targets.end()) p.targets.erase(asked);
    ask(ctx, t.op, p, Target{t.replica, std::nullopt});
    return;
  }
  if (!cfg_.sloppy) return;
  // §4.6: the next healthy server on the preference list takes the timed-out replica's place,
  // with a hint naming the home replica the copy is for.
  const auto timed_out = std::find_if(p.targets.begin(), p.targets.end(), [&](const Target& x) { return x.node == t.replica; });
  const sim::NodeId owner = timed_out != p.targets.end() && timed_out->owner ? *timed_out->owner : t.replica;
  if (!is_home(p.key, owner)) return;
  for (sim::NodeId n : ring_.preference(p.key)) {
    if (is_home(p.key, n) || suspected(ctx, n)) continue;
    if (std::any_of(p.targets.begin(), p.targets.end(), [&](const Target& x) { return x.node == n; })) continue;
    ask(ctx, t.op, p, Target{n, owner});
    // (the coordinator itself may have been the fallback, counted at once)
    if (p.kind == Kind::put && !p.replied && p.answered.size() >= p.needed) put_ok(ctx, p);
    if (p.kind == Kind::get && !p.replied && p.answered.size() >= p.needed) get_ok(ctx, p);
    return;
  }
}

void Server::on_request_timeout(sim::Context& ctx, uint64_t op) {
  auto it = pending_.find(op);
  if (it == pending_.end()) return;
  Pending& p = it->second;
  if (!p.replied) {
    const bool write = p.kind == Kind::put || p.kind == Kind::abd_put;
    reply(ctx, p, ClientReply{p.client, p.seq, false,
                              std::to_string(p.answered.size()) + " of " + std::to_string(p.needed) + " replicas " +
                                  (write ? "acknowledged" : "answered") + " in time",
                              {}, {}, {}});
  }
  finish(ctx, op);
}

// ---- hinted hand-off ----

void Server::handoff(sim::Context& ctx) {
  for (auto it = hinted_.begin(); it != hinted_.end();) {
    const KeyState& k = keys_.at(*it);
    if (k.hints.empty()) {  // all handed off (or re-homed) since
      it = hinted_.erase(it);
      continue;
    }
    for (const auto& [owner, o] : k.hints)
      if (!suspected(ctx, owner)) send(ctx, owner, Handoff{*it, o});
    ++it;
  }
  // Keys moving to new home replicas after a membership change, until each acknowledges.
  for (const auto& [key, to] : transfers_)
    for (sim::NodeId n : to)
      if (!suspected(ctx, n)) send(ctx, n, Handoff{key, keys_.at(key).home});
}

void Server::on_handoff_ack(sim::Context& ctx, sim::NodeId from, const HandoffAck& m) {
  auto it = keys_.find(m.key);
  if (it == keys_.end()) return;
  if (auto t = transfers_.find(m.key); t != transfers_.end() && t->second.contains(from) &&
                                       m.context.covers(it->second.home.context)) {
    t->second.erase(from);
    if (t->second.empty()) {
      transfers_.erase(t);
      if (!is_home(m.key, self_) && !it->second.home.empty()) {
        it->second.home = Object{};
        persist(ctx, m.key);
        ctx.observe(Transferred{m.key});
        ctx.observe(Stored{m.key, {}, {}});
      }
    }
  }
  auto h = it->second.hints.find(from);
  // Drop the hinted copy only if the home replica now has all of it (nothing newer came in since).
  if (h == it->second.hints.end() || !m.context.covers(h->second.context)) return;
  it->second.hints.erase(h);
  persist(ctx, m.key);
  ctx.observe(HandedOff{m.key, from});
}

// ---- membership (§4.8.1, §4.9) ----

void Server::persist_ring(sim::Context& ctx) {
  ctx.storage().put("ring", sim::to_json_value(RingState{{joined_.begin(), joined_.end()}, {left_.begin(), left_.end()}}));
  ctx.sync();
}

void Server::announce(sim::Context& ctx) {
  const RingState r{{joined_.begin(), joined_.end()}, {left_.begin(), left_.end()}};
  for (uint32_t n = 0; n < ctx.servers(); ++n)
    if (sim::NodeId(n) != self_) send(ctx, sim::NodeId(n), r);
}

void Server::on_ring_state(sim::Context& ctx, const RingState& m) {
  const size_t before = joined_.size() + left_.size();
  for (sim::NodeId n : m.joined)
    if (n.value < ctx.servers()) joined_.insert(n);
  for (sim::NodeId n : m.left)
    if (n.value < ctx.servers()) left_.insert(n);
  if (joined_.size() + left_.size() == before) return;
  persist_ring(ctx);
  rebuild_ring(ctx);
}

// The ring of the initial members, the joined and not the left. A key whose home replicas changed
// goes to each new one (Dynamo §4.9: "the nodes that no longer should store some keys transfer
// those keys to the new node"); a server no longer among a key's home replicas sends its copy to
// all of them and drops it once each has acknowledged.
void Server::rebuild_ring(sim::Context& ctx) {
  std::set<sim::NodeId> members;
  for (sim::NodeId n : cfg_.initial_members(ctx.servers())) members.insert(n);
  members.insert(joined_.begin(), joined_.end());
  for (sim::NodeId n : left_) members.erase(n);
  const Ring old = ring_;
  ring_ = Ring({members.begin(), members.end()}, cfg_.vnodes);
  if (cfg_.mode != Mode::dynamo) return;
  // (At start there is no previous ring: only copies this server no longer hosts move.)
  const bool starting = old.size() == 0;
  for (const auto& [key, k] : keys_) {
    if (k.home.empty()) continue;
    const std::vector<sim::NodeId> was = old.home(key, cfg_.n), now = ring_.home(key, cfg_.n);
    const bool stays = std::find(now.begin(), now.end(), self_) != now.end();
    for (sim::NodeId h : now) {
      if (h == self_ || (stays && (starting || std::find(was.begin(), was.end(), h) != was.end()))) continue;
      if (transfers_[key].insert(h).second) send(ctx, h, Handoff{key, k.home});
    }
    if (stays) {
      auto t = transfers_.find(key);
      if (t != transfers_.end() && t->second.empty()) transfers_.erase(t);
    }
  }
  // A hinted copy whose owner is no longer a home replica of its key (it left, or the key moved)
  // can never be handed off to it: its contents join this server's own copy, which goes to the
  // key's home replicas like any other that moves.
  for (auto& [key, k] : keys_) {
    for (auto h = k.hints.begin(); h != k.hints.end();) {
      if (is_home(key, h->first)) {
        ++h;
        continue;
      }
      const Object orphan = std::move(h->second);
      h = k.hints.erase(h);
      k.home.merge(orphan, resolution());
      persist(ctx, key);
      if (is_home(key, self_)) ctx.observe(Stored{key, k.home.dots(), k.home.context});
      for (sim::NodeId n : ring_.home(key, cfg_.n))
        if (n != self_ && transfers_[key].insert(n).second) send(ctx, n, Handoff{key, k.home});
    }
  }
}

// ---- anti-entropy (§4.7) ----

MerkleTree Server::tree_with(sim::NodeId peer) const {
  MerkleTree t;
  for (const auto& [key, k] : keys_)
    if (!k.home.empty() && is_home(key, peer) && is_home(key, self_)) t.add(key, k.home);
  return t;
}

std::vector<KeyCopy> Server::copies_in(sim::NodeId peer, const std::vector<uint32_t>& leaves) const {
  std::vector<KeyCopy> out;
  for (const auto& [key, k] : keys_) {
    if (k.home.empty() || !is_home(key, peer) || !is_home(key, self_)) continue;
    if (std::find(leaves.begin(), leaves.end(), MerkleTree::leaf_of(key)) != leaves.end()) out.push_back(KeyCopy{key, k.home});
  }
  return out;
}

// Every period, the next server in turn (one this server does not suspect): within S - 1 periods
// it has compared its keys with every other server's.
void Server::anti_entropy(sim::Context& ctx) {
  const uint32_t n = ctx.servers();
  for (uint32_t step = 0; step < n; ++step) {
    const sim::NodeId peer(ae_next_++ % n);
    if (peer == ctx.self() || suspected(ctx, peer)) continue;
    send(ctx, peer, AeHashes{0, {0}, {tree_with(peer).hash(0, 0)}});
    return;
  }
}

void Server::on_ae_hashes(sim::Context& ctx, sim::NodeId from, const AeHashes& m) {
  if (m.nodes.size() != m.hashes.size() || m.level > MerkleTree::kDepth) return;
  const MerkleTree mine = tree_with(from);
  std::vector<uint32_t> differ;
  for (size_t i = 0; i < m.nodes.size(); ++i)
    if (m.nodes[i] < MerkleTree::nodes_at(m.level) && mine.hash(m.level, m.nodes[i]) != m.hashes[i]) differ.push_back(m.nodes[i]);
  if (differ.empty()) return;  // in sync
  if (m.level == MerkleTree::kDepth) {
    send(ctx, from, AeData{differ, copies_in(from, differ), false});
    return;
  }
  // One level down: this server's hashes of the children of the nodes that differ.
  AeHashes down{m.level + 1, {}, {}};
  for (uint32_t node : differ) {
    for (uint32_t c = 0; c < MerkleTree::kFanout; ++c) {
      down.nodes.push_back(node * MerkleTree::kFanout + c);
      down.hashes.push_back(mine.hash(m.level + 1, node * MerkleTree::kFanout + c));
    }
  }
  send(ctx, from, std::move(down));
}

void Server::on_ae_data(sim::Context& ctx, sim::NodeId from, const AeData& m) {
  uint32_t changed = 0;
  for (const KeyCopy& c : m.copies) {
    if (!is_home(c.key, ctx.self()) || !is_home(c.key, from)) continue;
    const Object before = keys_.contains(c.key) ? keys_.at(c.key).home : Object{};
    store(ctx, c.key, c.object, std::nullopt);
    if (!(keys_.at(c.key).home == before)) ++changed;
  }
  if (changed > 0) ctx.observe(AeRepaired{from, changed});
  if (!m.reply) send(ctx, from, AeData{m.leaves, copies_in(from, m.leaves), true});
}

// ---- ABD ----

void Server::abd_start(sim::Context& ctx, Kind kind, SessionId client, uint64_t seq, const std::string& key,
                       std::optional<std::string> value) {
  const uint64_t op = next_op(ctx);
  Pending& p = pending_[op];
  p.kind = kind;
  p.client = client;
  p.seq = seq;
  p.key = key;
  p.write_value = std::move(value);
  p.needed = std::min(cfg_.r, cfg_.n);
  p.request_timer = set_timer(ctx, cfg_.request_timeout, RequestTimeout{op});
  abd_phase(ctx, op, p);
}

// Asks every home replica for the current phase; the coordinator answers its own part last.
void Server::abd_phase(sim::Context& ctx, uint64_t op, Pending& p) {
  bool local = false;
  for (const Target& t : plan(ctx, p.key)) {
    if (t.node == ctx.self()) {
      p.targets.push_back(t);
      local = true;
    } else {
      ask(ctx, op, p, t);
    }
  }
  if (!local) return;
  if (!p.storing) {
    const KeyState* k = keys_.contains(p.key) ? &keys_.at(p.key) : nullptr;
    on_abd_value(ctx, ctx.self(), AbdValue{op, p.key, k ? k->tag : Tag{}, k ? k->value : std::nullopt});
  } else {
    KeyState& k = keys_[p.key];
    if (p.tag > k.tag) {
      k.tag = p.tag;
      k.value = p.value;
      persist(ctx, p.key);
    }
    on_abd_stored(ctx, ctx.self(), AbdStored{op, p.key});
  }
}

void Server::on_abd_value(sim::Context& ctx, sim::NodeId from, const AbdValue& m) {
  auto it = pending_.find(m.op);
  if (it == pending_.end() || it->second.storing || it->second.answered.contains(from)) return;
  Pending& p = it->second;
  if (p.kind != Kind::abd_get && p.kind != Kind::abd_put) return;
  if (auto t = p.replica_timers.find(from); t != p.replica_timers.end()) ctx.cancel_timer(t->second);
  if (p.answered.empty() || m.tag > p.tag) {
    p.tag = m.tag;
    p.value = m.value;
  }
  p.answered.insert(from);
  if (p.answered.size() < p.needed) return;
  // Phase 2: a write stores its value under a larger tag; a read writes back what it found.
  if (p.kind == Kind::abd_put) {
    p.tag = Tag{p.tag.counter + 1, ctx.self(), m.op};
    p.value = p.write_value;
  }
  p.storing = true;
  p.needed = std::min(cfg_.write_quorum(), cfg_.n);
  for (const auto& [node, id] : p.replica_timers) ctx.cancel_timer(id);
  p.replica_timers.clear();
  p.answered.clear();
  p.targets.clear();
  abd_phase(ctx, m.op, p);
}

void Server::on_abd_stored(sim::Context& ctx, sim::NodeId from, const AbdStored& m) {
  auto it = pending_.find(m.op);
  if (it == pending_.end() || !it->second.storing || it->second.answered.contains(from)) return;
  Pending& p = it->second;
  if (auto t = p.replica_timers.find(from); t != p.replica_timers.end()) ctx.cancel_timer(t->second);
  p.answered.insert(from);
  if (p.replied || p.answered.size() < p.needed) return;
  std::vector<std::string> values;
  if (p.value) values.push_back(*p.value);
  reply(ctx, p, ClientReply{p.client, p.seq, true, "", std::move(values), {}, {}});
  finish(ctx, m.op);
}

// ---- for people ----

void Server::describe(const sim::Context& ctx, nlohmann::json& state) const {
  nlohmann::json keys(nlohmann::json::value_t::object);
  size_t hints = 0;
  for (const auto& [key, k] : keys_) {
    hints += k.hints.size();
    if (cfg_.mode == Mode::abd) {
      if (k.value) keys[key] = *k.value + " @" + std::to_string(k.tag.counter) + "." + ctx.name(k.tag.writer);
      continue;
    }
    if (k.home.empty()) continue;
    std::string s;
    for (const Sibling& sib : k.home.siblings) s += (s.empty() ? "" : " | ") + sib.value;
    keys[key] = s + " " + k.home.context.text(ctx.topology().names());
  }
  state["keys"] = std::move(keys);
  state["hinted_copies"] = hints;
  std::vector<std::string> down;
  for (uint32_t n = 0; n < suspect_until_.size(); ++n)
    if (suspected(ctx, sim::NodeId(n))) down.push_back(ctx.name(sim::NodeId(n)));
  state["suspects"] = down;
  state["requests_in_flight"] = pending_.size();
}

}  // namespace dsim::quorum

#include "faults/schedule.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include "faults/byzantine.h"
#include "faults/spec.h"
#include "sim/config.h"
#include "sim/registry.h"
#include "sim/rng.h"

namespace dsim::faults {
namespace {

class FaultsSection final : public sim::ScenarioSection {
 public:
  std::string_view key() const override { return "faults"; }
  void read(sim::ConfigReader& root, const sim::Scenario& s, nlohmann::json& resolved) const override {
    nlohmann::json list = nlohmann::json::array();
    const sim::Topology topology = s.topology();
    for (const Fault& f : read_faults(root, s)) list.push_back(to_json(f, topology));
    resolved["faults"] = list;
  }
};

// A fault acting on messages while it lasts.
struct Effect {
  uint64_t id;
  Kind kind;
  std::vector<bool> from, to;  // omit/byzantine: `from` is the node set
  Fault fault;
  sim::Rng* rng;
  std::deque<sim::MessagePtr> sent;  // replay: the node's recent messages
};

class Schedule final : public Installed, public sim::MessageFilter, public sim::TraceSink {
 public:
  Schedule(sim::Simulation& sim, const sim::Scenario& scenario, std::vector<Fault> faults)
      : sim_(sim), scenario_(scenario), faults_(std::move(faults)) {
    sim_.add_filter(this);
    points_ = std::any_of(faults_.begin(), faults_.end(), [](const Fault& f) { return f.kind == Kind::nemesis && f.nemesis.crash_points > 0; });
    if (!scenario.protocol->selectors.empty() || points_) sim_.add_sink(this);
    for (const Fault& f : faults_) {
      if (f.kind == Kind::nemesis) sim_.schedule(sim::Time::zero() + f.at, [this, &f] { nemesis_step(f); });
      else sim_.schedule(sim::Time::zero() + f.at, [this, &f] { start(f); });
    }
  }

  const std::vector<nlohmann::json>& fired() const override { return fired_; }
  const std::vector<std::string>& notes() const override { return notes_; }

  // ---- selectors: the latest observation of each name, per the protocol's selectors ----
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind != sim::TraceKind::observe) return;
    // Found by the view first: no string is built for a name already known (every observation
    // passes here when a protocol has selectors or a nemesis has crash points).
    if (const auto it = latest_.find(ev.name); it != latest_.end()) it->second = ev.node;
    else latest_.emplace(std::string(ev.name), ev.node);
    if (!points_ || ev.node.value >= sim_.topology().servers()) return;  // crash points are servers' steps
    if (!step_names_.count(ev.name)) {
      step_names_.emplace(ev.name);
      steps_seen_.emplace_back(ev.name);
    }
    if (armed_.empty()) return;
    const auto it = std::find_if(armed_.begin(), armed_.end(), [&](const CrashPoint& p) { return p.step == ev.name; });
    if (it == armed_.end()) return;
    CrashPoint point = *it;
    armed_.erase(it);
    // Right after the step, not inside it: the handler's writes are synced and its messages
    // sent by now (observations wait for their sync), and the crash is an event of its own,
    // 1ns later, so an emitted schedule replays it at the same place.
    sim_.schedule(sim_.now() + sim::Duration::nanos(1), [this, point, node = ev.node] { fire(point, node); });
  }

  // ---- message filter ----
  std::string_view on_send(sim::NodeId from, sim::NodeId to, sim::MessagePtr& msg, sim::SendEffects& fx) override {
    for (auto& e : effects_) {
      switch (e->kind) {
        case Kind::omit:
          if (e->from[from.value] && e->fault.send > 0 && e->rng->bernoulli(e->fault.send)) return "send_omission";
          break;
        case Kind::lossy:
          if (e->from[from.value] && e->to[to.value] && e->rng->bernoulli(e->fault.p)) return "link_loss";
          break;
        case Kind::slow:
          if (e->from[from.value] && e->to[to.value]) fx.delay += e->fault.delay;
          break;
        case Kind::duplicate:
          if (e->from[from.value] && e->to[to.value] && e->rng->bernoulli(e->fault.p)) ++fx.extra_copies;
          break;
        case Kind::drop:
          // At send time, not on arrival: the rule covers exactly the messages sent while it
          // lasts, whatever their latency, so a scripted lesson drops the same messages under
          // every seed (on arrival, one sent just before the window could fall in it or not).
          if (e->from[from.value] && e->to[to.value] && drops_type(*e, msg->type_name())) return "scripted_drop";
          break;
        case Kind::byzantine:
          if (e->from[from.value] && e->rng->bernoulli(e->fault.p)) {
            if (!rewrite(*e, from, to, msg)) return "byzantine_drop";
          }
          break;
        default:
          break;
      }
    }
    return {};
  }
  std::string_view on_receive(sim::NodeId, sim::NodeId to, const sim::Envelope&) override {
    for (auto& e : effects_)
      if (e->kind == Kind::omit && e->from[to.value] && e->fault.receive > 0 && e->rng->bernoulli(e->fault.receive))
        return "receive_omission";
    return {};
  }

 private:
  static bool drops_type(const Effect& e, std::string_view type) {
    if (e.fault.types.empty()) return true;
    return std::find(e.fault.types.begin(), e.fault.types.end(), type) != e.fault.types.end();
  }

  sim::Rng& rng(const std::string& stream) {
    auto it = rngs_.find(stream);
    if (it == rngs_.end()) it = rngs_.emplace(stream, sim::Rng::derive(sim_.seed(), stream)).first;
    return it->second;
  }

  std::vector<sim::NodeId> servers() const {
    std::vector<sim::NodeId> all;
    for (uint32_t i = 0; i < sim_.topology().servers(); ++i) all.push_back(sim::NodeId(i));
    return all;
  }

  std::vector<sim::NodeId> pick(std::vector<sim::NodeId> pool, size_t k, sim::Rng& r) const {
    k = std::min(k, pool.size());
    for (size_t i = 0; i < k; ++i) std::swap(pool[i], pool[i + r.uniform(pool.size() - i)]);  // partial Fisher-Yates
    pool.resize(k);
    std::sort(pool.begin(), pool.end());
    return pool;
  }

  // A selector resolved when the fault fires. When it matches no node, `*why` (if still
  // empty) says why, for the run's notes and the fault's trace record.
  Target resolve(const Target& t, sim::Rng& r, std::string* why) {
    if (t.selector.empty()) return t;
    Target out;
    std::string detail;
    const size_t n = sim_.topology().servers();
    if (t.selector == "all") out.nodes = servers();
    else if (t.selector == "random") out.nodes = pick(servers(), 1, r);
    else if (t.selector == "minority") {
      out.nodes = pick(servers(), (n - 1) / 2, r);
      detail = "a minority of " + std::to_string(n) + " servers is none";
    }
    else if (t.selector == "majority") out.nodes = pick(servers(), n / 2 + 1, r);
    else {
      for (const auto& sel : scenario_.protocol->selectors)
        if (sel.name == t.selector) {
          auto it = latest_.find(sel.observation);
          if (it != latest_.end() && sim_.is_up(it->second)) out.nodes.push_back(it->second);
          else if (it == latest_.end()) detail = "no server has observed \"" + sel.observation + "\" yet";
          else detail = sim_.topology().name(it->second) + ", the last to observe \"" + sel.observation + "\", is down";
        }
    }
    if (out.nodes.empty() && why && why->empty())
      *why = "no node matched \"" + t.selector + "\"" + (detail.empty() ? "" : " (" + detail + ")");
    return out;
  }

  // "fault 0 (crash leader at 1000.000ms)": the scenario's entry, as the notes name it.
  std::string label(const Fault& spec) const {
    std::string selector = spec.target.selector;
    if (selector.empty() && !spec.from.selector.empty()) selector = "from " + spec.from.selector;
    if (selector.empty() && !spec.to.selector.empty()) selector = "to " + spec.to.selector;
    const std::string name = spec.stream.rfind("fault/", 0) == 0 ? "fault " + spec.stream.substr(6) : spec.stream;
    return name + " (" + std::string(to_string(spec.kind)) + (selector.empty() ? "" : " " + selector) + " at " +
           sim::format_ms(sim_.now() - sim::Time::zero()) + ")";
  }

  std::vector<bool> membership(const std::vector<sim::NodeId>& nodes) const {
    std::vector<bool> m(sim_.topology().size(), false);
    for (auto n : nodes) m[n.value] = true;
    return m;
  }
  std::vector<bool> membership(const Target& t) const {
    return t.any ? std::vector<bool>(sim_.topology().size(), true) : membership(t.nodes);
  }

  void end_later(const Fault& f, std::function<void()> undo) {
    if (!f.length) return;
    sim_.schedule(sim_.now() + *f.length, [this, stream = f.stream, kind = f.kind, undo = std::move(undo)] {
      const char* what = kind == Kind::crash ? "restart" : kind == Kind::clock ? "clock_restore"
                         : (kind == Kind::partition || kind == Kind::isolate || kind == Kind::cut) ? "heal" : "end";
      sim_.record(sim::TraceKind::fault, what, nlohmann::json{{"stream", stream}, {"end_of", to_string(kind)}});
      undo();
    });
  }

  // Starts a fault: resolves its targets, records it (concrete), applies it, arms its end.
  void start(const Fault& spec) {
    Fault f = spec;
    // Targets are drawn from a stream of their own, so the fault's other draws (omission,
    // corruption) are the same whether its targets were a selector or written out.
    sim::Rng& pick_rng = rng(f.stream + "/targets");
    std::string missed;  // why a selector matched no node
    f.target = resolve(f.target, pick_rng, &missed);
    f.from = resolve(f.from, pick_rng, &missed);
    f.to = resolve(f.to, pick_rng, &missed);
    sim::Rng& r = rng(f.stream);
    // Said in the trace (dsim log shows it) and in the run's notes, never silently: a lesson
    // whose "crash the leader" found no leader shows nothing of what it meant to. The emitted
    // schedule keeps the note (a materialized fault replays its note with it).
    if (!missed.empty()) f.note = "hit no node: " + missed;
    const nlohmann::json concrete = to_json(f, sim_.topology());
    fired_.push_back(concrete);
    sim_.record(sim::TraceKind::fault, to_string(f.kind), concrete);
    if (!f.note.empty()) notes_.push_back(label(spec) + " " + f.note);
    const uint32_t n = sim_.topology().size();
    sim::Network::Cut cut;
    switch (f.kind) {
      case Kind::crash:
        for (auto x : f.target.nodes) sim_.crash(x, f.lose_unsynced);
        end_later(f, [this, nodes = f.target.nodes] {
          for (auto x : nodes) sim_.restart(x);
        });
        return;
      case Kind::restart:
        for (auto x : f.target.nodes) sim_.restart(x);
        return;
      case Kind::heal:
        // Every link reconnects and every message fault ends (faults/healing.cc counts a
        // lasting one as healed here); Byzantine nodes stay Byzantine.
        sim_.network().heal_all();
        std::erase_if(effects_, [](const std::unique_ptr<Effect>& e) { return e->kind != Kind::byzantine; });
        return;
      case Kind::clock: {
        std::vector<int64_t> old_drift;
        for (auto x : f.target.nodes) {
          old_drift.push_back(sim_.clock(x).drift_ppb());
          if (f.jump != sim::Duration{}) sim_.jump_clock(x, f.jump);
          if (f.drift_ppm) sim_.set_drift(x, static_cast<int64_t>(std::llround(*f.drift_ppm * 1000)));
        }
        end_later(f, [this, f, old_drift] {
          for (size_t i = 0; i < f.target.nodes.size(); ++i) {
            if (f.jump != sim::Duration{}) sim_.jump_clock(f.target.nodes[i], -f.jump);
            if (f.drift_ppm) sim_.set_drift(f.target.nodes[i], old_drift[i]);
          }
        });
        return;
      }
      case Kind::partition: {
        // Each node's groups, in order; a node in none (a client left out of the list) keeps
        // every link.
        cut.kind = sim::Network::Cut::Kind::groups;
        std::vector<std::vector<bool>> member;
        for (const auto& g : f.groups) member.push_back(membership(g));
        cut.first.reserve(n + 1);
        for (uint32_t x = 0; x < n; ++x) {
          cut.first.push_back(static_cast<uint32_t>(cut.group_ids.size()));
          for (uint32_t g = 0; g < member.size(); ++g)
            if (member[g][x]) cut.group_ids.push_back(g);
        }
        cut.first.push_back(static_cast<uint32_t>(cut.group_ids.size()));
        break;
      }
      case Kind::isolate:
        cut.kind = sim::Network::Cut::Kind::isolate;
        cut.a = membership(f.target.nodes);
        break;
      case Kind::cut:
        cut.kind = sim::Network::Cut::Kind::links;
        cut.a = membership(f.from.nodes);
        cut.b = membership(f.to.nodes);
        break;
      case Kind::omit:
      case Kind::lossy:
      case Kind::slow:
      case Kind::duplicate:
      case Kind::drop:
      case Kind::byzantine: {
        auto e = std::make_unique<Effect>();
        e->id = ++effect_counter_;
        e->kind = f.kind;
        const bool node_set = f.kind == Kind::omit || f.kind == Kind::byzantine;
        e->from = node_set ? membership(f.target) : membership(f.from);
        e->to = node_set ? membership(std::vector<sim::NodeId>{}) : membership(f.to);
        e->fault = f;
        e->rng = &r;
        const uint64_t id = e->id;
        effects_.push_back(std::move(e));
        end_later(f, [this, id] {
          std::erase_if(effects_, [id](const std::unique_ptr<Effect>& x) { return x->id == id; });
        });
        return;
      }
      case Kind::storage_slow:
        for (auto x : f.target.nodes) sim_.add_sync_extra(x, f.delay);
        end_later(f, [this, nodes = f.target.nodes, d = f.delay] {
          for (auto x : nodes) sim_.add_sync_extra(x, -d);
        });
        return;
      case Kind::fsync_lies:
        for (auto x : f.target.nodes) sim_.add_sync_lies(x, 1);
        end_later(f, [this, nodes = f.target.nodes] {
          for (auto x : nodes) sim_.add_sync_lies(x, -1);
        });
        return;
      case Kind::corrupt:
        for (auto x : f.target.nodes) {
          const std::string what = sim_.corrupt_storage(x, r);
          sim_.record(sim::TraceKind::fault, "corrupted",
                      nlohmann::json{{"stream", f.stream}, {"record", what.empty() ? "none (no durable record)" : what}}, x);
        }
        return;
      case Kind::nemesis:
        return;
    }
    const uint64_t id = sim_.network().add_cut(std::move(cut));
    end_later(f, [this, id] { sim_.network().remove_cut(id); });
  }

  // Byzantine rewriting; false means drop the message.
  bool rewrite(Effect& e, sim::NodeId from, sim::NodeId to, sim::MessagePtr& msg) {
    const std::string& s = e.fault.strategy;
    if (s == "mute") return false;
    if (s == "corrupt" || s == "equivocate") {
      nlohmann::json body = msg->to_json();
      const bool changed = s == "corrupt" ? mutate_random_leaf(body, *e.rng)
                                          : mutate_for_destination(body, to.value * 2654435761u + from.value);
      if (changed) msg = reencode(*scenario_.protocol, msg, body);
      return true;
    }
    if (s == "replay") {
      sim::MessagePtr current = msg;
      if (!e.sent.empty()) msg = e.sent[e.rng->uniform(e.sent.size())];
      e.sent.push_back(current);
      if (e.sent.size() > 32) e.sent.pop_front();
      return true;
    }
    for (const auto& st : scenario_.protocol->byzantine)
      if (st.name == s) {
        sim::MessagePtr out = st.rewrite(msg, from, to, *e.rng);
        if (!out) return false;
        msg = std::move(out);
      }
    return true;
  }

  // ---- the random nemesis ----
  void nemesis_step(const Fault& spec) {
    const sim::Time to = sim::Time::zero() + spec.at + *spec.length;
    sim::Rng& r = rng(spec.stream);
    int& active = nemesis_active_[spec.stream];
    if (sim_.now() >= to) return;
    const NemesisSpec& ns = spec.nemesis;
    if (ns.crash_points > 0 && !steps_seen_.empty() && r.bernoulli(ns.crash_points)) {
      // This fault is a crash point. It neither waits for nor holds a place among the
      // concurrent faults (the faults that bring its step about go on, and a long partition
      // does not keep it from its moment; the crash budget still holds); at most
      // max_concurrent points wait at once. Each kind of step seen so far is equally likely:
      // a rare step (a vote, a hinted copy) is as likely a target as a common one (a log
      // append).
      if (std::count_if(armed_.begin(), armed_.end(), [&](const CrashPoint& p) { return p.spec == &spec; }) <
          static_cast<long>(ns.max_concurrent))
        armed_.push_back(CrashPoint{&spec, steps_seen_[rng(spec.stream + "/points").uniform(steps_seen_.size())]});
    } else if (active < static_cast<int>(ns.max_concurrent)) {
      if (auto g = generate(spec, r, to)) {
        ++active;
        start(*g);
        sim_.schedule(sim_.now() + *g->length, [&active] { --active; });
      }
    }
    const auto gap = sim::Duration::nanos(1 + static_cast<int64_t>(r.exponential(static_cast<double>(spec.nemesis.every.ns()))));
    if (sim_.now() + gap < to) sim_.schedule(sim_.now() + gap, [this, &spec] { nemesis_step(spec); });
  }

  // A crash waiting for a protocol step (CrashMonkey and ALICE crash a system at its
  // persistence points; FoundationDB's simulator kills machines mid-protocol): state a
  // protocol forgets to make durable is lost exactly when a crash follows the step that
  // changed it, which a crash at a random time rarely does.
  struct CrashPoint {
    const Fault* spec;
    std::string step;  // the observation's name
  };

  static constexpr sim::Duration kQuickRestart = sim::Duration::micros(10);

  // Servers down now, and how many a nemesis may have down at once: the protocol's crash
  // budget, or every server with exceed_budget.
  struct CrashRoom {
    uint32_t down, budget;
  };
  CrashRoom crash_room(const NemesisSpec& ns) const {
    const uint32_t n = sim_.topology().servers();
    uint32_t down = 0;
    for (uint32_t i = 0; i < n; ++i) down += sim_.is_up(sim::NodeId(i)) ? 0 : 1;
    return {down, ns.exceed_budget ? n : scenario_.protocol->budget.max_crashed(n, scenario_.config)};
  }

  void fire(const CrashPoint& point, sim::NodeId node) {
    const Fault& spec = *point.spec;
    const NemesisSpec& ns = spec.nemesis;
    const sim::Time to = sim::Time::zero() + spec.at + *spec.length;
    if (sim_.now() >= to) return;
    const uint32_t n = sim_.topology().servers();
    const auto [down, budget] = crash_room(ns);
    if (!sim_.is_up(node) || down >= budget) {
      armed_.push_back(point);  // not here: the next server to take this step
      return;
    }
    sim::Rng& r = rng(spec.stream + "/points");
    Fault g;
    g.kind = Kind::crash;
    g.stream = spec.stream + "/" + std::to_string(generated_[spec.stream]++);
    g.at = sim_.now() - sim::Time::zero();
    // Log-uniform from a process restart (10us) to the nemesis's longest fault: a node back
    // before its peers have answered the step it took is where forgotten state shows (it acts
    // again, having forgotten) and a long outage is merely a crash.
    g.length = std::min(sim::log_uniform(r, std::min(kQuickRestart, ns.max_length), ns.max_length), to - sim_.now());
    // The node that took the step and, as the nemesis's other crashes do, a random number of
    // other servers within the budget (a rack losing power as a step completes).
    std::vector<sim::NodeId> others;
    for (uint32_t i = 0; i < n; ++i)
      if (i != node.value && sim_.is_up(sim::NodeId(i))) others.push_back(sim::NodeId(i));
    g.target.nodes = pick(others, r.uniform(std::min<uint64_t>(budget - down, others.size() + 1)), r);
    g.target.nodes.push_back(node);
    std::sort(g.target.nodes.begin(), g.target.nodes.end());
    if (ns.lose_unsynced > 0) g.lose_unsynced = r.bernoulli(ns.lose_unsynced);
    start(g);
  }

  std::optional<Fault> generate(const Fault& spec, sim::Rng& r, sim::Time to) {
    const NemesisSpec& ns = spec.nemesis;
    Fault g;
    g.kind = ns.kinds[r.uniform(ns.kinds.size())];
    g.stream = spec.stream + "/" + std::to_string(generated_[spec.stream]++);
    g.at = sim_.now() - sim::Time::zero();
    const int64_t span = (ns.max_length - ns.min_length).ns();
    g.length = std::min(ns.min_length + sim::Duration::nanos(static_cast<int64_t>(r.uniform(static_cast<uint64_t>(span) + 1))),
                        to - sim_.now());
    const auto all = servers();
    const uint32_t n = static_cast<uint32_t>(all.size());
    // "aim": with this probability a fault that strikes one node strikes the node one of the
    // protocol's selectors names (the leader, the coordinator) rather than a random server.
    std::optional<sim::NodeId> aimed;
    if (ns.aim > 0 && !scenario_.protocol->selectors.empty() && r.bernoulli(ns.aim)) {
      const auto& sel = scenario_.protocol->selectors[r.uniform(scenario_.protocol->selectors.size())];
      const auto it = latest_.find(sel.observation);
      if (it != latest_.end() && sim_.is_up(it->second) && sim_.topology().role(it->second) == sim::Role::server) aimed = it->second;
    }
    auto one = [&] { return aimed ? std::vector<sim::NodeId>{*aimed} : pick(all, 1, r); };
    switch (g.kind) {
      case Kind::crash: {
        std::vector<sim::NodeId> up;
        for (auto x : all)
          if (sim_.is_up(x)) up.push_back(x);
        const auto [down, budget] = crash_room(ns);
        if (down >= budget || up.empty()) return std::nullopt;  // stay inside the fault budget
        if (aimed) g.target.nodes = {*aimed};
        else g.target.nodes = pick(up, 1 + r.uniform(std::min<uint64_t>(budget - down, up.size())), r);
        if (ns.lose_unsynced > 0) g.lose_unsynced = r.bernoulli(ns.lose_unsynced);
        break;
      }
      case Kind::storage_slow: {
        g.target.nodes = one();
        g.delay = sim::Duration::micros(static_cast<int64_t>(500 + r.uniform(99'501)));  // 0.5ms to kLongestSpike
        break;
      }
      case Kind::partition: {
        if (n < 2) return std::nullopt;
        auto shuffled = all;
        for (size_t i = 0; i + 1 < shuffled.size(); ++i) std::swap(shuffled[i], shuffled[i + r.uniform(shuffled.size() - i)]);
        size_t split = 1 + r.uniform(n - 1);
        if (aimed) {  // the aimed node on the minority side
          std::iter_swap(shuffled.begin(), std::find(shuffled.begin(), shuffled.end(), *aimed));
          split = 1 + r.uniform(std::max<uint32_t>(1, (n - 1) / 2));
        }
        std::vector<sim::NodeId> a(shuffled.begin(), shuffled.begin() + static_cast<long>(split)), b(shuffled.begin() + static_cast<long>(split), shuffled.end());
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        g.groups = {a, b};
        break;
      }
      case Kind::isolate: g.target.nodes = one(); break;
      case Kind::cut:
      case Kind::lossy:
      case Kind::slow:
      case Kind::duplicate:
        g.from.nodes = one();
        g.to.nodes = all;
        g.p = g.kind == Kind::lossy ? 0.5 : 0.3;
        g.delay = sim::Duration::millis(10 + static_cast<int64_t>(r.uniform(91)));
        break;
      case Kind::clock:
        g.target.nodes = one();
        g.jump = sim::Duration::millis(static_cast<int64_t>(r.uniform(201)) - 100);
        g.drift_ppm = static_cast<double>(static_cast<int64_t>(r.uniform(1001)) - 500);
        break;
      case Kind::omit:
        g.target.nodes = one();
        (r.bernoulli(0.5) ? g.send : g.receive) = 0.2 + 0.6 * r.uniform01();
        break;
      case Kind::byzantine: {
        std::vector<std::string> strategies{"corrupt", "equivocate", "replay", "mute"};
        for (const auto& st : scenario_.protocol->byzantine) strategies.push_back(st.name);
        g.target.nodes = one();
        g.strategy = strategies[r.uniform(strategies.size())];
        break;
      }
      default:
        return std::nullopt;
    }
    return g;
  }

  sim::Simulation& sim_;
  const sim::Scenario& scenario_;
  std::vector<Fault> faults_;
  std::map<std::string, sim::Rng> rngs_;
  std::vector<std::unique_ptr<Effect>> effects_;
  uint64_t effect_counter_ = 0;
  std::map<std::string, sim::NodeId, std::less<>> latest_;
  std::map<std::string, int> nemesis_active_;
  std::map<std::string, uint64_t> generated_;
  std::vector<std::string> steps_seen_;  // observation names of servers, in order first seen
  std::set<std::string, std::less<>> step_names_;  // the same names, to look up
  std::vector<CrashPoint> armed_;
  bool points_ = false;  // some nemesis has crash points: servers' steps are followed
  std::vector<nlohmann::json> fired_;
  std::vector<std::string> notes_;
};

}  // namespace

const sim::ScenarioSection& section() {
  static const FaultsSection s;
  return s;
}

const std::vector<std::pair<std::string, std::string>>& fault_kinds() {
  static const std::vector<std::pair<std::string, std::string>> kinds{
      {"crash", R"x({"at": "5s", "crash": T, "for": "2s", "lose_unsynced": false}   (for: restart after)")x"},
      {"restart", R"x({"at": "9s", "restart": T})x"},
      {"partition", R"x({"at": "5s", "partition": [["n1","n2"], ["n3","n4","n5"]], "for": "4s"}   (a node in two groups bridges them))x"},
      {"isolate", R"x({"at": "5s", "isolate": T, "for": "1s"})x"},
      {"cut", R"x({"at": "5s", "cut": {"from": T, "to": T}, "for": "1s"}   (asymmetric: only from -> to))x"},
      {"heal", R"x({"at": "8s", "heal": true}   (reconnects every link))x"},
      {"clock", R"x({"at": "5s", "clock": T, "jump": "-50ms", "drift_ppm": 200, "for": "3s"})x"},
      {"omit", R"x({"at": "5s", "omit": T, "send": 0.3, "receive": 0.1, "for": "2s"}   (send/receive omission))x"},
      {"lossy", R"x({"at": "5s", "lossy": {"from": T, "to": T}, "loss": 0.5, "for": "2s"})x"},
      {"slow", R"x({"at": "5s", "slow": {"from": T, "to": T}, "delay": "80ms", "for": "2s"})x"},
      {"duplicate", R"x({"at": "5s", "duplicate": {"from": T, "to": T}, "p": 0.5, "for": "1s"}   (a duplication burst))x"},
      {"drop", R"x({"at": "1s", "drop": {"from": T, "to": T, "type": "raft.append_entries"}, "for": "2s"}   (messages of these types sent in the window; a key left out: any))x"},
      {"byzantine", R"x({"at": "5s", "byzantine": T, "strategy": "corrupt|equivocate|replay|mute|<protocol's>", "p": 1.0, "for": "2s"})x"},
      {"storage_slow", R"x({"at": "5s", "storage_slow": T, "delay": "40ms", "for": "2s"}   (a latency spike added to every sync))x"},
      {"fsync_lies", R"x({"at": "5s", "fsync_lies": T, "for": "2s", "exceed_budget": true}   (syncs report success; the next crash loses their writes))x"},
      {"corrupt", R"x({"at": "5s", "corrupt": T, "exceed_budget": true}   (one durable record fails its checksum when read: a read error))x"},
      {"nemesis", R"x({"from": "2s", "to": "20s", "nemesis": {"kinds": ["crash", "partition"], "every": "1s", "max_concurrent": 1, "length": ["200ms", "2s"], "lose_unsynced": 0.5}})x"},
  };
  return kinds;
}

std::vector<Fault> resolved_faults(const sim::Scenario& scenario) {
  const auto it = scenario.resolved.find("faults");
  if (it == scenario.resolved.end() || it->empty()) return {};
  sim::JsonDocument doc;
  doc.value = {{"faults", *it}};
  doc.origin = "resolved scenario";
  sim::ConfigSource source(std::move(doc));
  sim::ConfigReader root(source, "");
  return read_faults(root, scenario);
}

std::unique_ptr<Installed> install(sim::Simulation& simulation, const sim::Scenario& scenario) {
  std::vector<Fault> faults = resolved_faults(scenario);
  if (faults.empty()) return nullptr;
  return std::make_unique<Schedule>(simulation, scenario, std::move(faults));
}

nlohmann::json explicit_schedule(const sim::Scenario& scenario, const Installed* installed) {
  nlohmann::json s = scenario.resolved;
  s["faults"] = installed ? nlohmann::json(installed->fired()) : nlohmann::json::array();
  return s;
}

}  // namespace dsim::faults

#include "faults/spec.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace dsim::faults {
namespace {

const std::vector<std::pair<Kind, std::string_view>> kKindNames{
    {Kind::crash, "crash"},       {Kind::restart, "restart"}, {Kind::partition, "partition"}, {Kind::isolate, "isolate"},
    {Kind::cut, "cut"},           {Kind::heal, "heal"},       {Kind::clock, "clock"},         {Kind::omit, "omit"},
    {Kind::lossy, "lossy"},       {Kind::slow, "slow"},       {Kind::duplicate, "duplicate"}, {Kind::drop, "drop"},
    {Kind::byzantine, "byzantine"}, {Kind::nemesis, "nemesis"}, {Kind::storage_slow, "storage_slow"},
    {Kind::fsync_lies, "fsync_lies"}, {Kind::corrupt, "corrupt"}};
const std::vector<std::string> kGenericSelectors{"all", "random", "minority", "majority"};
const std::vector<std::string> kStrategies{"corrupt", "equivocate", "replay", "mute"};

std::optional<Kind> kind_named(std::string_view s) {
  for (const auto& [k, n] : kKindNames)
    if (n == s) return k;
  return std::nullopt;
}

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Reader {
 public:
  Reader(const sim::Scenario& s) : scenario_(s), topology_(s.topology()) {
    selectors_ = kGenericSelectors;
    for (const auto& sel : s.protocol->selectors) selectors_.push_back(sel.name);
    strategies_ = kStrategies;
    for (const auto& st : s.protocol->byzantine) strategies_.push_back(st.name);
  }

  sim::NodeId node(sim::ConfigReader& r, std::string_view key, const nlohmann::json& n) const {
    if (!n.is_string()) r.fail(key, "node names must be strings, got " + n.dump());
    auto id = topology_.find(n.get<std::string>());
    if (!id)
      r.fail(key, "no node named \"" + n.get<std::string>() + "\" (nodes are n1..n" + std::to_string(topology_.servers()) +
                      (topology_.clients() ? ", clients c1..c" + std::to_string(topology_.clients()) : "") + ")");
    return *id;
  }

  Target target(sim::ConfigReader& r, std::string_view key) const {
    const nlohmann::json* j = r.raw(key);
    if (!j) r.fail_here("missing \"" + std::string(key) + "\" (a node name, a list of names, or one of: " + list(selectors_) + ")");
    Target t;
    if (j->is_string()) {
      const std::string s = j->get<std::string>();
      if (std::find(selectors_.begin(), selectors_.end(), s) != selectors_.end()) t.selector = s;
      else if (s.size() > 1 && (s[0] == 'n' || s[0] == 'c') && std::isdigit(static_cast<unsigned char>(s[1]))) t.nodes.push_back(node(r, key, *j));
      else r.fail(key, "unknown target \"" + s + "\" (a node name such as n1, or one of: " + list(selectors_) + ")");
    } else if (j->is_array() && (!j->empty() || allow_empty_)) {
      // An emitted schedule may hold a selector that resolved to nobody (no leader yet): [].
      for (const auto& n : *j) t.nodes.push_back(node(r, key, n));
    } else {
      r.fail(key, "must be a node name, a non-empty list of names, or a selector (" + list(selectors_) + ")");
    }
    return t;
  }

  void link_targets(sim::ConfigReader& r, std::string_view key, Fault& f) const {
    sim::ConfigReader c = r.object(key);
    f.from = target(c, "from");
    f.to = target(c, "to");
    c.finish();
  }

  // "drop": {"from": T, "to": T, "type": "raft.append_entries" or a list}; each key may be left
  // out (any sender, any receiver, every type). Types are checked against the protocol's.
  void drop_rule(sim::ConfigReader& r, Fault& f) const {
    sim::ConfigReader c = r.object("drop");
    if (c.has("from")) f.from = target(c, "from");
    else f.from.any = true;
    if (c.has("to")) f.to = target(c, "to");
    else f.to.any = true;
    if (const nlohmann::json* t = c.raw("type")) {
      std::vector<std::string> pointers;
      if (t->is_string()) pointers.push_back(c.child_pointer("type"));
      else if (t->is_array() && !t->empty()) pointers = c.array("type");
      else c.fail("type", "must be a message type name or a non-empty list of them (see `dsim list`)");
      for (const auto& ptr : pointers) {
        const auto& name = c.source().root().at(nlohmann::json::json_pointer(ptr));
        if (!name.is_string()) sim::fail_at(c.source(), ptr, "a message type must be a string, got " + name.dump());
        const auto& known = scenario_.protocol->message_types;
        // A protocol that lists no message types (test protocols) cannot have its names checked.
        if (!known.empty() && std::find(known.begin(), known.end(), name.get<std::string>()) == known.end()) {
          std::vector<std::string> names(known.begin(), known.end());
          sim::fail_at(c.source(), ptr, "unknown message type \"" + name.get<std::string>() + "\" for " +
                                            scenario_.protocol->name + " (known: " + list(names) + ")");
        }
        f.types.push_back(name.get<std::string>());
      }
    }
    c.finish();
  }

  double probability(sim::ConfigReader& r, std::string_view key, double fallback) const {
    return r.number(key, 0, 1).value_or(fallback);
  }

  Fault fault(sim::ConfigReader& r, size_t index) const {
    Fault f;
    std::vector<std::string> present;
    for (const auto& [k, n] : kKindNames)
      if (r.has(n)) present.emplace_back(n);
    if (present.empty()) {
      std::vector<std::string> names;
      for (const auto& [k, n] : kKindNames) names.emplace_back(n);
      r.fail_here("no fault kind (one of: " + list(names) + "); keys given: " + list(r.keys()));
    }
    if (present.size() > 1) r.fail(present[1], "one fault per entry: \"" + present[0] + "\" and \"" + present[1] + "\" both given");
    f.kind = *kind_named(present[0]);
    f.materialized = r.has("stream");
    allow_empty_ = f.materialized;
    f.stream = r.string("stream").value_or("fault/" + std::to_string(index));
    // A materialized fault that hit no node keeps the note its first run recorded, so the
    // emitted schedule records the same fault event (and reaches the same digest).
    f.note = r.string("note").value_or("");
    if (r.has("note") && !f.materialized)
      r.fail("note", "is written by --emit-schedule, for a fault that hit no node (with its \"stream\")");
    timing(r, f);
    switch (f.kind) {
      case Kind::crash:
        f.target = target(r, "crash");
        f.lose_unsynced = r.boolean("lose_unsynced").value_or(false);
        if (f.lose_unsynced && !scenario_.protocol->budget.lost_unsynced && !r.boolean("exceed_budget").value_or(false))
          r.fail("lose_unsynced", scenario_.protocol->name + " does not promise to survive lost unsynced writes; add \"exceed_budget\": true to inject it anyway");
        break;
      case Kind::restart: f.target = target(r, "restart"); break;
      case Kind::isolate: f.target = target(r, "isolate"); break;
      case Kind::heal:
        if (!r.boolean("heal").value_or(false)) r.fail("heal", "write \"heal\": true");
        break;
      case Kind::partition: partition(r, f); break;
      case Kind::cut: link_targets(r, "cut", f); break;
      case Kind::clock:
        f.target = target(r, "clock");
        f.jump = r.duration("jump", /*allow_negative=*/true).value_or(sim::Duration{});
        f.drift_ppm = r.number("drift_ppm", -500000, 500000);
        if (f.jump == sim::Duration{} && !f.drift_ppm) r.fail_here("a clock fault needs \"jump\" and/or \"drift_ppm\"");
        break;
      case Kind::omit:
        f.target = target(r, "omit");
        f.send = probability(r, "send", 0);
        f.receive = probability(r, "receive", 0);
        if (f.send == 0 && f.receive == 0) r.fail_here("an omission fault needs \"send\" and/or \"receive\" probabilities");
        break;
      case Kind::lossy:
        link_targets(r, "lossy", f);
        f.p = probability(r, "loss", 0.5);
        break;
      case Kind::slow: {
        link_targets(r, "slow", f);
        auto d = r.duration("delay");
        if (!d) r.fail_here("a slow link needs \"delay\" (added latency, e.g. \"50ms\")");
        f.delay = *d;
        break;
      }
      case Kind::duplicate:
        link_targets(r, "duplicate", f);
        f.p = probability(r, "p", 0.5);
        break;
      case Kind::drop: drop_rule(r, f); break;
      case Kind::storage_slow: {
        f.target = target(r, "storage_slow");
        auto d = r.duration("delay");
        if (!d || *d <= sim::Duration{}) r.fail_here("a storage latency spike needs \"delay\" (added to every sync, e.g. \"50ms\")");
        f.delay = *d;
        if (!f.length) r.fail_here("a storage latency spike needs \"for\" (how long it lasts)");
        break;
      }
      case Kind::fsync_lies:
        f.target = target(r, "fsync_lies");
        if (!f.length) r.fail_here("\"fsync_lies\" needs \"for\" (how long syncs lie)");
        if (!scenario_.protocol->budget.lying_sync && !r.boolean("exceed_budget").value_or(false))
          r.fail("fsync_lies", scenario_.protocol->name + " trusts its syncs (no protocol here survives a sync that lies); add \"exceed_budget\": true to inject it anyway");
        break;
      case Kind::corrupt:
        f.target = target(r, "corrupt");
        if (f.length) r.fail("for", "\"corrupt\" is instantaneous: the record stays corrupt until it is rewritten");
        if (!scenario_.protocol->budget.corruption && !r.boolean("exceed_budget").value_or(false))
          r.fail("corrupt", scenario_.protocol->name + " does not handle read errors (a corrupted record fail-stops its node); add \"exceed_budget\": true to inject it anyway");
        break;
      case Kind::byzantine: {
        f.target = target(r, "byzantine");
        auto s = r.string("strategy");
        if (!s) r.fail_here("a Byzantine fault needs \"strategy\" (one of: " + list(strategies_) + ")");
        if (std::find(strategies_.begin(), strategies_.end(), *s) == strategies_.end())
          r.fail("strategy", "unknown strategy \"" + *s + "\" (one of: " + list(strategies_) + ")");
        f.strategy = *s;
        f.p = probability(r, "p", 1);
        if (!scenario_.protocol->budget.byzantine && !r.boolean("exceed_budget").value_or(false))
          r.fail("byzantine", scenario_.protocol->name + " is not Byzantine-tolerant; add \"exceed_budget\": true to inject it anyway (and expect a violation)");
        break;
      }
      case Kind::nemesis:
        nemesis(r, f);
        // A bounded amount of work: a nemesis that would fire millions of faults ("every":
        // "1ns") is a typo, not a test, and would never finish.
        if (f.length->ns() / f.nemesis.every.ns() > kMaxNemesisFaults)
          r.object("nemesis").fail("every", sim::format_duration(f.nemesis.every) + " over a " + sim::format_duration(*f.length) +
                                                " window is about " + std::to_string(f.length->ns() / f.nemesis.every.ns()) +
                                                " faults; at most " + std::to_string(kMaxNemesisFaults) +
                                                " are allowed (raise \"every\" or shorten the window)");
        break;
    }
    r.raw("exceed_budget");
    r.finish();
    return f;
  }

 private:
  void timing(sim::ConfigReader& r, Fault& f) const {
    auto at = r.duration("at");
    auto from = r.duration("from");
    auto to = r.duration("to");
    auto length = r.duration("for");
    if (length && !at) r.fail("for", "\"for\" needs an \"at\" to start from (or use \"from\"/\"to\")");
    if ((from || to) && at) r.fail(from ? "from" : "to", "give either \"at\" (with optional \"for\") or a \"from\"/\"to\" window, not both");
    if (from.has_value() != to.has_value()) r.fail(from ? "from" : "to", "a window needs both \"from\" and \"to\"");
    if (from) {
      if (*to <= *from) r.fail("to", "the window ends before it starts");
      f.at = *from;
      f.length = *to - *from;
    } else {
      if (!at) r.fail_here("missing \"at\" (when the fault starts, e.g. \"at\": \"5s\"), or a \"from\"/\"to\" window");
      f.at = *at;
      f.length = length;
    }
    if (f.length && *f.length <= sim::Duration{}) r.fail("for", "must be positive");
    if (f.length && (f.kind == Kind::restart || f.kind == Kind::heal))
      r.fail(r.has("for") ? "for" : "to", "\"" + std::string(to_string(f.kind)) + "\" is instantaneous: give only \"at\"");
    if (f.kind == Kind::nemesis && !from) r.fail("nemesis", "a nemesis needs a \"from\"/\"to\" window (all its faults heal by \"to\")");
  }

  void partition(sim::ConfigReader& r, Fault& f) const {
    const auto groups = r.array("partition");
    if (groups.size() < 2) r.fail("partition", "needs at least two groups, e.g. [[\"n1\"], [\"n2\", \"n3\"]]");
    std::vector<int> seen(topology_.size(), 0);
    for (const auto& gp : groups) {
      const auto& g = r.source().root().at(nlohmann::json::json_pointer(gp));
      if (!g.is_array() || g.empty()) sim::fail_at(r.source(), gp, "a group must be a non-empty list of node names");
      std::vector<sim::NodeId> ids;
      for (const auto& n : g) {
        auto id = n.is_string() ? topology_.find(n.get<std::string>()) : std::nullopt;
        if (!id) sim::fail_at(r.source(), gp, "no node named " + n.dump() + " (nodes are n1..n" + std::to_string(topology_.servers()) + ")");
        ids.push_back(*id);
        ++seen[id->value];
      }
      f.groups.push_back(ids);
    }
    for (uint32_t i = 0; i < topology_.servers(); ++i)  // clients may be left out: they then reach everyone
      if (!seen[i]) r.fail("partition", topology_.name(sim::NodeId(i)) + " is in no group (list every node; a node in two groups bridges them)");
  }

  static constexpr int64_t kMaxNemesisFaults = 100'000;

  void nemesis(sim::ConfigReader& r, Fault& f) const {
    sim::ConfigReader n = r.object("nemesis");
    NemesisSpec& spec = f.nemesis;
    spec.exceed_budget = r.boolean("exceed_budget").value_or(false);
    for (const auto& kp : n.array("kinds")) {
      const auto& k = n.source().root().at(nlohmann::json::json_pointer(kp));
      auto kind = k.is_string() ? kind_named(k.get<std::string>()) : std::nullopt;
      if (!kind || *kind == Kind::nemesis || *kind == Kind::heal || *kind == Kind::restart || *kind == Kind::drop ||
          *kind == Kind::fsync_lies || *kind == Kind::corrupt)
        sim::fail_at(n.source(), kp, "not a nemesis kind: " + k.dump() +
                                         " (use crash, partition, isolate, cut, clock, omit, lossy, slow, duplicate, storage_slow, byzantine)");
      if (*kind == Kind::byzantine && !scenario_.protocol->budget.byzantine && !spec.exceed_budget)
        sim::fail_at(n.source(), kp, scenario_.protocol->name + " is not Byzantine-tolerant; add \"exceed_budget\": true to the nemesis entry to inject it anyway");
      spec.kinds.push_back(*kind);
    }
    if (spec.kinds.empty()) n.fail_here("missing \"kinds\" (e.g. [\"crash\", \"partition\"])");
    spec.every = n.duration("every").value_or(spec.every);
    if (spec.every <= sim::Duration{}) n.fail("every", "must be positive");
    spec.max_concurrent = static_cast<uint32_t>(n.integer("max_concurrent", 1, 1000).value_or(1));
    spec.lose_unsynced = n.number("lose_unsynced", 0, 1).value_or(0);
    spec.aim = n.number("aim", 0, 1).value_or(0);
    if (spec.aim > 0 && scenario_.protocol->selectors.empty())
      n.fail("aim", scenario_.protocol->name + " has no selectors (leader, coordinator) to aim at");
    spec.crash_points = n.number("crash_points", 0, 1).value_or(0);
    if (spec.crash_points > 0 && std::find(spec.kinds.begin(), spec.kinds.end(), Kind::crash) == spec.kinds.end())
      n.fail("crash_points", "needs \"crash\" among the kinds (a crash point is where a crash strikes)");
    if (spec.lose_unsynced > 0 && !scenario_.protocol->budget.lost_unsynced && !spec.exceed_budget)
      n.fail("lose_unsynced", scenario_.protocol->name + " does not promise to survive lost unsynced writes; add \"exceed_budget\": true to the nemesis entry to inject it anyway");
    if (const auto* len = n.raw("length")) {
      std::string error;
      if (!len->is_array() || len->size() != 2 || !(*len)[0].is_string() || !(*len)[1].is_string())
        n.fail("length", "must be a range [\"min\", \"max\"] of durations, e.g. [\"200ms\", \"2s\"]");
      auto lo = sim::parse_duration((*len)[0].get<std::string>(), &error);
      auto hi = lo ? sim::parse_duration((*len)[1].get<std::string>(), &error) : std::nullopt;
      if (!lo || !hi) n.fail("length", error);
      if (*lo <= sim::Duration{} || *hi < *lo) n.fail("length", "needs 0 < min <= max");
      spec.min_length = *lo;
      spec.max_length = *hi;
    }
    n.finish();
  }

  const sim::Scenario& scenario_;
  sim::Topology topology_;
  mutable bool allow_empty_ = false;  // the fault being read is materialized (has "stream")
  std::vector<std::string> selectors_;
  std::vector<std::string> strategies_;
};

// Faults that contradict each other when written with explicit nodes: two crash windows of
// one node that overlap, a restart inside a crash window of the same node, two clock faults
// of one node that overlap.
void reject_contradictions(sim::ConfigReader& root, const std::vector<std::string>& pointers, const std::vector<Fault>& faults,
                           const sim::Topology& topology) {
  auto window_end = [](const Fault& f) { return f.length ? f.at + *f.length : sim::Duration::max(); };
  for (size_t i = 0; i < faults.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const Fault &a = faults[j], &b = faults[i];
      if (!a.target.selector.empty() || !b.target.selector.empty()) continue;
      // An emitted schedule records what happened, overlaps included: it must replay as is.
      if (a.materialized || b.materialized) continue;
      const bool both_crash = a.kind == Kind::crash && b.kind == Kind::crash;
      const bool both_clock = a.kind == Kind::clock && b.kind == Kind::clock && a.length && b.length;
      const bool restart_in_crash = a.kind == Kind::crash && a.length && b.kind == Kind::restart;
      const bool crash_around_restart = b.kind == Kind::crash && b.length && a.kind == Kind::restart;
      if (!both_crash && !both_clock && !restart_in_crash && !crash_around_restart) continue;
      for (auto na : a.target.nodes)
        for (auto nb : b.target.nodes) {
          if (na != nb) continue;
          const bool overlap = restart_in_crash ? (b.at > a.at && b.at < window_end(a))
                               : crash_around_restart ? (a.at > b.at && a.at < window_end(b))
                                                       : (a.at < window_end(b) && b.at < window_end(a));
          if (overlap)
            sim::fail_at(root.source(), pointers[i],
                         "contradicts faults." + std::to_string(j) + ": both act on " + topology.name(na) +
                             " in overlapping windows");
        }
    }
}

// A client node is restarted only by faults that name it (selectors pick servers): by a
// restart, or at the end of a crash window. A protocol may bound how often (its clients number
// their work per incarnation); the count is an upper bound (a restart of a live node counts).
void reject_client_restarts(sim::ConfigReader& root, const std::vector<std::string>& pointers,
                            const std::vector<Fault>& faults, const sim::Scenario& scenario) {
  const uint32_t limit = scenario.protocol->max_client_restarts;
  const sim::Topology topology = scenario.topology();
  std::map<uint32_t, uint64_t> restarts;  // client node -> restarts so far
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    if (f.kind != Kind::restart && !(f.kind == Kind::crash && f.length)) continue;
    for (sim::NodeId n : f.target.nodes)
      if (topology.role(n) == sim::Role::client && ++restarts[n.value] > limit)
        sim::fail_at(root.source(), pointers[i],
                     "restarts " + topology.name(n) + " more than " + std::to_string(limit) + " times; " +
                         scenario.protocol->name + "'s clients number their transactions per incarnation and may be "
                         "restarted at most " + std::to_string(limit) + " times each");
  }
}

nlohmann::json target_json(const Target& t, const sim::Topology& topology) {
  if (!t.selector.empty()) return t.selector;
  nlohmann::json a = nlohmann::json::array();
  for (auto n : t.nodes) a.push_back(topology.name(n));
  return a;
}

}  // namespace

std::string_view to_string(Kind k) {
  for (const auto& [kind, name] : kKindNames)
    if (kind == k) return name;
  return "?";
}

const std::vector<Kind>& all_kinds() {
  static const std::vector<Kind> kinds = [] {
    std::vector<Kind> v;
    for (const auto& [k, n] : kKindNames) v.push_back(k);
    return v;
  }();
  return kinds;
}

std::vector<Fault> read_faults(sim::ConfigReader& root, const sim::Scenario& scenario) {
  Reader reader(scenario);
  std::vector<Fault> out;
  const auto pointers = root.array("faults");
  for (size_t i = 0; i < pointers.size(); ++i) {
    sim::ConfigReader r(root.source(), pointers[i]);
    out.push_back(reader.fault(r, i));
  }
  reject_contradictions(root, pointers, out, scenario.topology());
  reject_client_restarts(root, pointers, out, scenario);
  return out;
}

nlohmann::json to_json(const Fault& f, const sim::Topology& topology) {
  nlohmann::json j{{"at", sim::format_duration(f.at)}, {"stream", f.stream}};
  if (!f.note.empty()) j["note"] = f.note;
  if (f.kind == Kind::nemesis) {
    j.erase("at");
    j["from"] = sim::format_duration(f.at);
    j["to"] = sim::format_duration(f.at + *f.length);
  } else if (f.length) {
    j["for"] = sim::format_duration(*f.length);
  }
  const std::string kind(to_string(f.kind));
  auto links = [&] { return nlohmann::json{{"from", target_json(f.from, topology)}, {"to", target_json(f.to, topology)}}; };
  switch (f.kind) {
    case Kind::crash:
      j[kind] = target_json(f.target, topology);
      j["lose_unsynced"] = f.lose_unsynced;
      if (f.lose_unsynced) j["exceed_budget"] = true;  // accepted once; must read back whatever the budget
      break;
    case Kind::restart:
    case Kind::isolate: j[kind] = target_json(f.target, topology); break;
    case Kind::heal: j[kind] = true; break;
    case Kind::partition: {
      nlohmann::json g = nlohmann::json::array();
      for (const auto& group : f.groups) g.push_back(target_json(Target{"", group}, topology));
      j[kind] = g;
      break;
    }
    case Kind::cut: j[kind] = links(); break;
    case Kind::clock:
      j[kind] = target_json(f.target, topology);
      j["jump"] = sim::format_duration(f.jump);
      if (f.drift_ppm) j["drift_ppm"] = *f.drift_ppm;
      break;
    case Kind::omit: j[kind] = target_json(f.target, topology); j["send"] = f.send; j["receive"] = f.receive; break;
    case Kind::lossy: j[kind] = links(); j["loss"] = f.p; break;
    case Kind::slow: j[kind] = links(); j["delay"] = sim::format_duration(f.delay); break;
    case Kind::duplicate: j[kind] = links(); j["p"] = f.p; break;
    case Kind::drop: {
      nlohmann::json rule = nlohmann::json::object();
      if (!f.from.any) rule["from"] = target_json(f.from, topology);
      if (!f.to.any) rule["to"] = target_json(f.to, topology);
      if (!f.types.empty()) rule["type"] = f.types;
      j[kind] = rule;
      break;
    }
    case Kind::byzantine:
      j[kind] = target_json(f.target, topology);
      j["strategy"] = f.strategy;
      j["p"] = f.p;
      j["exceed_budget"] = true;  // it was accepted once; the canonical form must read back
      break;
    case Kind::nemesis: {
      nlohmann::json kinds = nlohmann::json::array();
      for (Kind k : f.nemesis.kinds) kinds.push_back(to_string(k));
      j[kind] = {{"kinds", kinds},
                 {"every", sim::format_duration(f.nemesis.every)},
                 {"max_concurrent", f.nemesis.max_concurrent},
                 {"length", {sim::format_duration(f.nemesis.min_length), sim::format_duration(f.nemesis.max_length)}}};
      if (f.nemesis.lose_unsynced > 0) j[kind]["lose_unsynced"] = f.nemesis.lose_unsynced;
      if (f.nemesis.aim > 0) j[kind]["aim"] = f.nemesis.aim;
      if (f.nemesis.crash_points > 0) j[kind]["crash_points"] = f.nemesis.crash_points;
      j["exceed_budget"] = f.nemesis.exceed_budget;
      break;
    }
    case Kind::storage_slow: j[kind] = target_json(f.target, topology); j["delay"] = sim::format_duration(f.delay); break;
    case Kind::fsync_lies:
    case Kind::corrupt:
      j[kind] = target_json(f.target, topology);
      j["exceed_budget"] = true;  // it was accepted once; the canonical form must read back
      break;
  }
  return j;
}

}  // namespace dsim::faults

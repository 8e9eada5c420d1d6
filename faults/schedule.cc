#include "faults/schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "sim/config.h"
#include "sim/rng.h"

namespace dsim::faults {
namespace {

const std::vector<std::string> kKinds{"crash", "restart", "partition", "isolate", "cut", "heal", "clock"};
const std::vector<std::string> kSelectors{"all", "random", "minority", "majority"};

// A target as written: a selector, or explicit node names.
struct Target {
  std::string selector;             // empty: explicit
  std::vector<sim::NodeId> nodes;
  nlohmann::json as_written;
};

struct Fault {
  size_t index = 0;
  std::string kind;
  sim::Duration at;
  std::optional<sim::Duration> for_;
  Target target;                               // crash, restart, isolate, clock
  std::vector<std::vector<sim::NodeId>> groups;  // partition
  Target from, to;                             // cut
  bool lose_unsynced = false;                  // crash
  sim::Duration jump;                          // clock
  std::optional<double> drift_ppm;             // clock
  nlohmann::json canonical;
};

Target read_target(sim::ConfigReader& r, std::string_view key, uint32_t nodes) {
  const nlohmann::json* j = r.raw(key);
  if (!j) r.fail_here("missing \"" + std::string(key) + "\" (a node name, a list of names, or one of: all, random, minority, majority)");
  Target t;
  t.as_written = *j;
  sim::Topology topo(nodes, 0);
  auto node = [&](const nlohmann::json& n) {
    if (!n.is_string()) r.fail(key, "node names must be strings");
    auto id = topo.find(n.get<std::string>());
    if (!id) r.fail(key, "no node named \"" + n.get<std::string>() + "\" (nodes are n1..n" + std::to_string(nodes) + ")");
    return *id;
  };
  if (j->is_string()) {
    const std::string s = j->get<std::string>();
    if (std::find(kSelectors.begin(), kSelectors.end(), s) != kSelectors.end()) t.selector = s;
    else if (!s.empty() && s[0] == 'n' && s.size() > 1 && std::isdigit(static_cast<unsigned char>(s[1]))) t.nodes.push_back(node(*j));
    else r.fail(key, "unknown target \"" + s + "\" (a node name such as n1, or one of: all, random, minority, majority)");
  } else if (j->is_array() && !j->empty()) {
    for (const auto& n : *j) t.nodes.push_back(node(n));
  } else {
    r.fail(key, "must be a node name, a non-empty list of names, or a selector");
  }
  return t;
}

Fault read_fault(sim::ConfigReader& r, size_t index, uint32_t nodes) {
  Fault f;
  f.index = index;
  std::vector<std::string> present;
  for (const auto& k : kKinds)
    if (r.has(k)) present.push_back(k);
  if (present.empty()) {
    std::string keys;
    for (const auto& k : r.keys()) keys += (keys.empty() ? "" : ", ") + k;
    r.fail_here("no fault kind (one of: crash, restart, partition, isolate, cut, heal, clock); keys given: " + keys);
  }
  if (present.size() > 1) r.fail(present[1], "one fault per entry: \"" + present[0] + "\" and \"" + present[1] + "\" both given");
  f.kind = present[0];
  auto at = r.duration("at");
  if (r.has("for") && !at) r.fail("for", "\"for\" needs an \"at\" to start from");
  if (!at) r.fail_here("missing \"at\" (when the fault starts, e.g. \"at\": \"5s\")");
  f.at = *at;
  f.for_ = r.duration("for");
  if (f.for_ && *f.for_ <= sim::Duration{}) r.fail("for", "must be positive");
  if (f.for_ && (f.kind == "restart" || f.kind == "heal")) r.fail("for", "\"" + f.kind + "\" is instantaneous and takes no \"for\"");
  f.canonical = {{"at", sim::format_duration(f.at)}};
  if (f.for_) f.canonical["for"] = sim::format_duration(*f.for_);

  if (f.kind == "crash" || f.kind == "restart" || f.kind == "isolate" || f.kind == "clock") {
    f.target = read_target(r, f.kind, nodes);
    f.canonical[f.kind] = f.target.as_written;
  }
  if (f.kind == "crash") {
    f.lose_unsynced = r.boolean("lose_unsynced").value_or(false);
    f.canonical["lose_unsynced"] = f.lose_unsynced;
  } else if (f.kind == "clock") {
    f.jump = r.duration("jump", /*allow_negative=*/true).value_or(sim::Duration{});
    f.drift_ppm = r.number("drift_ppm", -500000, 500000);
    if (f.jump == sim::Duration{} && !f.drift_ppm) r.fail_here("a clock fault needs \"jump\" and/or \"drift_ppm\"");
    f.canonical["jump"] = sim::format_duration(f.jump);
    if (f.drift_ppm) f.canonical["drift_ppm"] = *f.drift_ppm;
  } else if (f.kind == "partition") {
    const auto groups = r.array("partition");
    if (groups.size() < 2) r.fail("partition", "needs at least two groups, e.g. [[\"n1\"], [\"n2\", \"n3\"]]");
    std::vector<int> seen(nodes, 0);
    sim::Topology topo(nodes, 0);
    for (const auto& gp : groups) {
      const auto& g = r.source().root().at(nlohmann::json::json_pointer(gp));
      if (!g.is_array() || g.empty()) sim::fail_at(r.source(), gp, "a group must be a non-empty list of node names");
      std::vector<sim::NodeId> ids;
      for (const auto& n : g) {
        auto id = n.is_string() ? topo.find(n.get<std::string>()) : std::nullopt;
        if (!id) sim::fail_at(r.source(), gp, "no node named " + n.dump() + " (nodes are n1..n" + std::to_string(nodes) + ")");
        ids.push_back(*id);
        ++seen[id->value];
      }
      f.groups.push_back(ids);
    }
    for (uint32_t i = 0; i < nodes; ++i)
      if (!seen[i]) r.fail("partition", "n" + std::to_string(i + 1) + " is in no group (list every node; a node in two groups bridges them)");
    f.canonical["partition"] = *r.raw("partition");
  } else if (f.kind == "cut") {
    sim::ConfigReader c = r.object("cut");
    f.from = read_target(c, "from", nodes);
    f.to = read_target(c, "to", nodes);
    c.finish();
    f.canonical["cut"] = {{"from", f.from.as_written}, {"to", f.to.as_written}};
  } else if (f.kind == "heal") {
    auto h = r.boolean("heal");
    if (!h || !*h) r.fail("heal", "write \"heal\": true");
    f.canonical["heal"] = true;
  }
  r.finish();
  return f;
}

std::vector<Fault> read_faults(sim::ConfigReader& root, uint32_t nodes) {
  std::vector<Fault> out;
  const auto pointers = root.array("faults");
  for (size_t i = 0; i < pointers.size(); ++i) {
    sim::ConfigReader r(root.source(), pointers[i]);
    out.push_back(read_fault(r, i, nodes));
  }
  return out;
}

class FaultsSection final : public sim::ScenarioSection {
 public:
  std::string_view key() const override { return "faults"; }
  void read(sim::ConfigReader& root, const sim::Scenario& s, nlohmann::json& resolved) const override {
    nlohmann::json list = nlohmann::json::array();
    for (const Fault& f : read_faults(root, s.nodes)) list.push_back(f.canonical);
    resolved["faults"] = list;
  }
};

}  // namespace

const sim::ScenarioSection& section() {
  static const FaultsSection s;
  return s;
}

const std::vector<std::pair<std::string, std::string>>& fault_kinds() {
  static const std::vector<std::pair<std::string, std::string>> kinds{
      {"crash", "{\"at\": \"5s\", \"crash\": TARGET, \"for\": \"2s\", \"lose_unsynced\": false}  (for: restart after)"},
      {"restart", "{\"at\": \"9s\", \"restart\": TARGET}"},
      {"partition", "{\"at\": \"5s\", \"partition\": [[\"n1\",\"n2\"], [\"n3\",\"n4\",\"n5\"]], \"for\": \"4s\"}  (a node in two groups bridges them)"},
      {"isolate", "{\"at\": \"5s\", \"isolate\": TARGET, \"for\": \"1s\"}"},
      {"cut", "{\"at\": \"5s\", \"cut\": {\"from\": TARGET, \"to\": TARGET}, \"for\": \"1s\"}  (asymmetric: only from -> to is cut)"},
      {"heal", "{\"at\": \"8s\", \"heal\": true}  (reconnects every link)"},
      {"clock", "{\"at\": \"5s\", \"clock\": TARGET, \"jump\": \"-50ms\", \"drift_ppm\": 200, \"for\": \"3s\"}"},
  };
  return kinds;
}

// ---- runtime --------------------------------------------------------------------------

namespace {
class Schedule final : public Installed {
 public:
  Schedule(sim::Simulation& sim, std::vector<Fault> faults) : sim_(sim), faults_(std::move(faults)) {
    for (const Fault& f : faults_) {
      rngs_.push_back(sim::Rng::derive(sim.seed(), "fault/" + std::to_string(f.index)));
      sim_.schedule(sim::Time::zero() + f.at, [this, &f] { start(f); });
    }
  }

 private:
  std::vector<sim::NodeId> resolve(const Fault& f, const Target& t) {
    if (t.selector.empty()) return t.nodes;
    const uint32_t n = sim_.topology().servers();
    std::vector<sim::NodeId> all;
    for (uint32_t i = 0; i < n; ++i) all.push_back(sim::NodeId(i));
    if (t.selector == "all") return all;
    size_t k = t.selector == "random" ? 1 : t.selector == "minority" ? (n - 1) / 2 : n / 2 + 1;
    sim::Rng& rng = rngs_[f.index];
    for (size_t i = 0; i < k && i < all.size(); ++i)  // partial Fisher-Yates
      std::swap(all[i], all[i + rng.uniform(all.size() - i)]);
    all.resize(std::min(k, all.size()));
    std::sort(all.begin(), all.end());
    return all;
  }

  nlohmann::json names(const std::vector<sim::NodeId>& ids) const {
    nlohmann::json a = nlohmann::json::array();
    for (auto id : ids) a.push_back(sim_.topology().name(id));
    return a;
  }

  void cut(sim::NodeId a, sim::NodeId b, std::vector<std::pair<sim::NodeId, sim::NodeId>>& log) {
    if (a == b) return;
    if (cuts_[{a.value, b.value}]++ == 0) sim_.network().set_connected(a, b, false);
    log.emplace_back(a, b);
  }
  void uncut(const std::vector<std::pair<sim::NodeId, sim::NodeId>>& log) {
    for (auto [a, b] : log) {
      auto it = cuts_.find({a.value, b.value});
      if (it == cuts_.end()) continue;  // healed meanwhile
      if (--it->second == 0) {
        cuts_.erase(it);
        sim_.network().set_connected(a, b, true);
      }
    }
  }

  void start(const Fault& f) {
    nlohmann::json data{{"fault", f.index}};
    std::vector<std::pair<sim::NodeId, sim::NodeId>> links;
    if (f.kind == "crash" || f.kind == "restart") {
      const auto nodes = resolve(f, f.target);
      data["targets"] = names(nodes);
      sim_.record(sim::TraceKind::fault, f.kind, data);
      for (auto n : nodes) f.kind == "crash" ? sim_.crash(n, f.lose_unsynced) : sim_.restart(n);
      if (f.for_ && f.kind == "crash")
        sim_.schedule(sim_.now() + *f.for_, [this, nodes, index = f.index] {
          sim_.record(sim::TraceKind::fault, "restart", {{"fault", index}, {"targets", names(nodes)}, {"end_of", "crash"}});
          for (auto n : nodes) sim_.restart(n);
        });
      return;
    }
    if (f.kind == "clock") {
      const auto nodes = resolve(f, f.target);
      data["targets"] = names(nodes);
      data["jump"] = sim::format_duration(f.jump);
      if (f.drift_ppm) data["drift_ppm"] = *f.drift_ppm;
      sim_.record(sim::TraceKind::fault, "clock", data);
      std::vector<int64_t> old_drift;
      for (auto n : nodes) {
        old_drift.push_back(sim_.clock(n).drift_ppb());
        if (f.jump != sim::Duration{}) sim_.jump_clock(n, f.jump);
        if (f.drift_ppm) sim_.set_drift(n, static_cast<int64_t>(std::llround(*f.drift_ppm * 1000)));
      }
      if (f.for_)
        sim_.schedule(sim_.now() + *f.for_, [this, nodes, old_drift, &f] {
          sim_.record(sim::TraceKind::fault, "clock_restore", {{"fault", f.index}, {"targets", names(nodes)}});
          for (size_t i = 0; i < nodes.size(); ++i) {
            if (f.jump != sim::Duration{}) sim_.jump_clock(nodes[i], -f.jump);
            if (f.drift_ppm) sim_.set_drift(nodes[i], old_drift[i]);
          }
        });
      return;
    }
    if (f.kind == "heal") {
      sim_.record(sim::TraceKind::fault, "heal", data);
      cuts_.clear();
      sim_.network().heal_all();
      return;
    }
    const uint32_t n = sim_.topology().size();
    if (f.kind == "partition") {
      std::vector<std::vector<bool>> member(n);
      for (auto& m : member) m.assign(f.groups.size(), false);
      nlohmann::json groups = nlohmann::json::array();
      for (size_t g = 0; g < f.groups.size(); ++g) {
        for (auto id : f.groups[g]) member[id.value][g] = true;
        groups.push_back(names(f.groups[g]));
      }
      for (uint32_t a = 0; a < n; ++a)
        for (uint32_t b = 0; b < n; ++b) {
          bool share = false;
          for (size_t g = 0; g < f.groups.size(); ++g) share |= member[a][g] && member[b][g];
          if (!share) cut(sim::NodeId(a), sim::NodeId(b), links);
        }
      data["groups"] = groups;
    } else if (f.kind == "isolate") {
      const auto nodes = resolve(f, f.target);
      for (auto x : nodes)
        for (uint32_t o = 0; o < n; ++o) {
          cut(x, sim::NodeId(o), links);
          cut(sim::NodeId(o), x, links);
        }
      data["targets"] = names(nodes);
    } else if (f.kind == "cut") {
      const auto from = resolve(f, f.from), to = resolve(f, f.to);
      for (auto a : from)
        for (auto b : to) cut(a, b, links);
      data["from"] = names(from);
      data["to"] = names(to);
    }
    sim_.record(sim::TraceKind::fault, f.kind, data);
    if (f.for_)
      sim_.schedule(sim_.now() + *f.for_, [this, links, index = f.index, kind = f.kind] {
        sim_.record(sim::TraceKind::fault, "heal", {{"fault", index}, {"end_of", kind}});
        uncut(links);
      });
  }

  sim::Simulation& sim_;
  std::vector<Fault> faults_;
  std::vector<sim::Rng> rngs_;
  std::map<std::pair<uint32_t, uint32_t>, int> cuts_;  // directed link -> how many faults cut it
};
}  // namespace

std::unique_ptr<Installed> install(sim::Simulation& simulation, const sim::Scenario& scenario) {
  const auto it = scenario.resolved.find("faults");
  if (it == scenario.resolved.end() || it->empty()) return nullptr;
  sim::JsonDocument doc;
  doc.value = {{"faults", *it}};
  doc.origin = "resolved scenario";
  sim::ConfigSource source(std::move(doc));
  sim::ConfigReader root(source, "");
  return std::make_unique<Schedule>(simulation, read_faults(root, scenario.nodes));
}

}  // namespace dsim::faults

// The scenario loader. Each section has one reader function; every value is read through
// ConfigReader so errors carry the key path and position, and the canonical JSON is built as
// values are read (so it always matches what the run uses).
#include "sim/scenario.h"

#include "sim/rng.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace dsim::sim {
namespace {

LatencyDist read_latency(ConfigReader r, bool in_mixture = false) {
  LatencyDist d;
  std::vector<std::string> kinds;
  for (const auto& [k, example] : latency_kinds()) kinds.push_back(k);
  auto kind = r.choice("dist", kinds);
  if (!kind) r.fail_here("missing key \"dist\" (one of: constant, uniform, normal, exponential, lognormal, pareto, mixture)");
  auto need = [&](std::string_view key) {
    auto v = r.duration(key);
    if (!v) r.fail_here("distribution \"" + *kind + "\" needs \"" + std::string(key) + "\"");
    return *v;
  };
  auto need_number = [&](std::string_view key) {
    auto v = r.number(key, 1e-9, 1e9);
    if (!v) r.fail_here("distribution \"" + *kind + "\" needs \"" + std::string(key) + "\" (a positive number)");
    return *v;
  };
  if (*kind == "constant") {
    d.kind = LatencyDist::Kind::constant;
    d.a = need("value");
  } else if (*kind == "uniform") {
    d.kind = LatencyDist::Kind::uniform;
    d.a = need("min");
    d.b = need("max");
    if (d.b < d.a) r.fail("max", "must not be below min");
  } else if (*kind == "normal") {
    d.kind = LatencyDist::Kind::normal;
    d.a = need("mean");
    d.b = need("stddev");
  } else if (*kind == "exponential") {
    d.kind = LatencyDist::Kind::exponential;
    d.a = need("mean");
  } else if (*kind == "mixture") {
    // {"dist": "mixture", "of": [{"weight": 0.91, "dist": "pareto", ...}, {"weight": 0.09, ...}]}
    if (in_mixture) r.fail("dist", "a part of a mixture cannot itself be a mixture");
    if (!r.has("of")) r.fail_here("distribution \"mixture\" needs \"of\": a list of {\"weight\": w, \"dist\": ...}");
    d.kind = LatencyDist::Kind::mixture;
    const std::vector<std::string> parts = r.array("of");
    if (parts.empty() || parts.size() > 16) r.fail("of", "a mixture has 1 to 16 parts");
    double total = 0;
    for (const auto& ptr : parts) {
      ConfigReader part(r.source(), ptr);
      const auto w = part.number("weight", 1e-9, 1e9);
      if (!w) part.fail_here("a part of a mixture needs \"weight\" (a positive number)");
      total += *w;
      d.parts.push_back(LatencyPart{*w, read_latency(std::move(part), true)});
    }
    for (auto& [w, part] : d.parts) w /= total;  // normalized: the weights are shares
  } else if (*kind == "lognormal") {
    d.kind = LatencyDist::Kind::lognormal;
    d.a = need("median");
    d.x = need_number("sigma");
  } else {
    d.kind = LatencyDist::Kind::pareto;
    d.a = need("scale");
    d.x = need_number("shape");
  }
  r.finish();
  return d;
}

NodeId read_node(ConfigReader& r, std::string_view key, const std::string& name, uint32_t nodes) {
  Topology t(nodes, 0);
  auto id = t.find(name);
  if (!id) r.fail(key, "no node named \"" + name + "\" (nodes are n1..n" + std::to_string(nodes) + ")");
  return *id;
}

// Fills `spec` from the keys present in r (loss, duplicate, latency, fifo); absent keys keep
// the values spec already has.
void read_link_fields(ConfigReader& r, LinkSpec& spec, nlohmann::json& out) {
  if (r.has("latency")) spec.latency = read_latency(r.object("latency"));
  if (auto v = r.number("loss", 0, 1)) spec.loss = *v;
  if (auto v = r.number("duplicate", 0, 1)) spec.duplicate = *v;
  if (auto v = r.boolean("fifo")) spec.fifo = *v;
  out["latency"] = spec.latency.to_json();
  out["loss"] = spec.loss;
  out["duplicate"] = spec.duplicate;
  out["fifo"] = spec.fifo;
}

NetworkConfig read_network(ConfigReader r, uint32_t nodes, const std::vector<std::string_view>& message_types,
                           nlohmann::json& out) {
  NetworkConfig net;
  read_link_fields(r, net.defaults, out);
  if (r.has("latency_by_type")) {
    ConfigReader by = r.object("latency_by_type");
    nlohmann::json bj = nlohmann::json::object();
    for (const std::string& type : by.keys()) {
      // A protocol that lists no message types (test protocols) cannot have its names checked.
      if (!message_types.empty() && std::find(message_types.begin(), message_types.end(), type) == message_types.end()) {
        std::string known;
        for (std::string_view t : message_types) known += (known.empty() ? "" : ", ") + std::string(t);
        by.fail(type, "unknown message type \"" + type + "\" (known: " + known + ")");
      }
      net.by_type[type] = read_latency(by.object(type));
      bj[type] = net.by_type[type].to_json();
    }
    by.finish();
    // Written only when given, so every other scenario's canonical form stays what it was.
    out["latency_by_type"] = std::move(bj);
  }
  out["links"] = nlohmann::json::array();
  for (const auto& ptr : r.array("links")) {
    ConfigReader link(r.source(), ptr);
    auto from = link.string("from");
    auto to = link.string("to");
    if (!from || !to) link.fail_here("a link needs \"from\" and \"to\" node names");
    LinkOverride o;
    o.from = read_node(link, "from", *from, nodes);
    o.to = read_node(link, "to", *to, nodes);
    o.spec = net.defaults;
    nlohmann::json lj{{"from", *from}, {"to", *to}};
    read_link_fields(link, o.spec, lj);
    const bool both = link.boolean("both_ways").value_or(false);
    lj["both_ways"] = both;
    link.finish();
    net.links.push_back(o);
    if (both) net.links.push_back(LinkOverride{o.to, o.from, o.spec});
    out["links"].push_back(lj);
  }
  r.finish();
  return net;
}

// "storage": {"sync": <latency distribution>, "nodes": {"n2": {"sync": ...}}}: how long a
// sync takes, for every server and for the named ones.
StorageModel read_storage(ConfigReader r, uint32_t nodes, nlohmann::json& out) {
  StorageModel m;
  if (r.has("sync")) m.sync = read_latency(r.object("sync"));
  out["sync"] = m.sync.to_json();
  out["nodes"] = nlohmann::json::object();
  if (r.has("nodes")) {
    ConfigReader nr = r.object("nodes");
    for (const auto& name : nr.keys()) {
      const NodeId id = read_node(nr, name, name, nodes);
      ConfigReader one = nr.object(name);
      if (!one.has("sync")) one.fail_here("missing \"sync\" (a latency distribution)");
      m.nodes[id] = read_latency(one.object("sync"));
      one.finish();
      out["nodes"][name] = {{"sync", m.nodes[id].to_json()}};
    }
    nr.finish();
  }
  r.finish();
  return m;
}

// "clocks": {"n2": {"offset": "-3ms", "drift_ppm": 1000}, "random": {"offset_max": "5ms",
// "drift_ppm_max": 100}}. Nodes not named get a random offset and drift (uniform in
// [-max, max]) from their own stream "clocks/<node>" when "random" is given.
std::vector<NodeClockSpec> read_clocks(ConfigReader r, uint32_t nodes, uint64_t seed, nlohmann::json& out) {
  std::vector<NodeClockSpec> clocks;
  std::vector<bool> named(nodes, false);
  for (const auto& name : r.keys()) {
    if (name == "random") continue;
    NodeClockSpec c;
    c.node = read_node(r, name, name, nodes);
    ConfigReader cr = r.object(name);
    c.offset = cr.duration("offset", /*allow_negative=*/true).value_or(Duration{});
    const double ppm = cr.number("drift_ppm", -500000, 500000).value_or(0);
    c.drift_ppb = static_cast<int64_t>(std::llround(ppm * 1000));
    cr.finish();
    out[name] = {{"offset", format_duration(c.offset)}, {"drift_ppm", ppm}};
    named[c.node.value] = true;
    clocks.push_back(c);
  }
  if (r.has("random")) {
    ConfigReader rr = r.object("random");
    const Duration offset_max = rr.duration("offset_max").value_or(Duration{});
    const double drift_max = rr.number("drift_ppm_max", 0, 500000).value_or(0);
    rr.finish();
    out["random"] = {{"offset_max", format_duration(offset_max)}, {"drift_ppm_max", drift_max}};
    const Topology topology(nodes, 0);
    const int64_t drift_max_ppb = static_cast<int64_t>(std::llround(drift_max * 1000));
    for (uint32_t i = 0; i < nodes; ++i) {
      if (named[i]) continue;
      Rng rng = Rng::derive(seed, "clocks/" + topology.name(NodeId(i)));
      NodeClockSpec c;
      c.node = NodeId(i);
      c.offset = Duration::nanos(rng.uniform_int(-offset_max.ns(), offset_max.ns()));
      c.drift_ppb = rng.uniform_int(-drift_max_ppb, drift_max_ppb);
      clocks.push_back(c);
    }
  }
  r.finish();
  std::sort(clocks.begin(), clocks.end(), [](const auto& a, const auto& b) { return a.node < b.node; });
  return clocks;
}

bool glob_match(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*')
    return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  return pattern == name;
}

// The invariants a scenario may name: the protocol's own, plus the generic ones (such as
// "linearizable") when the protocol's clients record a history.
std::vector<const InvariantSpec*> available_invariants(const ProtocolSpec& p, const Registry& registry) {
  std::vector<const InvariantSpec*> out;
  for (const auto& inv : p.invariants) out.push_back(&inv);
  if (!p.history_model.empty())
    for (const auto& inv : registry.generic()) out.push_back(&inv);
  return out;
}

std::vector<std::string> read_invariants(ConfigReader& r, const ProtocolSpec& p, const Registry& registry) {
  const auto available = available_invariants(p, registry);
  std::vector<std::string> patterns;
  if (!r.has("invariants")) {
    r.raw("invariants");
    patterns.push_back("*");
  }
  std::vector<std::string> pointers = r.array("invariants");
  for (const auto& ptr : pointers) {
    const auto& j = r.source().root().at(nlohmann::json::json_pointer(ptr));
    if (!j.is_string()) fail_at(r.source(), ptr, "must be an invariant name (a string)");
    std::string pat = j.get<std::string>();
    bool any = false;
    for (const auto* inv : available) any |= glob_match(pat, inv->name);
    if (!any) {
      std::string known;
      for (const auto* inv : available) known += (known.empty() ? "" : ", ") + inv->name;
      fail_at(r.source(), ptr, "unknown invariant \"" + pat + "\" for protocol " + p.name + " (known: " + known + ")");
    }
    patterns.push_back(pat);
  }
  std::vector<std::string> names;
  for (const auto* inv : available)
    for (const auto& pat : patterns)
      if (glob_match(pat, inv->name)) {
        names.push_back(inv->name);
        break;
      }
  return names;
}

void read_protocol(ConfigReader& root, const Registry& registry, Scenario& s, nlohmann::json& out) {
  const nlohmann::json* pj = root.raw("protocol");
  if (!pj) root.fail_here("missing key \"protocol\" (e.g. \"protocol\": {\"name\": \"pingmesh\"})");
  ConfigReader r = root.object("protocol");
  auto name = r.string("name");
  if (!name) r.fail_here("missing key \"name\"");
  s.protocol = registry.find(*name);
  if (!s.protocol) {
    std::string known;
    for (const auto& p : registry.all()) known += (known.empty() ? "" : ", ") + p.name;
    r.fail("name", "unknown protocol \"" + *name + "\" (known: " + known + ")");
  }
  nlohmann::json params;
  if (r.has("params")) {
    ConfigReader pr = r.object("params");
    params = resolve_params(s.protocol->params, &pr);
    pr.finish();
  } else {
    r.raw("params");
    params = resolve_params(s.protocol->params, nullptr);
  }
  s.config.params = Params(params);
  for (const auto& ptr : r.array("bugs")) {
    const auto& j = r.source().root().at(nlohmann::json::json_pointer(ptr));
    if (!j.is_string()) fail_at(r.source(), ptr, "must be a bug switch name (a string)");
    const std::string bug = j.get<std::string>();
    bool known = false;
    std::string list;
    for (const auto& b : s.protocol->bugs) {
      known |= b.name == bug;
      list += (list.empty() ? "" : ", ") + b.name;
    }
    if (!known)
      fail_at(r.source(), ptr, "unknown bug switch \"" + bug + "\" for " + *name + (list.empty() ? " (it has none)" : " (known: " + list + ")"));
    s.config.bugs.push_back(bug);
  }
  r.raw("node_params");  // read by read_node_params once the nodes are known
  r.finish();
  out["protocol"] = {{"name", *name}, {"params", params}, {"bugs", s.config.bugs}};
}

// "protocol": {"node_params": {"n1": {"election_timeout": ["500ms", "500ms"]}}}: parameters of
// one server, validated as "params" are. The canonical form keeps only the overrides; the node
// factory gets the effective values (the global params with the overrides applied).
void read_node_params(ConfigReader& root, Scenario& s, nlohmann::json& out) {
  nlohmann::json all = nlohmann::json::object();
  ConfigReader protocol = root.object("protocol");
  if (protocol.has("node_params")) {
    ConfigReader r = protocol.object("node_params");
    const Topology topology(s.nodes, 0);
    for (const auto& name : r.keys()) {
      const auto id = topology.find(name);
      if (!id)
        r.fail(name, "no server named \"" + name + "\" (servers are n1..n" + std::to_string(s.nodes) +
                         "; clients take no protocol parameters)");
      ConfigReader nr = r.object(name);
      const nlohmann::json effective = resolve_params(s.protocol->params, &nr, &s.config.params.json());
      nr.finish();
      nlohmann::json overrides = nlohmann::json::object();
      for (const auto& key : nr.keys()) overrides[key] = effective.at(key);
      all[name] = std::move(overrides);
      s.config.node_params[*id] = Params(effective);
    }
    r.finish();
  }
  out["protocol"]["node_params"] = std::move(all);
}

}  // namespace

Scenario parse_scenario(ConfigSource source, const Registry& registry, const Sections& sections) {
  for (const ScenarioSection* section : sections) section->expand(source, registry);
  Scenario s;
  s.origin = source.origin();
  ConfigReader root(source, "");
  nlohmann::json out = nlohmann::json::object();

  s.name = root.string("name").value_or(std::filesystem::path(source.origin()).stem().string());
  s.description = root.string("description").value_or("");
  s.seed = root.unsigned_integer("seed").value_or(1);
  s.duration = root.duration("duration").value_or(Duration::seconds(10));
  if (s.duration <= Duration{}) root.fail("duration", "must be positive");
  s.until = root.duration("until");
  if (s.until && *s.until <= Duration{}) root.fail("until", "must be positive");
  if (s.until && *s.until >= s.duration)
    root.fail("until", format_duration(*s.until) + " is not before the scenario's end (\"duration\": \"" +
                           format_duration(s.duration) + "\"); stop earlier or leave it out");
  s.stop_at_violation = root.boolean("stop_at_violation").value_or(false);
  s.shuffle_ties = root.boolean("shuffle_ties").value_or(false);
  out["name"] = s.name;
  out["description"] = s.description;
  out["seed"] = s.seed;
  out["duration"] = format_duration(s.duration);
  // Written only when set, so the canonical form (and every trace header) of a scenario that
  // runs to its end is what it always was.
  if (s.until) out["until"] = format_duration(*s.until);
  if (s.stop_at_violation) out["stop_at_violation"] = true;
  out["shuffle_ties"] = s.shuffle_ties;

  read_protocol(root, registry, s, out);

  const int64_t nodes = root.integer("nodes", 1, 1'000'000).value_or(3);
  if (nodes < s.protocol->min_nodes)
    root.fail("nodes", s.protocol->name + " needs at least " + std::to_string(s.protocol->min_nodes) + " nodes");
  s.nodes = static_cast<uint32_t>(nodes);
  out["nodes"] = s.nodes;
  read_node_params(root, s, out);
  if (s.protocol->check_params) s.protocol->check_params(s, root.source());

  out["network"] = nlohmann::json::object();
  if (root.has("network")) {
    s.network = read_network(root.object("network"), s.nodes, s.protocol->message_types, out["network"]);
  } else {
    root.raw("network");
    nlohmann::json dummy;
    s.network = NetworkConfig{};
    out["network"] = {{"latency", s.network.defaults.latency.to_json()}, {"loss", 0.0}, {"duplicate", 0.0},
                      {"fifo", false}, {"links", nlohmann::json::array()}};
  }

  // Written only when given, so every other scenario's canonical form stays what it was.
  if (root.has("storage")) {
    nlohmann::json so = nlohmann::json::object();
    s.storage = read_storage(root.object("storage"), s.nodes, so);
    out["storage"] = std::move(so);
  } else {
    root.raw("storage");
  }

  out["clocks"] = nlohmann::json::object();
  if (root.has("clocks")) s.clocks = read_clocks(root.object("clocks"), s.nodes, s.seed, out["clocks"]);
  else root.raw("clocks");

  // "workload": {"clients": M, ...the protocol's workload parameters}.
  out["workload"] = nlohmann::json::object();
  if (root.has("workload")) {
    ConfigReader wr = root.object("workload");
    const int64_t clients = wr.integer("clients", 0, kMaxClients).value_or(0);
    if (clients > 0 && s.protocol->history_model.empty() && s.protocol->workload.empty())
      wr.fail("clients", s.protocol->name + " has no clients");
    s.clients = static_cast<uint32_t>(clients);
    nlohmann::json w = resolve_params(s.protocol->workload, &wr);
    wr.finish();
    s.config.workload = Params(w);
    if (s.clients > 0 && s.protocol->check_workload) s.protocol->check_workload(s, wr);
    w["clients"] = s.clients;
    out["workload"] = w;
  } else {
    root.raw("workload");
    nlohmann::json w = resolve_params(s.protocol->workload, nullptr);
    s.config.workload = Params(w);
    w["clients"] = 0;
    out["workload"] = w;
  }

  s.invariants = read_invariants(root, *s.protocol, registry);
  out["invariants"] = s.invariants;

  out["expect"] = nlohmann::json::object();
  if (root.has("expect")) {
    ConfigReader er = root.object("expect");
    auto safety = er.choice("safety", {"holds"});
    auto violation = er.string("violation");
    const bool has_also = er.has("may_also_violate");
    std::vector<std::string> also;
    for (const auto& ptr : er.array("may_also_violate")) {
      const auto& j = er.source().root().at(nlohmann::json::json_pointer(ptr));
      if (!j.is_string()) fail_at(er.source(), ptr, "must be an invariant name (a string)");
      also.push_back(j.get<std::string>());
    }
    if (safety && violation) er.fail_here("give either \"safety\": \"holds\" or \"violation\": \"<invariant>\", not both");
    if (has_also && !violation) er.fail("may_also_violate", "only goes with \"violation\"");
    const auto known = [&](const std::string& name) {
      return std::find(s.invariants.begin(), s.invariants.end(), name) != s.invariants.end();
    };
    if (violation) {
      if (!known(*violation)) er.fail("violation", "\"" + *violation + "\" is not one of this scenario's invariants");
      s.expect.violation = *violation;
      out["expect"]["violation"] = *violation;
      if (has_also) {
        for (const auto& name : also)
          if (!known(name)) er.fail("may_also_violate", "\"" + name + "\" is not one of this scenario's invariants");
        s.expect.may_also_violate = also;
        out["expect"]["may_also_violate"] = also;
      }
    } else {
      out["expect"]["safety"] = "holds";
    }
    er.finish();
  } else {
    root.raw("expect");
    out["expect"]["safety"] = "holds";
  }
  s.resolved = out;
  for (const ScenarioSection* section : sections) section->read(root, s, out);
  root.finish();
  s.resolved = std::move(out);
  return s;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets, const Registry& registry,
                       const Sections& sections) {
  ConfigSource source(load_json_file(path));
  for (const auto& set : sets) source.apply_set(set);
  return parse_scenario(std::move(source), registry, sections);
}

}  // namespace dsim::sim

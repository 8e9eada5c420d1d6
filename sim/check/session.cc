// check_session_guarantees: per key, build the constraint graph over written values that
// session.h describes, and look for a cycle with an iterative depth-first search.
#include "sim/check/session.h"

#include <algorithm>
#include <map>
#include <set>

namespace dsim::check {

std::string to_string(SessionGuarantee g) {
  switch (g) {
    case SessionGuarantee::read_your_writes: return "read-your-writes";
    case SessionGuarantee::monotonic_reads: return "monotonic-reads";
    case SessionGuarantee::monotonic_writes: return "monotonic-writes";
    case SessionGuarantee::writes_follow_reads: return "writes-follow-reads";
  }
  return "?";
}

namespace {

constexpr int kInitialReason = -1;

struct Edge {
  int from, to;
  int reason;  // a SessionGuarantee, or kInitialReason
  const Operation* op;
};

// A node is one written value, or (options.siblings) the set of values a read returned as
// siblings, standing for the latest of them in the write order: max(S). Every edge is a strict
// "before" between the writes two nodes stand for, added only when their value sets are disjoint:
//   u before max(S)  holds when u must precede some member of S and u is not in S;
//   max(S) before v  holds when every member of S must precede v and v is not in S;
// so a cycle is still a contradiction (x before x), and an edge whose ends may be the same write
// (overlapping sets) is left out: a constraint dropped, never one invented.
struct KeyGraph {
  std::map<std::string, int> ids;  // value text (or sibling set text) -> node; node 0 is the initial value
  std::vector<json> values;        // a value, or the array of a sibling set's values
  std::vector<std::set<std::string>> members;  // node -> the value texts it stands for
  std::vector<std::vector<int>> out;           // node -> edge indices
  std::vector<Edge> edges;

  int node(const json& v) { return add_node(v.dump(), v, {v.dump()}); }
  // A read of several siblings (each a written value's text, known to `ids`).
  int sibling_node(const json& siblings) {
    std::set<std::string> texts;
    for (const json& v : siblings) texts.insert(v.dump());
    if (texts.size() == 1) return ids.at(*texts.begin());
    json sorted = json::array();
    for (const std::string& t : texts) sorted.push_back(json::parse(t));
    return add_node("siblings " + sorted.dump(), sorted, std::move(texts));
  }
  int add_node(std::string text, const json& v, std::set<std::string> texts) {
    auto [it, added] = ids.try_emplace(std::move(text), static_cast<int>(values.size()));
    if (added) {
      values.push_back(v);
      members.push_back(std::move(texts));
      out.emplace_back();
    }
    return it->second;
  }
  void add(int from, int to, int reason, const Operation* op) {
    if (from == to) return;
    const std::set<std::string>& a = members[from];
    const std::set<std::string>& b = members[to];
    if (std::any_of(a.begin(), a.end(), [&](const std::string& t) { return b.contains(t); })) return;
    out[from].push_back(static_cast<int>(edges.size()));
    edges.push_back({from, to, reason, op});
  }
  // A cycle as edge indices, or empty. Iterative DFS, nodes and edges in insertion order.
  std::vector<int> find_cycle() const {
    const size_t n = values.size();
    std::vector<uint8_t> color(n, 0);  // 0 white, 1 on the stack, 2 done
    std::vector<int> via(n, -1);        // edge that reached the node on the current path
    for (size_t root = 0; root < n; ++root) {
      if (color[root]) continue;
      std::vector<std::pair<int, size_t>> stack{{static_cast<int>(root), 0}};
      color[root] = 1;
      while (!stack.empty()) {
        auto& [u, next] = stack.back();
        if (next == out[u].size()) {
          color[u] = 2;
          stack.pop_back();
          continue;
        }
        const int e = out[u][next++];
        const int v = edges[e].to;
        if (color[v] == 1) {  // back edge: walk `via` from u back to v
          std::vector<int> cycle{e};
          for (int w = u; w != v; w = edges[via[w]].from) cycle.push_back(via[w]);
          std::reverse(cycle.begin(), cycle.end());
          return cycle;
        }
        if (color[v] == 0) {
          color[v] = 1;
          via[v] = e;
          stack.push_back({v, 0});
        }
      }
    }
    return {};
  }
};

bool listed(const std::vector<std::string>& names, const std::string& f) {
  return std::find(names.begin(), names.end(), f) != names.end();
}

}  // namespace

SessionResult check_session_guarantees(const History& history, const SessionOptions& options) {
  SessionResult result;
  const auto checks = [&](SessionGuarantee g) { return options.guarantees.contains(g); };
  std::map<std::string, std::vector<const Operation*>> by_key;
  for (const Operation& op : history.ops) {
    if (op.status == Status::fail) continue;
    if (listed(options.read_functions, op.f) || listed(options.write_functions, op.f))
      by_key[op.key].push_back(&op);
  }
  for (const auto& [key, ops] : by_key) {
    KeyGraph g;
    g.node(options.initial);
    // Every write names a node; init precedes it.
    for (const Operation* op : ops) {
      if (!listed(options.write_functions, op->f)) continue;
      const size_t before = g.values.size();
      const int w = g.node(op->input);
      if (g.values.size() == before) {
        result.errors.push_back("key " + json(key).dump() + ": value " + op->input.dump() +
                                " written more than once (" + to_string(*op) + ")");
        continue;
      }
      g.add(0, w, kInitialReason, nullptr);
    }
    struct Session { int last_write = -1, last_read = -1; };
    std::map<int, Session> sessions;
    for (const Operation* op : ops) {
      if (op->status != Status::ok) continue;  // an info write constrains no session
      Session& s = sessions[op->process];
      if (listed(options.write_functions, op->f)) {
        const int w = g.ids.at(op->input.dump());
        if (s.last_write >= 0 && checks(SessionGuarantee::monotonic_writes))
          g.add(s.last_write, w, int(SessionGuarantee::monotonic_writes), op);
        if (s.last_read > 0 && checks(SessionGuarantee::writes_follow_reads))
          g.add(s.last_read, w, int(SessionGuarantee::writes_follow_reads), op);
        s.last_write = w;
        continue;
      }
      int v = -1;
      if (options.siblings && op->output.is_array() && !op->output.empty()) {
        const auto unknown = std::find_if(op->output.begin(), op->output.end(),
                                          [&](const json& x) { return !g.ids.contains(x.dump()); });
        if (unknown != op->output.end()) {
          result.errors.push_back("key " + json(key).dump() + ": read of a value never written, " + unknown->dump() +
                                  " among siblings (" + to_string(*op) + ")");
          continue;
        }
        v = g.sibling_node(op->output);
        g.add(0, v, kInitialReason, nullptr);  // the initial value precedes every write, so their latest
      } else {
        const auto found = g.ids.find(op->output.dump());
        if (found == g.ids.end()) {
          result.errors.push_back("key " + json(key).dump() + ": read of a value never written (" +
                                  to_string(*op) + ")");
          continue;
        }
        v = found->second;
      }
      if (s.last_write >= 0 && checks(SessionGuarantee::read_your_writes))
        g.add(s.last_write, v, int(SessionGuarantee::read_your_writes), op);
      if (s.last_read >= 0 && checks(SessionGuarantee::monotonic_reads))
        g.add(s.last_read, v, int(SessionGuarantee::monotonic_reads), op);
      s.last_read = v;
    }
    const std::vector<int> cycle = g.find_cycle();
    if (cycle.empty()) continue;
    SessionViolation violation;
    violation.key = key;
    std::set<int> reasons;
    for (int e : cycle) {
      const Edge& edge = g.edges[e];
      SessionEdge out{g.values[edge.from], g.values[edge.to],
                      edge.reason == kInitialReason ? "initial"
                                                    : to_string(SessionGuarantee(edge.reason)),
                      edge.op ? *edge.op : Operation{}};
      violation.cycle.push_back(std::move(out));
      if (edge.reason != kInitialReason) reasons.insert(edge.reason);
    }
    for (int r : reasons) violation.guarantees.push_back(SessionGuarantee(r));
    result.violations.push_back(std::move(violation));
  }
  result.ok = result.violations.empty() && result.errors.empty();
  return result;
}

std::string SessionResult::to_text() const {
  std::string s = ok ? "session guarantees hold\n" : "session guarantees violated\n";
  for (const SessionViolation& v : violations) {
    s += "  key " + json(v.key).dump() + ": no write order satisfies ";
    for (size_t i = 0; i < v.guarantees.size(); ++i) s += (i ? " + " : "") + to_string(v.guarantees[i]);
    s += ":\n";
    for (const SessionEdge& e : v.cycle) {
      s += "    " + (e.from.is_null() ? std::string("initial") : e.from.dump()) + " before " +
           (e.to.is_null() ? std::string("initial") : e.to.dump()) + "  (" + e.reason;
      s += e.reason == "initial" ? ")\n" : ", by " + to_string(e.op) + ")\n";
    }
  }
  for (const std::string& e : errors) s += "  error: " + e + "\n";
  return s;
}

json SessionResult::to_json() const {
  json j = {{"ok", ok}, {"violations", json::array()}, {"errors", errors}};
  for (const SessionViolation& v : violations) {
    json jv = {{"key", v.key}, {"guarantees", json::array()}, {"cycle", json::array()}};
    for (SessionGuarantee g : v.guarantees) jv["guarantees"].push_back(to_string(g));
    for (const SessionEdge& e : v.cycle) {
      json je = {{"from", e.from}, {"to", e.to}, {"reason", e.reason}};
      if (e.reason != "initial") je["op"] = to_string(e.op);
      jv["cycle"].push_back(std::move(je));
    }
    j["violations"].push_back(std::move(jv));
  }
  return j;
}

}  // namespace dsim::check

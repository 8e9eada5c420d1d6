#include "sim/check/client_history.h"

#include "sim/time.h"

namespace dsim::check {
namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string ms(int64_t ns) { return sim::format_ms(sim::Duration::nanos(ns)); }

}  // namespace

std::optional<Event> ClientHistory::on_event(const sim::TraceEvent& ev) {
  const uint32_t node = ev.node.value;
  switch (ev.kind) {
    case sim::TraceKind::deliver: woken_by_[node] = ev.peer; return std::nullopt;
    case sim::TraceKind::timer:
    case sim::TraceKind::crash:
    case sim::TraceKind::restart: woken_by_.erase(node); return std::nullopt;
    case sim::TraceKind::client: break;
    default: return std::nullopt;
  }
  const sim::ClientEvent* c = ev.client();
  if (!c) return std::nullopt;
  Event e;
  const sim::ClientProcess who = sim::client_process(ev);
  const auto [it, fresh] = ids_.try_emplace(who, static_cast<int>(processes_.size()));
  if (fresh) processes_.push_back(who);
  e.process = it->second;
  if (ev.name == "invoke") e.type = Event::Type::invoke;
  else if (ev.name == "ok") e.type = Event::Type::ok;
  else if (ev.name == "fail") e.type = Event::Type::fail;
  else e.type = Event::Type::info;
  e.f = std::string(sim::enum_name(c->f));
  e.key = c->key;
  e.value = c->value;
  e.time = ev.time.ns();
  const int64_t seq = static_cast<int64_t>(ev.seq);
  if (e.type == Event::Type::invoke) {
    open_[e.process] = seq;
  } else if (const auto open = open_.find(e.process); open != open_.end()) {
    const auto woke = woken_by_.find(node);
    if (woke != woken_by_.end() && e.type != Event::Type::info) {
      const uint32_t server = woke->second.value;
      answered_by_[open->second] = server < names_.size() ? names_[server] : "node #" + std::to_string(server);
    }
    open_.erase(open);
  }
  return e;
}

std::string ClientHistory::process_name(int process) const {
  if (process < 0 || static_cast<size_t>(process) >= processes_.size()) return "p" + std::to_string(process);
  const sim::ClientProcess p = processes_[static_cast<size_t>(process)];
  std::string name = p.node < names_.size() ? names_[p.node] : "node #" + std::to_string(p.node);
  if (p.process != 0) name += "p" + std::to_string(p.process);
  return name;
}

std::string ClientHistory::answered_by(int64_t invoke_seq) const {
  const auto it = answered_by_.find(invoke_seq);
  return it == answered_by_.end() ? "" : it->second;
}

std::string ClientHistory::describe(const Operation& op) const {
  std::string s = process_name(op.process) + " " + op.f;
  if (!op.key.empty()) s += " " + dump(json(op.key));
  if (!op.input.is_null()) s += " " + dump(op.input);
  s += " -> ";
  if (op.status == Status::ok) s += op.output.is_null() ? "ok" : "ok " + dump(op.output);
  else s += to_string(op.status);
  if (op.ret == kInfinity) return s + " (from " + ms(op.call) + ", no answer)";
  s += " (" + ms(op.call) + " to " + ms(op.ret);
  const std::string server = answered_by(op.line);
  return s + (server.empty() ? ")" : ", answered by " + server + ")");
}

std::string to_dsim_line(const Event& e) {
  std::string s = "{\"process\":" + std::to_string(e.process) + ",\"type\":\"" + type_name(e.type) + "\",\"f\":" +
                  dump(json(e.f));
  if (!e.key.empty()) s += ",\"key\":" + dump(json(e.key));
  if (!e.value.is_null()) s += ",\"value\":" + dump(e.value);
  return s + ",\"time\":" + std::to_string(e.time) + "}";
}

}  // namespace dsim::check

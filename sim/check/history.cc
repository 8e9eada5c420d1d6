// Building operations from invoke/complete events (see history.h).
#include "sim/check/history.h"

#include <string>
#include <utility>

#include "sim/check/history_input.h"

namespace dsim::check {

std::string to_string(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::fail: return "fail";
    case Status::info: return "info";
  }
  return "?";
}

std::string to_string(const Operation& op) {
  std::string s = "p" + std::to_string(op.process) + " " + op.f;
  // error_handler replace: a key or value that is not UTF-8 prints, it does not throw.
  if (!op.key.empty()) s += " " + json(op.key).dump(-1, ' ', false, json::error_handler_t::replace);
  if (!op.input.is_null()) s += " " + op.input.dump(-1, ' ', false, json::error_handler_t::replace);
  s += " -> ";
  if (op.status == Status::ok)
    s += op.output.is_null() ? "ok" : "ok " + op.output.dump(-1, ' ', false, json::error_handler_t::replace);
  else s += to_string(op.status);
  s += " @[" + std::to_string(op.call) + ",";
  s += op.ret == kInfinity ? std::string("inf)") : std::to_string(op.ret) + "]";
  return s;
}

const char* type_name(Event::Type type) {
  switch (type) {
    case Event::Type::invoke: return "invoke";
    case Event::Type::ok: return "ok";
    case Event::Type::fail: return "fail";
    case Event::Type::info: return "info";
  }
  return "?";
}

void HistoryBuilder::add(const Event& event, int64_t line) {
  if (event.time < last_time_) {
    fail_at(line, "time " + std::to_string(event.time) + " goes backwards (previous event at " +
                      std::to_string(last_time_) + ")");
  }
  last_time_ = event.time;
  const auto pending = pending_.find(event.process);
  if (event.type == Event::Type::invoke) {
    if (pending != pending_.end()) {
      fail_at(line, "process " + std::to_string(event.process) + " invokes " + shown(event.f) +
                        " while its operation from line " +
                        std::to_string(ops_[pending->second].line) + " is outstanding");
    }
    Operation op;
    op.process = event.process;
    op.key = event.key;
    op.f = event.f;
    op.input = event.value;
    op.call = event.time;
    op.line = line;
    pending_.emplace(event.process, ops_.size());
    ops_.push_back(std::move(op));
    return;
  }
  if (pending == pending_.end()) {
    fail_at(line, std::string(type_name(event.type)) + " of " + shown(event.f) + " for process " +
                      std::to_string(event.process) + " which has no outstanding invocation");
  }
  Operation& op = ops_[pending->second];
  if (event.f != op.f) {
    fail_at(line, std::string(type_name(event.type)) + " of " + shown(event.f) + " for process " +
                      std::to_string(event.process) + " whose outstanding invocation (line " +
                      std::to_string(op.line) + ") is " + shown(op.f));
  }
  if (!event.key.empty() && event.key != op.key) {
    fail_at(line, "completion names key \"" + shown(event.key) + "\" but the invocation (line " +
                      std::to_string(op.line) + ") named \"" + shown(op.key) + "\"");
  }
  pending_.erase(pending);
  switch (event.type) {
    case Event::Type::ok: op.status = Status::ok; break;
    case Event::Type::fail: op.status = Status::fail; break;
    default: op.status = Status::info; break;
  }
  if (op.status == Status::info) {
    op.ret = kInfinity;  // may take effect at any time after the call, or never
    op.output = nullptr;
  } else {
    op.ret = event.time;
    op.output = event.value;
  }
}

History HistoryBuilder::finish() && {
  // Pending operations are already status info with ret = kInfinity and a null output.
  pending_.clear();
  return History{std::move(ops_)};
}

}  // namespace dsim::check

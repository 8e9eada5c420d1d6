#include "sim/check/linearizable_invariant.h"

#include <map>
#include <new>
#include <optional>

#include "sim/check/history.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"

namespace dsim::check {
namespace {

class Linearizable final : public sim::Invariant {
 public:
  Linearizable(std::string model, std::vector<std::string> names, CheckOptions options)
      : model_(std::move(model)), names_(std::move(names)), options_(options), last_delivery_(names_.size()) {}

  void on_event(const sim::TraceEvent& ev) override {
    // The message a client node received last: a completion in the same handler (same node,
    // same time) was answered by its sender.
    if (ev.kind == sim::TraceKind::deliver && ev.node.value < last_delivery_.size())
      last_delivery_[ev.node.value] = {ev.time, ev.peer};
    if (ev.kind != sim::TraceKind::client || !ev.data || error_) return;
    Event e;
    e.process = process_id(sim::client_process(ev));
    if (ev.name == "invoke") e.type = Event::Type::invoke;
    else if (ev.name == "ok") e.type = Event::Type::ok;
    else if (ev.name == "fail") e.type = Event::Type::fail;
    else e.type = Event::Type::info;
    e.f = ev.data->value("f", "");
    e.key = ev.data->value("key", "");
    e.value = ev.data->contains("value") ? ev.data->at("value") : json();
    e.time = ev.time.ns();
    try {
      builder_.add(e, static_cast<int64_t>(ev.seq));
    } catch (const HistoryError& err) {
      error_ = true;
      violate(ev, std::string("malformed client history: ") + err.what());
      return;
    }
    if (e.type == Event::Type::invoke) {
      invoked_at_[e.process] = e.time;
    } else {
      std::optional<sim::NodeId> by;
      if (ev.node.value < last_delivery_.size() && last_delivery_[ev.node.value].second.valid() &&
          last_delivery_[ev.node.value].first == ev.time)
        by = last_delivery_[ev.node.value].second;
      completions_[{e.process, invoked_at_[e.process]}] = Completion{ev.seq, ev.time, by};
    }
  }

  void on_end(sim::Time) override {
    if (error_) return;
    const History history = std::move(builder_).finish();
    CheckResult result;
    try {
      result = check_linearizable(history, model_by_name(model_), options_);
    } catch (const std::bad_alloc&) {
      skip("linearizability unknown: out of memory (no verdict is guessed)");
      return;
    } catch (const std::exception& e) {  // ModelError: an operation the model cannot read
      skip(std::string("the history does not fit model ") + model_ + ": " + e.what());
      return;
    }
    if (result.verdict == Verdict::unknown) {
      skip("linearizability unknown: " + result.unknown_reason + " (no verdict is guessed)");
      return;
    }
    if (result.verdict != Verdict::not_linearizable || !result.counterexample) return;
    const Counterexample& c = *result.counterexample;
    const auto done = completions_.find({c.blocked.process, c.blocked.call});
    const uint64_t seq = done != completions_.end() ? done->second.seq : static_cast<uint64_t>(c.blocked.line);
    const sim::Time time = done != completions_.end() ? done->second.time : sim::Time::from_ns(c.blocked.call);
    std::string text = c.to_text();
    for (char& ch : text)
      if (ch == '\n') ch = ' ';
    // The operation as people read a run: the client by name, times in ms, the server whose
    // reply completed it when the trace shows one.
    const Operation& op = c.blocked;
    std::string what = describe(op.process) + " " + op.f;
    if (!op.key.empty()) what += " " + json(op.key).dump(-1, ' ', false, json::error_handler_t::replace);
    if (!op.input.is_null()) what += " " + op.input.dump(-1, ' ', false, json::error_handler_t::replace);
    if (op.status == Status::ok && !op.output.is_null())
      what += " -> " + op.output.dump(-1, ' ', false, json::error_handler_t::replace);
    what += ", invoked at " + sim::format_ms(sim::Duration::nanos(op.call));
    if (op.ret != kInfinity) what += ", completed at " + sim::format_ms(sim::Duration::nanos(op.ret));
    if (done != completions_.end() && done->second.by && done->second.by->value < names_.size())
      what += ", answered by " + names_[done->second.by->value];
    violate_at(seq, time, "the client history is not linearizable (" + model_ + "): " + what +
                              ", cannot take effect after the operations before it", text);
  }

 private:
  // A dense Jepsen process id per (node, logical process), in order of first appearance.
  int process_id(sim::ClientProcess p) {
    const auto [it, fresh] = process_ids_.try_emplace(p, static_cast<int>(process_ids_.size()));
    if (fresh) process_names_.push_back(p);
    return it->second;
  }

  // A client process as dsim log names it: "c3" (process 0) or "c3p1".
  std::string describe(int id) const {
    const sim::ClientProcess p = process_names_.at(static_cast<size_t>(id));
    const std::string node = p.node < names_.size() ? names_[p.node] : "node #" + std::to_string(p.node);
    return p.process == 0 ? node : node + "p" + std::to_string(p.process);
  }
  struct Completion {
    uint64_t seq = 0;
    sim::Time time;
    std::optional<sim::NodeId> by;  // the server whose reply completed it
  };

  std::string model_;
  std::vector<std::string> names_;
  CheckOptions options_;
  std::map<sim::ClientProcess, int> process_ids_;
  std::vector<sim::ClientProcess> process_names_;  // id -> (node, process), for messages
  HistoryBuilder builder_;
  bool error_ = false;
  std::map<int, int64_t> invoked_at_;
  std::map<std::pair<int, int64_t>, Completion> completions_;
  std::vector<std::pair<sim::Time, sim::NodeId>> last_delivery_;  // per node: its latest delivery
};

}  // namespace

std::unique_ptr<sim::Invariant> make_linearizable_invariant(const std::string& model,
                                                            std::vector<std::string> names,
                                                            CheckOptions options) {
  return std::make_unique<Linearizable>(model, std::move(names), options);
}

}  // namespace dsim::check

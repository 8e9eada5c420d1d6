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
      : model_(std::move(model)), names_(std::move(names)), options_(options) {}

  void on_event(const sim::TraceEvent& ev) override {
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
      completions_[{e.process, invoked_at_[e.process]}] = {ev.seq, ev.time};
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
    const uint64_t seq = done != completions_.end() ? done->second.first : static_cast<uint64_t>(c.blocked.line);
    const sim::Time time = done != completions_.end() ? done->second.second : sim::Time::from_ns(c.blocked.call);
    std::string text = c.to_text();
    for (char& ch : text)
      if (ch == '\n') ch = ' ';
    violate_at(seq, time, "the client history is not linearizable (" + model_ + "): " + to_string(c.blocked) +
                              " cannot take effect (p" + std::to_string(c.blocked.process) + " is " +
                              describe(c.blocked.process) + ")", text);
  }

 private:
  // A dense Jepsen process id per (node, logical process), in order of first appearance.
  int process_id(sim::ClientProcess p) {
    const auto [it, fresh] = process_ids_.try_emplace(p, static_cast<int>(process_ids_.size()));
    if (fresh) process_names_.push_back(p);
    return it->second;
  }

  std::string describe(int id) const {
    const sim::ClientProcess p = process_names_.at(static_cast<size_t>(id));
    const std::string node = p.node < names_.size() ? names_[p.node] : "node #" + std::to_string(p.node);
    return node + " process " + std::to_string(p.process);
  }

  std::string model_;
  std::vector<std::string> names_;
  CheckOptions options_;
  std::map<sim::ClientProcess, int> process_ids_;
  std::vector<sim::ClientProcess> process_names_;  // id -> (node, process), for messages
  HistoryBuilder builder_;
  bool error_ = false;
  std::map<int, int64_t> invoked_at_;
  std::map<std::pair<int, int64_t>, std::pair<uint64_t, sim::Time>> completions_;
};

}  // namespace

std::unique_ptr<sim::Invariant> make_linearizable_invariant(const std::string& model,
                                                            std::vector<std::string> names,
                                                            CheckOptions options) {
  return std::make_unique<Linearizable>(model, std::move(names), options);
}

}  // namespace dsim::check

#include "sim/check/linearizable_invariant.h"

#include <map>
#include <new>
#include <optional>

#include "sim/check/client_history.h"
#include "sim/check/history.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"

namespace dsim::check {
namespace {

class Linearizable final : public sim::Invariant {
 public:
  Linearizable(std::string model, std::vector<std::string> names, CheckOptions options)
      : model_(std::move(model)), clients_(std::move(names)), options_(options) {}

  void on_event(const sim::TraceEvent& ev) override {
    if (error_) return;
    const std::optional<Event> e = clients_.on_event(ev);
    if (!e) return;
    try {
      builder_.add(*e, static_cast<int64_t>(ev.seq));
    } catch (const HistoryError& err) {
      error_ = true;
      violate(ev, std::string("malformed client history: ") + err.what());
      return;
    }
    if (e->type == Event::Type::invoke) {
      invoked_at_[e->process] = e->time;
    } else {
      completions_[{e->process, invoked_at_[e->process]}] = {ev.seq, ev.time};
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
    const auto show = [this](const Operation& op) { return clients_.describe(op); };
    std::string text = c.to_text(show);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    // The sentence names the operation (client, times in ms, the server that answered); the
    // counterexample, several lines, goes where the violating event's text goes.
    violate_at(seq, time,
               "the client history is not linearizable (" + model_ + "): " + show(c.blocked) + " cannot take effect",
               text);
  }

 private:
  std::string model_;
  ClientHistory clients_;  // client events -> history events, one process per (node, logical process)
  CheckOptions options_;
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

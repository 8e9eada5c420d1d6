#include "sim/invariant.h"

#include <algorithm>

#include "sim/json_source.h"

namespace dsim::sim {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::skipped: return "skipped";
  }
  return "?";
}

namespace {

class Skipped final : public Invariant {
 public:
  explicit Skipped(std::string why) { skip(std::move(why)); }
  void on_event(const TraceEvent&) override {}
};

}  // namespace

std::unique_ptr<Invariant> skipped_invariant(std::string why) { return std::make_unique<Skipped>(std::move(why)); }

void Invariant::violate(const TraceEvent& ev, std::string what) {
  if (violation_) return;
  Violation v;
  v.invariant = name_;
  v.what = std::move(what);
  v.seq = ev.seq;
  v.time = ev.time;
  if (topology_) format_trace_event(ev, *topology_, v.event);
  violation_ = std::move(v);
}

void Invariant::violate_at_end(Time end, std::string what) {
  if (violation_) return;
  Violation v;
  v.invariant = name_;
  v.what = std::move(what);
  v.seq = 0;
  v.time = end;
  v.event = "(end of run)";
  v.at_end = true;
  violation_ = std::move(v);
}

void Invariant::violate_at(uint64_t seq, Time time, std::string what, std::string event) {
  if (violation_) return;
  violation_ = Violation{name_, std::move(what), seq, time, std::move(event)};
}

void InvariantSet::add(std::unique_ptr<Invariant> inv) {
  inv->topology_ = topology_;
  if (inv->applicable()) active_.push_back(inv.get());
  all_.push_back(std::move(inv));
}

namespace {

// An invariant that cannot read an event's payload (a key missing, a wrong type, an index out
// of range) is reading a garbled or hand-edited trace: `dsim check` feeds it what the file
// says. A live run's protocol writes what its own invariants read, so there this only reports
// a protocol bug, still naming the event. Either way it is an input error, never a crash.
InputError unreadable(const Invariant& inv, const TraceEvent* ev, const char* what) {
  std::string where = "at the end of the trace";
  if (ev) {
    const nlohmann::json name(std::string(ev->name));  // one line, escaped
    where = "trace event " + std::to_string(ev->seq) + " (" + std::string(to_string(ev->kind)) + " " +
            name.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ")";
  }
  return InputError(where + ": invariant " + inv.name() + " cannot read it: " + what);
}

}  // namespace

void InvariantSet::on_event(const TraceEvent& ev) {
  bool dropped = false;
  for (Invariant* inv : active_) {
    try {
      inv->on_event(ev);
    } catch (const nlohmann::json::exception& e) {
      throw unreadable(*inv, &ev, e.what());
    } catch (const InputError& e) {
      throw unreadable(*inv, &ev, e.what());
    }
    dropped |= inv->violation_.has_value();
  }
  if (!dropped) return;
  if (stop_at_violation_ && !stopped_by_) {
    for (Invariant* inv : active_)
      if (inv->violation_) {
        stopped_by_ = inv->violation_;
        break;
      }
    if (halt_) halt_();
  }
  std::erase_if(active_, [](Invariant* inv) { return inv->violation_.has_value(); });
}

void InvariantSet::stop_at_violation(std::function<void()> halt) {
  stop_at_violation_ = true;
  halt_ = std::move(halt);
}

void InvariantSet::finish(Time end, const std::string& cut) {
  if (finished_) return;
  finished_ = true;
  for (Invariant* inv : active_) {
    try {
      if (cut.empty()) inv->on_end(end);
      else if (inv->liveness()) inv->skip(cut);
      else inv->on_cut(end);
    } catch (const nlohmann::json::exception& e) {
      throw unreadable(*inv, nullptr, e.what());
    } catch (const InputError& e) {
      throw unreadable(*inv, nullptr, e.what());
    }
  }
}

std::vector<InvariantResult> InvariantSet::results() const {
  std::vector<InvariantResult> out;
  for (const auto& inv : all_) {
    InvariantResult r;
    r.name = inv->name();
    if (!inv->applicable()) {
      r.verdict = Verdict::skipped;
      r.detail = inv->skip_reason();
    } else if (inv->violation()) {
      r.verdict = Verdict::violated;
      r.violation = inv->violation();
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool InvariantSet::any_violated() const {
  return std::any_of(all_.begin(), all_.end(), [](const auto& inv) { return inv->violation().has_value(); });
}

}  // namespace dsim::sim

#include "sim/invariant.h"

#include <algorithm>

namespace dsim::sim {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::skipped: return "skipped";
  }
  return "?";
}

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

void InvariantSet::on_event(const TraceEvent& ev) {
  bool dropped = false;
  for (Invariant* inv : active_) {
    inv->on_event(ev);
    dropped |= inv->violation_.has_value();
  }
  if (dropped)
    std::erase_if(active_, [](Invariant* inv) { return inv->violation_.has_value(); });
}

void InvariantSet::finish(Time end) {
  if (finished_) return;
  finished_ = true;
  for (Invariant* inv : active_) inv->on_end(end);
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

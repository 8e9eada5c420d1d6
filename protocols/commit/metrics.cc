#include "protocols/commit/metrics.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/commit/observations.h"

namespace dsim::commit {
namespace {

std::string ms(int64_t ns) { return sim::format_ms(sim::Duration::nanos(ns)); }

std::string p50_p99(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return "p50 " + ms(sim::percentile(v, 0.5)) + ", p99 " + ms(sim::percentile(v, 0.99)) + ", max " +
         ms(v.empty() ? 0 : v.back());
}

class CommitMetrics final : public sim::MetricsSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind == sim::TraceKind::send) ++messages_;
    if (ev.kind != sim::TraceKind::observe) return;
    if (const auto* s = ev.observed<Submitted>()) {
      submitted_.emplace(s->txn.value, ev.time);
      Decisions& d = decisions_[s->txn.value];
      for (sim::NodeId p : s->participants) d.participants.insert(name(p.value));
    } else if (const auto* o = ev.observed<ClientOutcome>()) {
      auto it = submitted_.find(o->txn.value);
      if (o->outcome == TxnOutcome::committed) {
        ++committed_;
        if (it != submitted_.end()) commit_latency_ns_.push_back((ev.time - it->second).ns());
      } else if (o->outcome == TxnOutcome::aborted) {
        ++aborted_;
      } else {
        ++unknown_;
      }
    } else if (const auto* v = ev.observed<Voted>(); v && v->yes) {
      uncertain_since_.try_emplace({ev.node.value, v->txn.value}, ev.time);
    } else if (const auto* b = ev.observed<Begun>()) {
      Decisions& d = decisions_[b->txn.value];
      d.coordinator = ev.node.value;
      for (sim::NodeId p : b->participants) d.participants.insert(name(p.value));
    } else if (const auto* dec = ev.observed<Decided>()) {
      // The latest decision of each process (a reversal is ac2_irreversible's to report).
      decisions_[dec->txn.value].at[ev.node.value] = dec->decision == Decision::commit;
      auto it = uncertain_since_.find({ev.node.value, dec->txn.value});
      if (it != uncertain_since_.end()) {
        blocking_ns_.push_back((ev.time - it->second).ns());
        uncertain_since_.erase(it);
      }
    }
  }

  void report(sim::MetricLines& out, sim::Time end) const override {
    const uint64_t decided = committed_ + aborted_;
    char buf[240];
    std::snprintf(buf, sizeof buf, "%zu submitted; the clients heard %llu committed, %llu aborted (abort rate %.1f%%), %llu unknown",
                  submitted_.size(), static_cast<unsigned long long>(committed_),
                  static_cast<unsigned long long>(aborted_), decided ? 100.0 * static_cast<double>(aborted_) / static_cast<double>(decided) : 0.0,
                  static_cast<unsigned long long>(unknown_));
    out.emplace_back("transactions", buf);
    report_decisions(out);
    out.emplace_back("commit latency", p50_p99(commit_latency_ns_));
    std::vector<int64_t> blocking = blocking_ns_;
    for (const auto& [key, since] : uncertain_since_) blocking.push_back((end - since).ns());
    std::snprintf(buf, sizeof buf, "%s (%zu yes votes; %zu still uncertain at the end)", p50_p99(blocking).c_str(),
                  blocking.size(), uncertain_since_.size());
    out.emplace_back("blocking time", buf);
    std::snprintf(buf, sizeof buf, "%.1f (%llu messages)",
                  submitted_.empty() ? 0.0 : static_cast<double>(messages_) / static_cast<double>(submitted_.size()),
                  static_cast<unsigned long long>(messages_));
    out.emplace_back("messages per transaction", buf);
  }

 private:
  // What the servers decided, beside what the clients heard: a client told "aborted" while
  // participants committed is 3PC under a partition, and the summary must not hide it.
  struct Decisions {
    std::optional<uint32_t> coordinator;     // the node that began it
    std::set<std::string> participants;      // by name, from submit and begin
    std::map<uint32_t, bool> at;             // node -> decided commit (its latest decision)
  };

  // Servers are n1..nN in NodeId order (sim/topology.h); only servers decide.
  static std::string name(uint32_t node) { return "n" + std::to_string(node + 1); }

  // Up to kListed transactions one line each, naming who decided what; more as counts.
  void report_decisions(sim::MetricLines& out) const {
    constexpr size_t kListed = 3;
    size_t all_commit = 0, all_abort = 0, split = 0, undecided = 0, none = 0;
    std::vector<std::string> lines;
    for (const auto& [txn, d] : decisions_) {
      std::string commit, abort, open;
      for (const auto& [node, c] : d.at) {
        std::string who = name(node) + (d.coordinator && *d.coordinator == node ? " (coordinator)" : "");
        (c ? commit : abort) += " " + who;
      }
      std::set<std::string> waiting = d.participants;
      for (const auto& [node, c] : d.at) waiting.erase(name(node));
      if (d.coordinator && !d.at.count(*d.coordinator)) open += " " + name(*d.coordinator) + " (coordinator)";
      for (const auto& w : waiting) open += " " + w;
      const bool is_split = !commit.empty() && !abort.empty();
      if (d.at.empty()) ++none;
      else if (is_split) ++split;
      else if (!commit.empty()) ++all_commit;
      else ++all_abort;
      if (!open.empty()) ++undecided;
      std::string line = "transaction " + std::to_string(txn) + ":";
      if (!commit.empty()) line += " commit at" + commit;
      if (!abort.empty()) line += std::string(commit.empty() ? "" : ",") + " abort at" + abort;
      if (!open.empty()) line += std::string(d.at.empty() ? "" : ",") + " undecided at" + open;
      if (is_split) line += ": SPLIT, atomicity broken";
      lines.push_back(std::move(line));
    }
    if (decisions_.size() <= kListed) {
      for (auto& line : lines) out.emplace_back("decisions", std::move(line));
      return;
    }
    char buf[240];
    std::snprintf(buf, sizeof buf,
                  "%zu transactions: %zu committed everywhere, %zu aborted everywhere, %zu split (atomicity broken), "
                  "%zu decided nowhere; %zu still undecided somewhere",
                  decisions_.size(), all_commit, all_abort, split, none, undecided);
    out.emplace_back("decisions", buf);
  }

  std::map<uint64_t, Decisions> decisions_;
  std::map<uint64_t, sim::Time> submitted_;
  std::vector<int64_t> commit_latency_ns_;
  uint64_t committed_ = 0, aborted_ = 0, unknown_ = 0, messages_ = 0;
  std::map<std::pair<uint32_t, uint64_t>, sim::Time> uncertain_since_;  // (participant, txn) -> yes vote
  std::vector<int64_t> blocking_ns_;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics() { return std::make_unique<CommitMetrics>(); }

}  // namespace dsim::commit

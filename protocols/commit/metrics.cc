#include "protocols/commit/metrics.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace dsim::commit {
namespace {

std::string seconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string p50_p99(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return "p50 " + seconds(sim::percentile(v, 0.5)) + ", p99 " + seconds(sim::percentile(v, 0.99)) + ", max " +
         seconds(v.empty() ? 0 : v.back());
}

class CommitMetrics final : public sim::MetricsSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind == sim::TraceKind::send) ++messages_;
    if (ev.kind != sim::TraceKind::observe || !ev.data) return;
    if (ev.name == "submit") {
      submitted_.emplace(ev.data->at("txn").get<uint64_t>(), ev.time);
    } else if (ev.name == "outcome") {
      const std::string outcome = ev.data->at("outcome").get<std::string>();
      auto it = submitted_.find(ev.data->at("txn").get<uint64_t>());
      if (outcome == "committed") {
        ++committed_;
        if (it != submitted_.end()) commit_latency_ns_.push_back((ev.time - it->second).ns());
      } else if (outcome == "aborted") {
        ++aborted_;
      } else {
        ++unknown_;
      }
    } else if (ev.name == "vote" && ev.data->at("vote") == "yes") {
      uncertain_since_.try_emplace({ev.node.value, ev.data->at("txn").get<uint64_t>()}, ev.time);
    } else if (ev.name == "decide") {
      // What the participants decided (n1, the coordinator, is not one): the client's outcome
      // line says what it was told, this what the shards did.
      if (ev.node.value != 0 && ev.data->contains("decision"))
        decisions_[ev.data->at("txn").get<uint64_t>()][ev.node.value] = ev.data->at("decision") == "commit";
      auto it = uncertain_since_.find({ev.node.value, ev.data->at("txn").get<uint64_t>()});
      if (it != uncertain_since_.end()) {
        blocking_ns_.push_back((ev.time - it->second).ns());
        uncertain_since_.erase(it);
      }
    }
  }

  void report(sim::MetricLines& out, sim::Time end) const override {
    const uint64_t decided = committed_ + aborted_;
    char buf[240];
    std::snprintf(buf, sizeof buf, "%zu submitted; clients were told %llu committed, %llu aborted (abort rate %.1f%%), %llu unknown",
                  submitted_.size(), static_cast<unsigned long long>(committed_),
                  static_cast<unsigned long long>(aborted_), decided ? 100.0 * static_cast<double>(aborted_) / static_cast<double>(decided) : 0.0,
                  static_cast<unsigned long long>(unknown_));
    out.emplace_back("transactions", buf);
    out.emplace_back("commit latency", p50_p99(commit_latency_ns_));
    std::vector<int64_t> blocking = blocking_ns_;
    for (const auto& [key, since] : uncertain_since_) blocking.push_back((end - since).ns());
    std::snprintf(buf, sizeof buf, "%s (%zu yes votes; %zu still uncertain at the end)", p50_p99(blocking).c_str(),
                  blocking.size(), uncertain_since_.size());
    out.emplace_back("blocking time", buf);
    out.emplace_back("participants", participants_line());
    std::snprintf(buf, sizeof buf, "%.1f (%llu messages)",
                  submitted_.empty() ? 0.0 : static_cast<double>(messages_) / static_cast<double>(submitted_.size()),
                  static_cast<unsigned long long>(messages_));
    out.emplace_back("messages per transaction", buf);
  }

 private:
  // With a few transactions, who decided what ("txn 1000001: commit at n2, abort at n3 n4");
  // with more, how many transactions every participant committed, aborted, or split on.
  std::string participants_line() const {
    if (decisions_.empty()) return "no participant decided a transaction";
    const auto name = [](uint32_t node) { return "n" + std::to_string(node + 1); };
    uint64_t commit = 0, abort = 0, split = 0;
    std::string detail;
    for (const auto& [txn, by_node] : decisions_) {
      std::string commits, aborts;
      for (const auto& [node, committed] : by_node) (committed ? commits : aborts) += " " + name(node);
      if (!commits.empty() && !aborts.empty()) ++split;
      else if (!commits.empty()) ++commit;
      else ++abort;
      if (!detail.empty()) detail += "; ";
      detail += "txn " + std::to_string(txn) + ":";
      if (!commits.empty()) detail += " commit at" + commits;
      if (!aborts.empty()) detail += std::string(commits.empty() ? "" : ",") + " abort at" + aborts;
    }
    std::string counts = std::to_string(decisions_.size()) + " decided: " + std::to_string(commit) +
                         " committed everywhere, " + std::to_string(abort) + " aborted everywhere, " +
                         std::to_string(split) + " split (atomicity broken)";
    return decisions_.size() <= 3 ? counts + " (" + detail + ")" : counts;
  }

  std::map<uint64_t, std::map<uint32_t, bool>> decisions_;  // txn -> participant -> committed
  std::map<uint64_t, sim::Time> submitted_;
  std::vector<int64_t> commit_latency_ns_;
  uint64_t committed_ = 0, aborted_ = 0, unknown_ = 0, messages_ = 0;
  std::map<std::pair<uint32_t, uint64_t>, sim::Time> uncertain_since_;  // (participant, txn) -> yes vote
  std::vector<int64_t> blocking_ns_;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics() { return std::make_unique<CommitMetrics>(); }

}  // namespace dsim::commit

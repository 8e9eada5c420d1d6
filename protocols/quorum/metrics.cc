#include "protocols/quorum/metrics.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>

#include "protocols/quorum/messages.h"
#include "protocols/quorum/observations.h"

namespace dsim::quorum {
namespace {

class QuorumMetrics final : public sim::MetricsSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind == sim::TraceKind::send && ev.msg && ev.msg->holds<Message>()) {
      if (const auto* p = std::get_if<ClientPut>(&ev.msg->as<Message>()); p && p->forwarded) ++forwarded_;
      return;
    }
    if (ev.kind != sim::TraceKind::observe || !ev.msg) return;
    if (const GetOk* g = ev.observed<GetOk>()) {
      ++reads_;
      siblings_ += g->dots.size();
      max_siblings_ = std::max<uint64_t>(max_siblings_, g->dots.size());
      if (g->dots.size() > 1) ++concurrent_;
    } else if (ev.observed<Hinted>()) {
      ++hinted_;
    } else if (ev.observed<HandedOff>()) {
      ++handed_off_;
    } else if (ev.observed<Repaired>()) {
      ++repairs_;
    } else if (const PbsTrial* t = ev.observed<PbsTrial>()) {
      auto& [trials, fresh] = pbs_[{t->k, t->t_ns}];
      ++trials;
      fresh += t->fresh ? 1 : 0;
    } else if (const AeRepaired* a = ev.observed<AeRepaired>()) {
      ++ae_exchanges_;
      ae_keys_ += a->keys;
    }
  }

  void report(sim::MetricLines& out, sim::Time) const override {
    char buf[200];
    if (reads_ > 0) {
      std::snprintf(buf, sizeof buf, "%.2f per read on average, at most %llu; %.1f%% of %llu reads saw concurrent versions",
                    static_cast<double>(siblings_) / static_cast<double>(reads_), static_cast<unsigned long long>(max_siblings_),
                    100.0 * static_cast<double>(concurrent_) / static_cast<double>(reads_), static_cast<unsigned long long>(reads_));
      out.emplace_back("siblings", buf);
    } else {
      out.emplace_back("siblings", "no read returned");
    }
    std::snprintf(buf, sizeof buf, "%llu hinted copies taken or updated, %llu handed off",
                  static_cast<unsigned long long>(hinted_), static_cast<unsigned long long>(handed_off_));
    out.emplace_back("hinted hand-off", buf);
    out.emplace_back("read repairs", std::to_string(repairs_));
    out.emplace_back("forwarded writes", std::to_string(forwarded_));
    std::snprintf(buf, sizeof buf, "%llu exchanges repaired %llu copies", static_cast<unsigned long long>(ae_exchanges_),
                  static_cast<unsigned long long>(ae_keys_));
    out.emplace_back("anti-entropy", buf);
    if (!pbs_.empty()) {
      // The staleness experiments (the whole curve: dsim run --curve FILE). t-visibility: for the
      // smallest k, P(consistent) at the smallest and the largest t; k-staleness: for each k (up
      // to 8 of them), at the smallest t.
      uint64_t trials = 0;
      for (const auto& [kt, tf] : pbs_) trials += tf.first;
      const auto p = [](const std::pair<uint64_t, uint64_t>& tf) {
        return static_cast<double>(tf.second) / static_cast<double>(tf.first);
      };
      const uint32_t k0 = pbs_.begin()->first.first;
      const auto& [kt0, first] = *pbs_.begin();
      const auto last = std::prev(pbs_.lower_bound({k0 + 1, INT64_MIN}));
      if (last->first == kt0) {
        std::snprintf(buf, sizeof buf, "%llu trials; P(consistent) %.4f at t = %.1fms%s",
                      static_cast<unsigned long long>(trials), p(first), static_cast<double>(kt0.second) / 1e6,
                      k0 == 1 ? "" : " (k = the smallest)");
      } else {
        std::snprintf(buf, sizeof buf, "%llu trials; P(consistent) %.4f at t = %.1fms, %.4f at t = %.1fms%s",
                      static_cast<unsigned long long>(trials), p(first), static_cast<double>(kt0.second) / 1e6,
                      p(last->second), static_cast<double>(last->first.second) / 1e6, k0 == 1 ? "" : " (k = the smallest)");
      }
      out.emplace_back("t-visibility", buf);
      if (pbs_.rbegin()->first.first != k0) {
        std::string line = "P(a read returns one of the last k versions) at t = " +
                           std::to_string(kt0.second / 1'000'000) + "ms:";
        int shown = 0;
        for (const auto& [kt, tf] : pbs_) {
          if (kt.second != kt0.second || ++shown > 8) continue;
          std::snprintf(buf, sizeof buf, " k=%u %.4f", kt.first, p(tf));
          line += buf;
        }
        out.emplace_back("k-staleness", line);
      }
    }
  }

 private:
  uint64_t reads_ = 0, siblings_ = 0, max_siblings_ = 0, concurrent_ = 0;
  uint64_t hinted_ = 0, handed_off_ = 0, repairs_ = 0, forwarded_ = 0, ae_exchanges_ = 0, ae_keys_ = 0;
  std::map<std::pair<uint32_t, int64_t>, std::pair<uint64_t, uint64_t>> pbs_;  // (k, t) -> (trials, fresh)
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics() { return std::make_unique<QuorumMetrics>(); }

}  // namespace dsim::quorum

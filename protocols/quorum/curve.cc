// `dsim run --curve FILE` for the quorum store: the curves of the PBS experiments (workload
// experiment pbs): for each k and t, the trials, the fresh reads among them, and their share,
// P(a read t after the last of k writes was acknowledged returns one of them).
#include <cstdio>
#include <map>

#include "protocols/quorum/metrics.h"
#include "protocols/quorum/observations.h"

namespace dsim::quorum {
namespace {

class StalenessCurve final : public sim::CurveSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    if (const PbsTrial* t = ev.observed<PbsTrial>()) {
      auto& [trials, fresh] = by_t_[{t->k, t->t_ns}];
      ++trials;
      fresh += t->fresh ? 1 : 0;
    }
  }
  std::string csv(sim::Time) const override {
    std::string out = "k,t_ms,trials,fresh,p_consistent\n";
    char line[160];
    for (const auto& [kt, tf] : by_t_) {
      std::snprintf(line, sizeof line, "%u,%.3f,%llu,%llu,%.6f\n", kt.first, static_cast<double>(kt.second) / 1e6,
                    static_cast<unsigned long long>(tf.first), static_cast<unsigned long long>(tf.second),
                    tf.first ? static_cast<double>(tf.second) / static_cast<double>(tf.first) : 0.0);
      out += line;
    }
    return out;
  }

 private:
  std::map<std::pair<uint32_t, int64_t>, std::pair<uint64_t, uint64_t>> by_t_;  // (k, t) -> (trials, fresh)
};

}  // namespace

std::unique_ptr<sim::CurveSource> make_curve() { return std::make_unique<StalenessCurve>(); }

}  // namespace dsim::quorum

// A client of the sagas: it starts sagas at `rate` per second (open loop), each with an amount
// and a quantity drawn at random, by sending Start to n1 (the orchestrator, or the broker)
// until it is accepted, then waits for the result (orchestrated: a Result; choreographed: the
// saga's last event, delivered by the broker).
#pragma once

#include <cstdint>
#include <map>

#include "protocols/saga/messages.h"
#include "protocols/saga/params.h"
#include "protocols/saga/timers.h"
#include "sim/process.h"

namespace dsim::saga {

class Client final : public sim::ProcessOf<Message, ClientTimer> {
 public:
  explicit Client(Workload w) : w_(w) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ClientTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

 private:
  struct Pending {
    Start start;
    bool accepted = false;
  };
  void schedule_next(sim::Context& ctx);

  Workload w_;
  uint64_t started_ = 0, completed_ = 0, compensated_ = 0;
  std::map<SagaId, Pending> pending_;
};

}  // namespace dsim::saga

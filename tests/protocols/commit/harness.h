// One 2PC/3PC node driven by hand through a sim::Context, as the runtime would drive it: each
// call applies the previous handler's effects (sync first), then runs one handler. Tests then
// inspect what the handler sent, observed, armed and stored.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "sim/process.h"

namespace dsim::commit_test {

template <class Process, class Message>
class Harness {
 public:
  // Node `self` (0 = n1, the coordinator) of a cluster of `servers` servers and one client.
  Harness(uint32_t self, uint32_t servers, std::function<std::unique_ptr<Process>()> make)
      : topology_(servers, 1), ctx_(topology_, pool_, timers_), self_(self), make_(std::move(make)) {
    node_.rng = sim::Rng::derive(1, "node/test");
    start();
  }

  void start() {
    node_.process = make_();
    bind();
    node().on_start(ctx_);
  }
  void crash_and_restart(bool lose_unsynced = true) {
    bind();  // apply the last handler's effects first: a crash comes between handlers
    node_.storage.crash(lose_unsynced);
    node_.process.reset();
    node_.timers.clear();
    ++node_.incarnation;
    start();
  }
  template <class M>
  void deliver(uint32_t from, M m) {
    bind();
    node().on_message(ctx_, sim::NodeId(from), Message(std::move(m)));
  }
  // Fires the armed timer with this tag (the test fails if there is none).
  void fire(uint64_t tag) {
    bind();
    sim::TimerId id;
    for (size_t i = 0; i < node_.timers.size(); ++i)
      if (node_.timers[i].tag == tag) {
        id = node_.timers[i].id;
        node_.timers.erase(node_.timers.begin() + static_cast<std::ptrdiff_t>(i));  // fired: no longer live
        break;
      }
    ASSERT_TRUE(id.valid()) << "no timer armed with tag " << tag;
    node().on_timer(ctx_, sim::Timer{id, tag});
  }
  bool armed(uint64_t tag) const {
    for (const auto& t : node_.timers)
      if (t.tag == tag) return true;
    return false;
  }

  template <class M>
  std::vector<std::pair<uint32_t, M>> sent() {
    std::vector<std::pair<uint32_t, M>> out;
    for (const auto& s : ctx_.sends())
      if (const auto* m = std::get_if<M>(&s.msg->template as<Message>())) out.emplace_back(s.to.value, *m);
    return out;
  }
  // The data of the observations named `what` made by the last handler.
  std::vector<nlohmann::json> observed(const std::string& what) {
    std::vector<nlohmann::json> out;
    for (const auto& o : ctx_.observations())
      if (o.what == what) out.push_back(o.data);
    return out;
  }
  bool synced() const { return ctx_.sync_requested(); }
  sim::Storage& storage() { return node_.storage; }
  Process& node() { return static_cast<Process&>(*node_.process); }

 private:
  void bind() {
    if (ctx_.sync_requested()) node_.storage.sync();
    ctx_.clear_effects();
    ctx_.bind(sim::NodeId(self_), node_, now_, true);
  }
  sim::Topology topology_;
  sim::MessagePool pool_;
  uint64_t timers_ = 0;
  sim::NodeState node_;
  sim::Context ctx_;
  uint32_t self_;
  std::function<std::unique_ptr<Process>()> make_;
  sim::Time now_ = sim::Time::zero() + sim::Duration::seconds(1);
};

}  // namespace dsim::commit_test

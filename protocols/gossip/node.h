// A gossip member (Demers et al., "Epidemic Algorithms for Replicated Database Maintenance",
// PODC 1987): a replica of a versioned key-value set that spreads updates by anti-entropy
// (§1.3: every period, reconcile with one member chosen uniformly at random, by push, pull or
// push-pull, whole stores or digests first) or by rumor mongering (§1.4: an update a member
// learns becomes a hot rumor it pushes to, or serves to pullers from, one random member per
// period until it loses interest: after k contacts that found the peer already knowing it
// (feedback) or k contacts at all (blind), by counter or with probability 1/k each (coin)).
//
// Timing: "cycles" fires every member's period at exactly the same instants, the multiples of
// the period, so that as in the paper's simulations every member makes one contact per cycle and
// what it learns in cycle c it spreads from cycle c + 1 (the network's latency must stay below
// the period for that); "async" gives each member its own random phase and a jittered period.
//
// Replicas are volatile: a restarted member starts empty and anti-entropy (or the rumors still
// hot elsewhere) refills it.
#pragma once

#include <map>
#include <vector>

#include "protocols/gossip/messages.h"
#include "protocols/gossip/observations.h"
#include "protocols/gossip/params.h"
#include "protocols/gossip/timers.h"
#include "sim/process.h"

namespace dsim::gossip {

class Member final : public sim::ProcessOf<Message, Timer> {
 public:
  explicit Member(Config cfg) : cfg_(std::move(cfg)) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const Timer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // For tests.
  const std::map<uint64_t, Entry>& store() const { return store_; }
  struct Hot {
    uint64_t key = 0;
    uint32_t count = 0;  // counted contacts (§1.4)
  };
  const std::map<uint64_t, Hot>& hot() const { return hot_; }

 private:
  void cycle(sim::Context& ctx);
  void arm_cycle(sim::Context& ctx);
  sim::NodeId random_peer(sim::Context& ctx);
  // Takes an entry if it is newer than the store's; returns whether it did.
  bool take(sim::Context& ctx, const Entry& e);
  std::vector<Entry> hot_entries() const;
  std::vector<KeyVersion> digest() const;
  std::vector<Entry> newer_than(const std::vector<KeyVersion>& theirs) const;
  std::vector<uint64_t> wanted(const std::vector<KeyVersion>& theirs) const;
  // A counted contact for rumor `version` (§1.4 loss of interest).
  void count_contact(sim::Context& ctx, uint64_t version);
  void anti_entropy(sim::Context& ctx, sim::NodeId peer);
  void on_rumor(sim::Context& ctx, sim::NodeId from, const Rumor& m);
  uint64_t current_cycle(const sim::Context& ctx) const;

  Config cfg_;
  std::map<uint64_t, Entry> store_;      // key -> the newest entry
  std::map<uint64_t, Hot> hot_;          // hot rumors by version
  std::map<uint64_t, uint64_t> learned_in_;  // version -> the cycle in which a rumor taught it
  uint64_t cycles_ = 0;
};

}  // namespace dsim::gossip

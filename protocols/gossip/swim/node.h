// A SWIM member (Das, Gupta, Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process
// Group Membership Protocol", DSN 2002).
//
// §3.1, the failure detector: every protocol period T' the member probes one other member with a
// ping; "if Mi does not receive the ack within the prespecified timeout", it "selects k members at
// random and sends each a ping-req(Mj) message", and each of those pings Mj and relays its ack. "At
// the end of this protocol period, Mi checks if it has received any acks, directly from Mj or
// indirectly through one of the k members; if not, it declares Mj as failed" - or, with the
// suspicion mechanism of §4.2, marks it suspected: "a member Mj that is suspected ... is declared
// faulty" only if the suspicion is not refuted within a timeout, and Mj refutes a suspicion of
// itself by raising its incarnation number and disseminating Alive. The overriding order (§4.2):
// Alive(i) beats Suspect(j) and Alive(j) for i > j; Suspect(i) beats Suspect(j) for i > j and
// Alive(j) for i >= j; Confirm (here: dead) beats both at any lower or equal incarnation. Unlike the
// paper, where a confirmed member is removed for good, a member declared dead that is in fact alive
// may rejoin by refuting with a higher incarnation (as Serf and Consul do), so a healed partition or
// a restarted member comes back; a dead entry with an incarnation lower than one already seen is
// stale and ignored.
//
// §4.1, dissemination: updates travel piggybacked on pings, ping-reqs and acks, each sent a bounded
// number of times (lambda ln(N + 1)), the least sent first.
// §4.3, round-robin probe selection: targets in a random order, reshuffled after each traversal;
// every member is then probed by every other within 2N - 1 periods (time-bounded completeness).
//
// Views are kept as the entries that differ from the initial membership (every initial member alive
// at incarnation 0), so 100,000 members do not hold 100,000 entries each; the random order is a
// keyed permutation computed on the fly, not a stored list.
#pragma once

#include <unordered_map>
#include <vector>

#include "protocols/gossip/swim/messages.h"
#include "protocols/gossip/swim/observations.h"
#include "protocols/gossip/swim/params.h"
#include "protocols/gossip/swim/timers.h"
#include "sim/process.h"

namespace dsim::swim {

// A view's entry; `known` false: not a member this member has heard of.
struct Entry {
  bool known = false;
  State state = State::alive;
  uint32_t incarnation = 0;
};

// Whether `u` overrides `e` (the precedence above).
bool overrides(const Update& u, const Entry& e);

class Member final : public sim::ProcessOf<Message, Timer> {
 public:
  explicit Member(Config cfg) : cfg_(std::move(cfg)) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const Timer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // For tests.
  Entry entry(uint32_t m) const;
  uint32_t incarnation() const { return inc_; }
  bool joined() const { return joined_; }
  size_t buffered() const { return buffer_.size(); }

 private:
  struct Buffered {
    Update update;
    uint32_t sent = 0;
  };
  struct Forward {
    uint32_t seq = 0;  // ours, to the target
    sim::NodeId origin;
    uint32_t origin_seq = 0;
    sim::Time at;
  };

  bool member(uint32_t m) const;  // alive or suspect in this view (self excluded)
  void set_entry(sim::Context& ctx, uint32_t m, const Entry& e, How how);
  void merge(sim::Context& ctx, const Update& u, How how = How::heard);
  void merge_all(sim::Context& ctx, const std::vector<Update>& us);
  void enqueue(const Update& u);
  std::vector<Update> piggyback(sim::NodeId to);
  std::vector<Update> differences() const;
  void tick(sim::Context& ctx);
  void settle_probe(sim::Context& ctx);
  std::optional<uint32_t> next_target(sim::Context& ctx);
  std::optional<uint32_t> random_member(sim::Context& ctx, uint32_t not_a, uint32_t not_b);
  uint32_t permuted(uint32_t i) const;
  void start_join(sim::Context& ctx);
  void leave(sim::Context& ctx);

  Config cfg_;
  uint32_t n_ = 0, initial_ = 0, self_ = 0;
  uint32_t inc_ = 0;
  bool joined_ = true, left_ = false;
  std::unordered_map<uint32_t, Entry> changed_;  // the view's entries that differ from the default
  uint32_t members_ = 0;                          // alive or suspect, self excluded
  std::unordered_map<uint32_t, sim::TimerId> suspicion_timers_;
  std::vector<Buffered> buffer_;
  uint32_t retransmits_ = 1;
  // The probe in progress.
  uint32_t seq_ = 0, probe_seq_ = 0;
  sim::NodeId probe_target_;
  bool probing_ = false, acked_ = false;
  std::vector<Forward> forwards_;
  // Round robin: position in the current traversal and its permutation's key.
  uint32_t pos_ = 0;
  uint64_t key_ = 0;
  uint32_t bits_ = 2;
  uint64_t ticks_ = 0;
};

}  // namespace dsim::swim

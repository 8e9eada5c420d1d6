// A Paxos server: acceptor, learner and (if it may propose) proposer at once, as PMS §2.4 and
// §3 describe ("each process plays the role of proposer, acceptor, and learner"), over a
// sim::Context.
//
// Acceptor state (the promise and every accepted value) is written to ctx.storage() and synced
// in the same handler, and the runtime applies the sync before any send of that handler leaves:
// "an acceptor must remember this information even if it fails and then restarts" (PMS §2.3)
// holds by construction. The learner's decisions are durable too, so a learner learns a slot
// once, ever. A restart builds a new Node whose on_start recovers from storage alone.
//
// Two modes (Config::mode):
// - single: the Synod protocol for one value (slot 1). Each proposer proposes its own value
//   after a back-off; acceptors send their acceptances to every learner (PMS §2.3), which learns
//   the value once a phase-2 quorum accepted it in one ballot; the proposer then broadcasts the
//   decision, and a learner still in the dark asks for it.
// - multi: a replicated log of client commands (PMS §3). A distinguished leader runs phase 1
//   once for every slot from its first unchosen one, re-proposes in each slot the value of the
//   highest ballot the promises report, fills the other gaps with no-ops, and then runs only
//   phase 2, one slot per command. Followers detect a dead leader by missing heartbeats (a
//   randomised timeout). Learners apply chosen commands in slot order to the key-value store,
//   exactly once per client request.
// The quorum sizes are Flexible Paxos's |Q1| and |Q2| (a majority each by default).
#pragma once

#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "protocols/common/kv.h"
#include "protocols/paxos/messages.h"
#include "protocols/paxos/observations.h"
#include "protocols/paxos/params.h"
#include "protocols/paxos/timers.h"
#include "sim/process.h"

namespace dsim::paxos {

using kv::KvStore;
using kv::Result;

// One learned decision, as the learner's durable log holds it.
struct Decision {
  uint64_t slot = 0;
  Command command;
};

struct Idle {};

// Phase 1 in progress with `ballot` (PMS §2.2 phase 1(a)).
struct Preparing {
  Ballot ballot;
  uint64_t first_slot = 1;
  std::vector<bool> promised_by;  // per server
  uint32_t promises = 0;
  std::map<uint64_t, AcceptedEntry> highest;  // per slot: the highest-ballot accepted value reported
  sim::TimerId timer;
};

// A client waiting for its command's slot to be applied.
struct PendingReply {
  sim::NodeId client_node;
  SessionId client;
  uint64_t seq = 0;
};

// A value put to phase 2 and not yet known to be chosen.
struct Proposal {
  Command command;
  sim::Time sent_at;  // local time of the latest accept requests (retransmitted a heartbeat later)
};

// Phase 1 done with `ballot`: multi, the leader; single, phase 2 of slot 1 in progress.
struct Leading {
  Ballot ballot;
  uint64_t next_slot = 1;
  std::map<uint64_t, Proposal> proposals;
  std::map<uint64_t, PendingReply> replies;  // slot -> the client to answer when it applies
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> by_client;  // client session -> (seq, slot) in flight
  sim::TimerId timer;  // multi: the heartbeat; single: the phase timeout
};

class Node final : public sim::ProcessOf<Message, ServerTimer> {
 public:
  explicit Node(Config config) : cfg_(std::move(config)) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // For tests: read-only views of the state.
  const Ballot& promised() const { return promised_; }
  const std::map<uint64_t, AcceptedEntry>& accepted() const { return accepted_; }
  const std::map<uint64_t, Command>& chosen() const { return chosen_; }
  uint64_t first_unchosen() const { return first_unchosen_; }
  bool is_leader() const { return std::holds_alternative<Leading>(role_); }
  bool is_preparing() const { return std::holds_alternative<Preparing>(role_); }
  const Leading* leading() const { return std::get_if<Leading>(&role_); }
  const KvStore& kv() const { return kv_; }
  // The value a proposer proposes in single mode when the promises report none.
  static Command own_value(const sim::Context& ctx);

 private:
  // ---- acceptor (PMS §2.2 phase 1(b) and 2(b)) ----
  Promise handle_prepare(sim::Context& ctx, const Prepare& m);
  Accepted handle_accept(sim::Context& ctx, sim::NodeId from, const Accept& m);
  void raise_promise(sim::Context& ctx, Ballot b);
  void answer_accepted(sim::Context& ctx, sim::NodeId proposer, const Accepted& reply);

  // ---- proposer ----
  void start_phase1(sim::Context& ctx);
  void on_promise(sim::Context& ctx, sim::NodeId from, const Promise& m);
  void phase1_done(sim::Context& ctx);
  void propose(sim::Context& ctx, Leading& l, uint64_t slot, Command command, bool fresh);
  void send_accepts(sim::Context& ctx, const Leading& l, uint64_t slot, const Command& command);
  void on_accepted(sim::Context& ctx, sim::NodeId from, const Accepted& m);
  void preempted(sim::Context& ctx, Ballot by);
  void heartbeat(sim::Context& ctx);
  void on_heartbeat(sim::Context& ctx, sim::NodeId from, const Heartbeat& m);
  const Ballot* active_ballot() const;
  void arm_propose(sim::Context& ctx, sim::Duration lo, sim::Duration hi);
  void back_off(sim::Context& ctx);

  // ---- learner ----
  void learn(sim::Context& ctx, uint64_t slot, const Command& command);
  void apply_chosen(sim::Context& ctx);
  void on_catch_up(sim::Context& ctx, sim::NodeId from, const CatchUp& m);

  // ---- clients (multi) ----
  void on_client_request(sim::Context& ctx, sim::NodeId from, const ClientRequest& m);
  bool holds(const Command& c) const;
  void reply(sim::Context& ctx, const PendingReply& who, const Result& r);

  uint32_t q1(const sim::Context& ctx) const { return cfg_.phase1_quorum(ctx.servers()); }
  uint32_t q2(const sim::Context& ctx) const { return cfg_.phase2_quorum(ctx.servers()); }
  bool single() const { return cfg_.mode == Mode::single; }
  void note_round(const Ballot& b) { max_round_ = std::max(max_round_, b.round); }

  Config cfg_;
  // Acceptor, persistent.
  Ballot promised_;
  std::map<uint64_t, AcceptedEntry> accepted_;  // slot -> the latest value accepted there
  // Learner: decisions are persistent; the state machine is rebuilt from them.
  std::map<uint64_t, Command> chosen_;
  uint64_t first_unchosen_ = 1;
  uint64_t applied_ = 0;  // multi: slots 1..applied_ are applied to kv_
  KvStore kv_;
  // Acceptances heard per slot (learning from phase 2(b)): the highest ballot, who accepted it.
  struct Tally {
    Ballot ballot;
    std::vector<bool> from;
    uint32_t count = 0;
  };
  std::map<uint64_t, Tally> tally_;
  // Proposer, volatile.
  std::variant<Idle, Preparing, Leading> role_;
  uint64_t max_round_ = 0;  // the highest round seen in any ballot
  std::optional<sim::NodeId> leader_;  // multi: the leader of the highest ballot heard from
  uint64_t heard_unchosen_ = 1;        // multi: the first unchosen slot of the latest heartbeat
  sim::TimerId propose_timer_, catch_up_timer_;
};

}  // namespace dsim::paxos

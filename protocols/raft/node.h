// A Raft server (Ongaro & Ousterhout 2014, Figure 2), as handlers over a sim::Context.
//
// The role is a std::variant<Follower, Candidate, Leader>: state that only a leader has
// (nextIndex[], matchIndex[], pending client replies) lives in Leader and vanishes with it.
// Persistent state (currentTerm, votedFor, log[], the latest snapshot) is written to
// ctx.storage() and synced in the same handler, and the runtime applies the sync before any
// send of that handler leaves: "Updated on stable storage before responding to RPCs" holds by
// construction. A restart builds a new Node whose on_start recovers from storage alone.
//
// The handlers are split by subsystem: node.cc (start, recovery, terms, persistence, apply),
// election.cc (§5.2, PreVote, CheckQuorum), replication.cc (§5.3, §5.4, §7), reads.cc (client
// requests, §8 and dissertation §6.4). Every state change an invariant needs is an
// observation (observations.h); nothing else leaves the node.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "protocols/common/kv.h"
#include "protocols/raft/log.h"
#include "protocols/raft/messages.h"
#include "protocols/raft/observations.h"
#include "protocols/raft/params.h"
#include "protocols/raft/timers.h"
#include "sim/process.h"

namespace dsim::raft {

using kv::KvStore;
using kv::Result;

struct Follower {};

struct Candidate {
  bool pre_vote = false;          // a PreVote round (dissertation §9.6): the term is not yet bumped
  std::vector<bool> granted;      // per server
  std::vector<bool> answered;     // per server: replied either way (the rest are asked again)
  sim::TimerId retry_timer;
};

// A client command waiting for its entry to apply, or a read waiting to be served.
struct PendingReply {
  sim::NodeId client_node;
  SessionId client;
  uint64_t seq = 0;
};
struct PendingRead {
  PendingReply who;
  std::string key;
  LogIndex read_index;   // 0 until the leader has committed an entry of its term
  uint64_t round = 0;    // a heartbeat round sent after the read arrived must be acked by a majority
};

struct Leader {
  std::vector<LogIndex> next_index, match_index;  // Figure 2, "volatile state on leaders"
  // The last index sent to each follower. A reply sends the next batch only when it
  // acknowledges everything sent so far, so one chain of batches runs per follower however
  // many replies (to heartbeats, to retransmissions) come back.
  std::vector<LogIndex> sent_up_to;
  std::vector<bool> recent_active;  // heard from since the last CheckQuorum tick
  std::vector<uint64_t> acked_round;
  uint64_t round = 0;                  // the latest heartbeat round sent
  std::map<uint64_t, sim::Time> round_sent_at;  // local send time of recent rounds (leases)
  sim::Time lease_start;               // send time of the latest round a majority acked
  bool lease_valid = false;
  std::map<LogIndex, PendingReply> replies;
  std::deque<PendingRead> reads;
  sim::TimerId heartbeat_timer, check_quorum_timer;
};

class Node final : public sim::ProcessOf<Message, ServerTimer> {
 public:
  explicit Node(Config config) : cfg_(std::move(config)) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // For tests: read-only views of the state.
  Term current_term() const { return current_term_; }
  std::optional<sim::NodeId> voted_for() const { return voted_for_; }
  const RaftLog& log() const { return log_; }
  LogIndex commit_index() const { return commit_index_; }
  bool is_leader() const { return std::holds_alternative<Leader>(role_); }
  bool is_candidate() const { return std::holds_alternative<Candidate>(role_); }
  const Leader* leader_state() const { return std::get_if<Leader>(&role_); }
  const KvStore& kv() const { return kv_; }

 private:
  // ---- node.cc: terms, persistence, applying ----
  void recover(sim::Context& ctx);
  void persist_term_and_vote(sim::Context& ctx);
  void become_follower(sim::Context& ctx, Term term, StepDownReason why);
  void recognize_leader(sim::Context& ctx, Term term, sim::NodeId leader);
  bool observe_higher_term(sim::Context& ctx, Term term);  // Figure 2, "Rules for Servers: all servers"
  void reset_election_timer(sim::Context& ctx);
  void apply_committed(sim::Context& ctx);
  void maybe_snapshot(sim::Context& ctx);
  void append_local(sim::Context& ctx, std::vector<Entry> entries);
  void truncate_local(sim::Context& ctx, LogIndex from);
  uint32_t majority(const sim::Context& ctx) const { return ctx.servers() / 2 + 1; }
  bool log_up_to_date(LogIndex last_index, Term last_term) const;

  // ---- election.cc ----
  void start_election(sim::Context& ctx, bool pre_vote);
  void request_votes(sim::Context& ctx);
  void become_leader(sim::Context& ctx);
  void on_request_vote(sim::Context& ctx, sim::NodeId from, const RequestVote& m);
  void on_request_vote_reply(sim::Context& ctx, sim::NodeId from, const RequestVoteReply& m);
  void check_quorum(sim::Context& ctx);
  bool leader_recently_heard(const sim::Context& ctx) const;

  // ---- replication.cc ----
  void broadcast_heartbeat(sim::Context& ctx);
  void send_append(sim::Context& ctx, sim::NodeId to);
  void replicate_new_entries(sim::Context& ctx);
  void on_append_entries(sim::Context& ctx, sim::NodeId from, const AppendEntries& m);
  void on_append_entries_reply(sim::Context& ctx, sim::NodeId from, const AppendEntriesReply& m);
  void on_install_snapshot(sim::Context& ctx, sim::NodeId from, const InstallSnapshot& m);
  void on_install_snapshot_reply(sim::Context& ctx, sim::NodeId from, const InstallSnapshotReply& m);
  void on_peer_ack(sim::Context& ctx, Leader& l, sim::NodeId from, uint64_t round);
  void advance_commit_index(sim::Context& ctx);

  // ---- reads.cc: the client side of a server ----
  void on_client_request(sim::Context& ctx, sim::NodeId from, const ClientRequest& m);
  void serve_reads(sim::Context& ctx);
  void reply_to_client(sim::Context& ctx, const PendingReply& who, const Result& r);
  void redirect(sim::Context& ctx, sim::NodeId to, const Command& c);

  Config cfg_;
  // Persistent state on all servers (Figure 2).
  Term current_term_;
  std::optional<sim::NodeId> voted_for_;
  RaftLog log_;
  // Volatile state on all servers.
  LogIndex commit_index_;
  LogIndex last_applied_;
  KvStore kv_;
  std::variant<Follower, Candidate, Leader> role_;
  std::optional<sim::NodeId> leader_id_;  // the leader of current_term_, once heard from
  std::optional<sim::Time> last_heard_leader_;  // local time of the leader's latest AppendEntries
  sim::TimerId election_timer_;
};

}  // namespace dsim::raft

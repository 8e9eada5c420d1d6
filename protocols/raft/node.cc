// Raft server: start and recovery, term changes, persistence, and applying committed entries.
#include "protocols/raft/node.h"

#include <optional>

#include "sim/overloaded.h"

namespace dsim::raft {

void Node::on_start(sim::Context& ctx) {
  recover(ctx);
  reset_election_timer(ctx);
}

// Raft §5 / Figure 2: currentTerm, votedFor and log[] are the persistent state; the snapshot
// (§7) replaces the log prefix and is the state machine's durable copy. Everything else
// (commitIndex, lastApplied, the role) restarts from zero: lastApplied restarts at the
// snapshot, and the rest of the log is re-applied once a leader tells us the commit index.
void Node::recover(sim::Context& ctx) {
  sim::Storage& s = ctx.storage();
  if (const auto* t = s.get("current_term")) current_term_.value = t->get<uint64_t>();
  if (const auto* v = s.get("voted_for"); v && !v->is_null()) voted_for_ = sim::NodeId(v->get<uint32_t>());
  LogIndex snapshot_index;
  Term snapshot_term;
  if (const auto* snap = s.get("snapshot")) {
    snapshot_index.value = snap->at("index").get<uint64_t>();
    snapshot_term.value = snap->at("term").get<uint64_t>();
    kv_ = KvStore::from_json(snap->at("state"));
  }
  log_.attach(s, snapshot_index, snapshot_term);
  commit_index_ = last_applied_ = log_.snapshot_index();
  ctx.observe(Recovered{current_term_, log_.last_index(), log_.snapshot_index()});
}

void Node::persist_term_and_vote(sim::Context& ctx) {
  ctx.storage().put("current_term", current_term_.value);
  // Bug forget_vote (§5.2, Figure 2 lists votedFor as persistent state): the vote lives only
  // in memory, so after a restart this server may vote again in the same term.
  if (!cfg_.bugs.forget_vote)
    ctx.storage().put("voted_for", voted_for_ ? nlohmann::json(voted_for_->value) : nlohmann::json(nullptr));
  ctx.sync();
}

// Figure 2, "Rules for Servers, all servers: if RPC request or response contains term T >
// currentTerm: set currentTerm = T, convert to follower (§5.1)". Returns true if it did.
bool Node::observe_higher_term(sim::Context& ctx, Term term) {
  if (term <= current_term_) return false;
  become_follower(ctx, term, StepDownReason::higher_term);
  return true;
}

void Node::become_follower(sim::Context& ctx, Term term, StepDownReason why) {
  const bool was_leader = is_leader();
  if (term > current_term_) {
    current_term_ = term;
    voted_for_.reset();
    leader_id_.reset();
    persist_term_and_vote(ctx);
  }
  if (was_leader) {
    const Leader& l = std::get<Leader>(role_);
    ctx.cancel_timer(l.heartbeat_timer);
    ctx.cancel_timer(l.check_quorum_timer);
    ctx.observe(SteppedDown{current_term_, why});
    if (ctx.logging(sim::LogLevel::info))
      ctx.log(sim::LogLevel::info, std::string("stepped down in term ") + std::to_string(current_term_.value) +
                                       (why == StepDownReason::higher_term ? " (saw a higher term)" : " (lost contact with a majority)"));
    // Pending clients get no answer: they time out and retry elsewhere; the session table
    // keeps a retried command from applying twice.
  }
  if (!std::holds_alternative<Follower>(role_)) role_ = Follower{};
  if (was_leader) reset_election_timer(ctx);
}

void Node::reset_election_timer(sim::Context& ctx) {
  ctx.cancel_timer(election_timer_);
  election_timer_ = set_timer(ctx, cfg_.election_timeout_min, cfg_.election_timeout_max, ElectionTimer{});
}

// Raft §5.4.1: "If the logs have last entries with different terms, then the log with the
// later term is more up-to-date. If the logs end with the same term, then whichever log is
// longer is more up-to-date."
bool Node::log_up_to_date(LogIndex last_index, Term last_term) const {
  if (last_term != log_.last_term()) return last_term > log_.last_term();
  return last_index >= log_.last_index();
}

void Node::append_local(sim::Context& ctx, std::vector<Entry> entries) {
  if (entries.empty()) return;
  const LogIndex first = log_.last_index().next();
  if (ctx.observing()) {  // skips building the digests when nobody reads them
    LogAppend obs;
    obs.first = first;
    obs.entries.reserve(entries.size());
    for (const auto& e : entries) obs.entries.push_back(EntryDigest{e.term, digest(e.command)});
    ctx.observe(std::move(obs));
  }
  for (auto& e : entries) log_.append(std::move(e));
  ctx.sync();
}

void Node::truncate_local(sim::Context& ctx, LogIndex from) {
  log_.truncate_from(from);
  ctx.sync();
  ctx.observe(LogTruncate{from});
}

// Figure 2, "Rules for Servers, all servers: if commitIndex > lastApplied: increment
// lastApplied, apply log[lastApplied] to state machine (§5.3)".
void Node::apply_committed(sim::Context& ctx) {
  if (last_applied_ >= commit_index_) return;
  std::optional<Apply> obs;
  if (ctx.observing()) {  // skips building the digests when nobody reads them
    obs.emplace();
    obs->first = last_applied_.next();
    obs->entries.reserve(commit_index_.value - last_applied_.value);
  }
  Leader* leader = std::get_if<Leader>(&role_);
  while (last_applied_ < commit_index_) {
    last_applied_ = last_applied_.next();
    const Entry& e = log_.at(last_applied_);
    const Result& r = kv_.apply(e.command);
    if (obs) obs->entries.push_back(EntryDigest{e.term, digest(e.command)});
    if (leader) {
      auto it = leader->replies.find(last_applied_);
      if (it != leader->replies.end()) {
        if (it->second.client == e.command.client && it->second.seq == e.command.seq) reply_to_client(ctx, it->second, r);
        leader->replies.erase(it);
      }
    }
  }
  if (obs) ctx.observe(std::move(*obs));
  maybe_snapshot(ctx);
  if (leader) serve_reads(ctx);
}

// Raft §7: "Each server takes snapshots independently, covering just the committed entries in
// its log." The snapshot holds the state machine with its sessions; the log prefix goes.
void Node::maybe_snapshot(sim::Context& ctx) {
  if (cfg_.snapshot_every == 0 || last_applied_.value - log_.snapshot_index().value < cfg_.snapshot_every) return;
  const Term term = *log_.term_at(last_applied_);
  log_.compact_to(last_applied_, term);
  ctx.storage().put("snapshot", {{"index", last_applied_.value}, {"term", term.value}, {"state", kv_.to_json()}});
  ctx.sync();
  ctx.observe(SnapshotTaken{last_applied_, term});
}

void Node::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const RequestVote& m) { on_request_vote(ctx, from, m); },
                 [&](const RequestVoteReply& m) { on_request_vote_reply(ctx, from, m); },
                 [&](const AppendEntries& m) { on_append_entries(ctx, from, m); },
                 [&](const AppendEntriesReply& m) { on_append_entries_reply(ctx, from, m); },
                 [&](const InstallSnapshot& m) { on_install_snapshot(ctx, from, m); },
                 [&](const InstallSnapshotReply& m) { on_install_snapshot_reply(ctx, from, m); },
                 [&](const ClientRequest& m) { on_client_request(ctx, from, m); },
                 sim::ignored<ClientReply>{},  // servers never receive replies
             },
             msg);
}

// A timer whose id is no longer the current one of its kind was replaced or belongs to a
// role the node has left: it does nothing.
void Node::on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const ElectionTimer&) {
                   if (id == election_timer_ && !is_leader()) start_election(ctx, cfg_.pre_vote);
                 },
                 [&](const HeartbeatTimer&) {
                   if (Leader* l = std::get_if<Leader>(&role_); l && id == l->heartbeat_timer) {
                     broadcast_heartbeat(ctx);
                     l->heartbeat_timer = set_timer(ctx, cfg_.heartbeat, HeartbeatTimer{});
                   }
                 },
                 [&](const VoteRetryTimer&) {
                   if (const Candidate* c = std::get_if<Candidate>(&role_); c && id == c->retry_timer) request_votes(ctx);
                 },
                 [&](const CheckQuorumTimer&) {
                   if (const Leader* l = std::get_if<Leader>(&role_); l && id == l->check_quorum_timer) check_quorum(ctx);
                 },
             },
             timer);
}

// For people (`dsim state`): Figure 2's state, the log as term runs, and the lease where reads use it.
void Node::describe(const sim::Context& ctx, nlohmann::json& s) const {
  const auto* candidate = std::get_if<Candidate>(&role_);
  s["role"] = is_leader() ? "leader" : candidate ? (candidate->pre_vote ? "pre-candidate" : "candidate") : "follower";
  s["term"] = current_term_.value;
  s["voted_for"] = voted_for_ ? nlohmann::json(ctx.name(*voted_for_)) : nlohmann::json(nullptr);
  s["leader"] = leader_id_ ? nlohmann::json(ctx.name(*leader_id_)) : nlohmann::json(nullptr);
  s["commit_index"] = commit_index_.value;
  s["last_applied"] = last_applied_.value;
  if (log_.snapshot_index().value > 0)
    s["snapshot"] = std::to_string(log_.snapshot_index().value) + ":" + std::to_string(log_.snapshot_term().value);
  s["log"] = log_.term_runs();
  if (const Leader* l = leader_state(); l && cfg_.read_mode == ReadMode::lease)
    s["lease_expires"] = l->lease_valid ? nlohmann::json(sim::format_ms(l->lease_start + cfg_.election_timeout_min - sim::Time::zero()) + " local")
                                        : nlohmann::json("none");
}

}  // namespace dsim::raft

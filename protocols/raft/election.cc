// Leader election (Raft §5.2), PreVote (dissertation §9.6) and CheckQuorum (§6.2, §4.2.3).
#include "protocols/raft/node.h"

namespace dsim::raft {

// Raft §5.2: "To begin an election, a follower increments its current term and transitions to
// candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of
// the other servers." With PreVote (§9.6) it first asks whether it *could* win, without
// touching its term, so a server returning from a partition cannot disrupt a stable leader.
void Node::start_election(sim::Context& ctx, bool pre_vote) {
  Candidate c;
  c.pre_vote = pre_vote;
  c.granted.assign(ctx.servers(), false);
  c.granted[ctx.self().value] = true;
  Term term = current_term_;
  if (pre_vote) {
    term.value += 1;
    ctx.observe(PreVoteStarted{term});
    if (ctx.logging(sim::LogLevel::debug)) ctx.log(sim::LogLevel::debug, "election timeout: pre-vote for term " + std::to_string(term.value));
  } else {
    current_term_.value += 1;
    term = current_term_;
    voted_for_ = ctx.self();
    leader_id_.reset();
    persist_term_and_vote(ctx);
    ctx.observe(ElectionStarted{term});
    if (ctx.logging(sim::LogLevel::info)) ctx.log(sim::LogLevel::info, "election timeout: standing for term " + std::to_string(term.value));
  }
  role_ = std::move(c);
  reset_election_timer(ctx);  // "If election timeout elapses: start new election"
  if (ctx.servers() == 1) {
    if (pre_vote) start_election(ctx, false);
    else become_leader(ctx);
    return;
  }
  request_votes(ctx);
}

// Raft §5.1: "Servers retry RPCs if they do not receive a response in a timely manner": the
// candidate asks again, every heartbeat interval, each server that has not answered this term.
void Node::request_votes(sim::Context& ctx) {
  Candidate& c = std::get<Candidate>(role_);
  c.answered.resize(ctx.servers(), false);
  const Term term{current_term_.value + (c.pre_vote ? 1 : 0)};
  const RequestVote rv{term, ctx.self(), log_.last_index(), log_.last_term(), c.pre_vote};
  for (uint32_t i = 0; i < ctx.servers(); ++i)
    if (i != ctx.self().value && !c.answered[i]) send(ctx, sim::NodeId(i), rv);
  c.retry_timer = set_timer(ctx, cfg_.heartbeat, VoteRetryTimer{});
}

// Dissertation §4.2.3: "if a server receives a RequestVote request within the minimum election
// timeout of hearing from a current leader, it does not update its term or grant its vote."
bool Node::leader_recently_heard(const sim::Context& ctx) const {
  if (!cfg_.check_quorum && cfg_.read_mode != ReadMode::lease) return false;
  if (is_leader()) return true;
  return leader_id_ && last_heard_leader_ && ctx.now() - *last_heard_leader_ < cfg_.election_timeout_min;
}

void Node::on_request_vote(sim::Context& ctx, sim::NodeId from, const RequestVote& m) {
  const bool up_to_date = log_up_to_date(m.last_log_index, m.last_log_term);
  // Bug vote_any_log (§5.4.1): "the voter denies its vote if its own log is more up-to-date
  // than that of the candidate" is skipped, so a candidate missing committed entries can win.
  const bool log_ok = cfg_.bugs.vote_any_log || up_to_date;
  if (leader_recently_heard(ctx) && m.term > current_term_) {
    send(ctx, from, RequestVoteReply{current_term_, false, m.pre_vote});
    return;
  }
  if (m.pre_vote) {
    // §9.6: a PreVote is granted on the same conditions as a vote, but changes nothing here.
    const bool grant = m.term > current_term_ && log_ok;
    send(ctx, from, RequestVoteReply{grant ? m.term : current_term_, grant, true});
    return;
  }
  observe_higher_term(ctx, m.term);
  // Figure 2, RequestVote receiver: "If votedFor is null or candidateId, and candidate's log is
  // at least as up-to-date as receiver's log, grant vote (§5.2, §5.4)".
  const bool grant = m.term == current_term_ && (!voted_for_ || *voted_for_ == m.candidate_id) && log_ok;
  if (grant) {
    voted_for_ = m.candidate_id;
    persist_term_and_vote(ctx);  // synced before the reply leaves
    ctx.observe(Voted{current_term_, m.candidate_id});
    reset_election_timer(ctx);   // "...or granting vote to candidate"
  }
  send(ctx, from, RequestVoteReply{current_term_, grant, false});
}

void Node::on_request_vote_reply(sim::Context& ctx, sim::NodeId from, const RequestVoteReply& m) {
  // A granted PreVote carries the proposed term, which nobody has adopted yet.
  if (!(m.pre_vote && m.vote_granted) && observe_higher_term(ctx, m.term)) return;
  Candidate* c = std::get_if<Candidate>(&role_);
  if (!c || c->pre_vote != m.pre_vote) return;
  const Term expected{current_term_.value + (m.pre_vote ? 1 : 0)};
  if (m.vote_granted ? m.term != expected : m.term > expected) return;
  c->answered[from.value] = true;
  if (!m.vote_granted) return;
  c->granted[from.value] = true;
  uint32_t votes = 0;
  for (bool g : c->granted) votes += g;
  if (votes < majority(ctx)) return;
  // §5.2: "A candidate wins an election if it receives votes from a majority of the servers in
  // the full cluster for the same term."
  if (c->pre_vote) start_election(ctx, false);
  else become_leader(ctx);
}

void Node::become_leader(sim::Context& ctx) {
  const uint32_t n = ctx.servers();
  Leader l;
  // Figure 2: "nextIndex: initialized to leader last log index + 1; matchIndex: initialized to 0".
  l.next_index.assign(n, log_.last_index().next());
  l.match_index.assign(n, LogIndex{});
  l.sent_up_to.assign(n, LogIndex{});
  l.recent_active.assign(n, false);
  l.acked_round.assign(n, 0);
  ctx.cancel_timer(election_timer_);
  role_ = std::move(l);
  leader_id_ = ctx.self();
  ctx.observe(BecameLeader{current_term_, log_.last_index(), log_.last_term()});
  if (ctx.logging(sim::LogLevel::info))
    ctx.log(sim::LogLevel::info, "became leader of term " + std::to_string(current_term_.value) + " (log ends at " +
                                     std::to_string(log_.last_index().value) + ")");
  // Dissertation §6.4: "each leader commit[s] a blank no-op entry into the log at the start of
  // its term", so it learns which entries are committed before it serves a read. Reads through
  // the log do not need it (the paper's Figure 2 has none), which keeps Figure 8 reachable.
  if (cfg_.read_mode != ReadMode::log) append_local(ctx, {Entry{current_term_, Command{SessionId{0}, 0, Op::noop, "", "", ""}}});
  Leader& leader = std::get<Leader>(role_);
  leader.heartbeat_timer = set_timer(ctx, cfg_.heartbeat, HeartbeatTimer{});
  if (cfg_.check_quorum) leader.check_quorum_timer = set_timer(ctx, cfg_.election_timeout_max, CheckQuorumTimer{});
  broadcast_heartbeat(ctx);
  advance_commit_index(ctx);  // a one-server cluster commits alone
}

// CheckQuorum (dissertation §6.2): "a leader steps down if an election timeout elapses without
// a successful round of heartbeats to a majority of its cluster".
void Node::check_quorum(sim::Context& ctx) {
  Leader& l = std::get<Leader>(role_);
  uint32_t active = 1;
  for (uint32_t i = 0; i < ctx.servers(); ++i)
    if (i != ctx.self().value && l.recent_active[i]) ++active;
  l.recent_active.assign(ctx.servers(), false);
  if (active < majority(ctx)) {
    become_follower(ctx, current_term_, StepDownReason::check_quorum);
    return;
  }
  l.check_quorum_timer = set_timer(ctx, cfg_.election_timeout_max, CheckQuorumTimer{});
}

}  // namespace dsim::raft

// Log replication (Raft §5.3), the commitment rule (§5.4.2) and InstallSnapshot (§7).
//
// The leader keeps one chain of AppendEntries per follower: it sends the next batch when a reply
// acknowledges everything sent so far (or at the next heartbeat, which doubles as the
// retransmission), so batches form naturally under load (dissertation §10.2.2).
#include <algorithm>
#include <functional>

#include "protocols/raft/node.h"

namespace dsim::raft {

// Raft §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries)
// to all followers in order to maintain their authority." Each broadcast is a new round
// (dissertation §6.4: ReadIndex and leases need to know the round a majority acknowledged).
void Node::broadcast_heartbeat(sim::Context& ctx) {
  Leader& l = std::get<Leader>(role_);
  ++l.round;
  l.round_sent_at[l.round] = ctx.now();
  for (uint32_t i = 0; i < ctx.servers(); ++i)
    if (i != ctx.self().value) send_append(ctx, sim::NodeId(i));
}

void Node::replicate_new_entries(sim::Context& ctx) {
  Leader& l = std::get<Leader>(role_);
  for (uint32_t i = 0; i < ctx.servers(); ++i)
    if (i != ctx.self().value && l.match_index[i] >= l.sent_up_to[i]) send_append(ctx, sim::NodeId(i));
  advance_commit_index(ctx);
}

void Node::send_append(sim::Context& ctx, sim::NodeId to) {
  Leader& l = std::get<Leader>(role_);
  const LogIndex next = l.next_index[to.value];
  // Raft §7: "the leader must occasionally send snapshots to followers that lag behind" — when
  // the entries the follower needs were already compacted away.
  if (next <= log_.snapshot_index()) {
    const nlohmann::json* snap = ctx.storage().get("snapshot");
    send(ctx, to, InstallSnapshot{current_term_, ctx.self(), log_.snapshot_index(), log_.snapshot_term(),
                                  snap->at("state"), l.round});
    l.sent_up_to[to.value] = log_.snapshot_index();
    return;
  }
  const LogIndex prev = next.prev();
  AppendEntries m{current_term_, ctx.self(), prev, *log_.term_at(prev), log_.slice(next, cfg_.max_batch), commit_index_,
                  l.round};
  l.sent_up_to[to.value] = LogIndex{prev.value + m.entries.size()};
  send(ctx, to, std::move(m));
}

// §5.2: "If the leader's term is at least as large as the candidate's current term, then the
// candidate recognizes the leader as legitimate and returns to follower state." Shared by
// AppendEntries and InstallSnapshot, the two RPCs only a leader sends.
void Node::recognize_leader(sim::Context& ctx, Term term, sim::NodeId leader) {
  if (term > current_term_ || !std::holds_alternative<Follower>(role_)) become_follower(ctx, term, StepDownReason::higher_term);
  leader_id_ = leader;
  last_heard_leader_ = ctx.now();
  reset_election_timer(ctx);
}

// Figure 2, AppendEntries receiver implementation.
void Node::on_append_entries(sim::Context& ctx, sim::NodeId from, const AppendEntries& m) {
  AppendEntriesReply reply{current_term_, false, LogIndex{}, Term{}, LogIndex{}, m.round};
  // 1. "Reply false if term < currentTerm (§5.1)".
  if (m.term < current_term_) {
    send(ctx, from, reply);
    return;
  }
  recognize_leader(ctx, m.term, m.leader_id);
  reply.term = current_term_;

  // 2. "Reply false if log doesn't contain an entry at prevLogIndex whose term matches
  // prevLogTerm (§5.3)", with the dissertation §5.3 hint so the leader can skip a term at once.
  if (m.prev_log_index > log_.last_index()) {
    reply.conflict_index = log_.last_index().next();
    send(ctx, from, reply);
    return;
  }
  size_t skip = 0;  // entries already covered by our snapshot (committed, hence matching)
  if (m.prev_log_index < log_.snapshot_index()) {
    skip = static_cast<size_t>(std::min<uint64_t>(log_.snapshot_index().value - m.prev_log_index.value, m.entries.size()));
  } else if (const Term t = *log_.term_at(m.prev_log_index); t != m.prev_log_term) {
    reply.conflict_term = t;
    reply.conflict_index = log_.first_index_of_term(m.prev_log_index);
    send(ctx, from, reply);
    return;
  }
  // 3. "If an existing entry conflicts with a new one (same index but different terms), delete
  // the existing entry and all that follow it (§5.3)". 4. "Append any new entries not already
  // in the log." Entries we already have are kept: a stale, reordered AppendEntries must not
  // truncate entries a later one added.
  std::vector<Entry> fresh;
  for (size_t k = skip; k < m.entries.size(); ++k) {
    const LogIndex i{m.prev_log_index.value + 1 + k};
    if (fresh.empty() && i <= log_.last_index()) {
      if (*log_.term_at(i) == m.entries[k].term) continue;
      truncate_local(ctx, i);
    }
    fresh.push_back(m.entries[k]);
  }
  append_local(ctx, std::move(fresh));
  const LogIndex last_new{m.prev_log_index.value + m.entries.size()};
  // 5. "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)".
  if (m.leader_commit > commit_index_) {
    commit_index_ = std::max(commit_index_, std::min(m.leader_commit, std::max(last_new, log_.snapshot_index())));
    apply_committed(ctx);
  }
  reply.success = true;
  reply.match_index = std::max(last_new, log_.snapshot_index());
  send(ctx, from, reply);
}

void Node::on_peer_ack(sim::Context& ctx, Leader& l, sim::NodeId from, uint64_t round) {
  l.recent_active[from.value] = true;
  if (round <= l.acked_round[from.value]) return;
  l.acked_round[from.value] = round;
  // The highest round a majority (with the leader) has acknowledged: while it stood, nobody
  // else can have been elected, since a majority still followed this leader.
  std::vector<uint64_t> acks;
  for (uint32_t i = 0; i < ctx.servers(); ++i) acks.push_back(i == ctx.self().value ? l.round : l.acked_round[i]);
  std::sort(acks.begin(), acks.end(), std::greater<>());
  const uint64_t confirmed = acks[majority(ctx) - 1];
  auto it = l.round_sent_at.find(confirmed);
  if (it != l.round_sent_at.end()) {
    l.lease_start = it->second;
    l.lease_valid = true;
  }
  l.round_sent_at.erase(l.round_sent_at.begin(), l.round_sent_at.lower_bound(confirmed));
  serve_reads(ctx);
}

void Node::on_append_entries_reply(sim::Context& ctx, sim::NodeId from, const AppendEntriesReply& m) {
  if (observe_higher_term(ctx, m.term)) return;
  Leader* l = std::get_if<Leader>(&role_);
  if (!l || m.term != current_term_) return;
  on_peer_ack(ctx, *l, from, m.round);
  if (!is_leader()) return;
  LogIndex& next = l->next_index[from.value];
  LogIndex& match = l->match_index[from.value];
  if (m.success) {
    match = std::max(match, m.match_index);
    next = std::max(next, match.next());
    advance_commit_index(ctx);
  } else {
    // Figure 2: "If AppendEntries fails because of log inconsistency: decrement nextIndex and
    // retry", using the dissertation §5.3 hint: skip past the follower's conflicting term, or
    // to the end of our own entries of that term.
    LogIndex to = m.conflict_index;
    if (m.conflict_term.value != 0)
      if (const auto last = log_.last_index_of_term(m.conflict_term)) to = last->next();
    // nextIndex only moves back on a rejection, and only a rejection that moves it retries at
    // once: a duplicated or stale rejection (of a probe already answered) would otherwise start
    // a second chain of probes to the same follower, and every duplicate doubles them. The
    // heartbeat retries the rest.
    const LogIndex before = next;
    next = std::min(next, std::max(match.next(), std::min(to, log_.last_index().next())));
    if (next.value == 0) next = LogIndex{1};
    if (next < before) send_append(ctx, from);
    return;
  }
  // The next batch goes when this reply acknowledges everything sent so far; a reply to an
  // older batch or heartbeat must not start a second chain to the same follower.
  if (is_leader() && match >= l->sent_up_to[from.value] && next <= log_.last_index()) send_append(ctx, from);
}

// Raft §5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only
// log entries from the leader's current term are committed by counting replicas; once an entry
// from the current term has been committed in this way, then all prior entries are committed
// indirectly because of the Log Matching Property."
void Node::advance_commit_index(sim::Context& ctx) {
  Leader& l = std::get<Leader>(role_);
  for (LogIndex n = log_.last_index(); n > commit_index_; n = n.prev()) {
    const Term t = *log_.term_at(n);
    // Bug commit_old_term (Figure 8): count replicas for an entry of any term.
    if (t != current_term_ && !cfg_.bugs.commit_old_term) {
      if (t < current_term_) break;  // every earlier entry has an even older term
      continue;
    }
    uint32_t replicas = 1;
    for (uint32_t i = 0; i < ctx.servers(); ++i)
      if (i != ctx.self().value && l.match_index[i] >= n) ++replicas;
    if (replicas < majority(ctx)) continue;
    commit_index_ = n;
    ctx.observe(Commit{n, t, current_term_});
    apply_committed(ctx);
    return;
  }
}

// Figure 13, InstallSnapshot receiver implementation (the whole snapshot in one message).
void Node::on_install_snapshot(sim::Context& ctx, sim::NodeId from, const InstallSnapshot& m) {
  InstallSnapshotReply reply{current_term_, LogIndex{}, m.round};
  if (m.term < current_term_) {  // 1. "Reply immediately if term < currentTerm"
    send(ctx, from, reply);
    return;
  }
  recognize_leader(ctx, m.term, m.leader_id);
  reply.term = current_term_;
  if (m.last_included_index <= commit_index_) {  // we already have everything it covers
    reply.match_index = commit_index_;
    send(ctx, from, reply);
    return;
  }
  // 6. "If existing log entry has same index and term as snapshot's last included entry,
  // retain log entries following it and reply". 7. "Discard the entire log".
  if (log_.term_at(m.last_included_index) == m.last_included_term) log_.compact_to(m.last_included_index, m.last_included_term);
  else log_.reset_to(m.last_included_index, m.last_included_term);
  // 8. "Reset state machine using snapshot contents".
  kv_ = KvStore::from_json(m.data);
  ctx.storage().put("snapshot", {{"index", m.last_included_index.value},
                                 {"term", m.last_included_term.value},
                                 {"state", m.data}});
  ctx.sync();
  commit_index_ = last_applied_ = m.last_included_index;
  ctx.observe(SnapshotInstalled{m.last_included_index, m.last_included_term, log_.last_index()});
  reply.match_index = m.last_included_index;
  send(ctx, from, reply);
}

void Node::on_install_snapshot_reply(sim::Context& ctx, sim::NodeId from, const InstallSnapshotReply& m) {
  if (observe_higher_term(ctx, m.term)) return;
  Leader* l = std::get_if<Leader>(&role_);
  if (!l || m.term != current_term_) return;
  on_peer_ack(ctx, *l, from, m.round);
  if (!is_leader()) return;
  l->match_index[from.value] = std::max(l->match_index[from.value], m.match_index);
  l->next_index[from.value] = std::max(l->next_index[from.value], l->match_index[from.value].next());
  advance_commit_index(ctx);
  if (is_leader() && l->match_index[from.value] >= l->sent_up_to[from.value] &&
      l->next_index[from.value] <= log_.last_index())
    send_append(ctx, from);
}

}  // namespace dsim::raft

// Client interaction on a server (Raft §8; dissertation chapter 6): writes go through the log
// and are answered when applied; reads go through the log (read_mode "log"), or by ReadIndex
// (§6.4), or from a leader lease (§6.4.1, which trusts bounded clock drift).
#include <algorithm>
#include <functional>

#include "protocols/raft/node.h"

namespace dsim::raft {
namespace {

// The highest heartbeat round that a majority (the leader included) has acknowledged.
uint64_t confirmed_round(const Leader& l, uint32_t self, uint32_t majority) {
  std::vector<uint64_t> acks = l.acked_round;
  acks[self] = l.round;
  std::sort(acks.begin(), acks.end(), std::greater<>());
  return acks[majority - 1];
}

}  // namespace

void Node::on_client_request(sim::Context& ctx, sim::NodeId from, const ClientRequest& m) {
  const Command& c = m.command;
  Leader* l = std::get_if<Leader>(&role_);
  // §8: "If the client contacts a follower, the follower will reject the client's request and
  // supply information about the most recent leader it has heard from."
  if (!l) {
    redirect(ctx, from, c);
    return;
  }
  const PendingReply who{from, c.client, c.seq};
  if (c.op == Op::get) {
    // Bug stale_read (§8: "a leader must check whether it has been deposed before processing a
    // read-only request"): answer from local state at once, even if a newer leader exists.
    if (cfg_.bugs.stale_read) {
      reply_to_client(ctx, who, Result{kv_.read(c.key), false});
      return;
    }
    if (cfg_.read_mode != ReadMode::log) {
      // §6.4: "1. If the leader has not yet marked an entry from its current term committed, it
      // waits until it has done so. 2. The leader saves its current commit index in a local
      // variable readIndex. 3. The leader sends a new round of heartbeats... 4. waits for its
      // state machine to advance at least as far as the readIndex".
      const bool committed_in_term = log_.term_at(commit_index_) == current_term_;
      l->reads.push_back(PendingRead{who, c.key, committed_in_term ? commit_index_ : LogIndex{}, l->round + 1});
      serve_reads(ctx);
      return;
    }
  }
  // A command already applied (a retry whose first attempt made it): answer from the session.
  if (const Result* done = kv_.applied(c)) {
    reply_to_client(ctx, who, *done);
    return;
  }
  // A retry of a command still in flight: answer this attempt when the entry applies.
  for (auto& [index, pending] : l->replies)
    if (pending.client == c.client && pending.seq == c.seq) {
      pending.client_node = from;
      return;
    }
  // §5.3: "The leader appends the command to its log as a new entry, then issues
  // AppendEntries RPCs in parallel to each of the other servers to replicate the entry."
  append_local(ctx, {Entry{current_term_, c}});
  l->replies[log_.last_index()] = who;
  replicate_new_entries(ctx);
}

void Node::serve_reads(sim::Context& ctx) {
  Leader* l = std::get_if<Leader>(&role_);
  if (!l || l->reads.empty()) return;
  if (log_.term_at(commit_index_) != current_term_) return;  // §6.4 step 1
  const uint64_t confirmed = confirmed_round(*l, ctx.self().value, majority(ctx));
  // §6.4.1: with a lease the leader skips the heartbeat round while "the lease" (a majority
  // acknowledged a round sent less than an election timeout ago, on the leader's clock) holds.
  // This trusts the clocks: a leader whose clock runs slow keeps serving after it was deposed.
  const bool lease = cfg_.read_mode == ReadMode::lease && l->lease_valid &&
                     ctx.now() < l->lease_start + cfg_.election_timeout_min;
  while (!l->reads.empty()) {
    PendingRead& r = l->reads.front();
    if (r.read_index.value == 0) r.read_index = commit_index_;
    if (!lease && confirmed < r.round) break;
    if (last_applied_ < r.read_index) break;
    const PendingRead done = r;
    l->reads.pop_front();
    reply_to_client(ctx, done.who, Result{kv_.read(done.key), false});
  }
  // Reads that arrived after the latest round need a new one; start it as soon as the previous
  // round is confirmed, so concurrent reads share rounds.
  if (!l->reads.empty() && l->reads.back().round > l->round && confirmed == l->round) {
    broadcast_heartbeat(ctx);
    if (ctx.servers() == 1) serve_reads(ctx);  // a one-server round confirms itself
  }
}

void Node::reply_to_client(sim::Context& ctx, const PendingReply& who, const Result& r) {
  send(ctx, who.client_node, ClientReply{who.client, who.seq, true, ctx.self(), r.value, r.swapped});
}

// A refusal says "not here". It also told the client "not applied" (so a client whose every
// attempt was refused reported fail), which a server can say only of a command it has not
// seen: the network duplicates requests, and a copy can reach a server after it appended the
// command as leader (or applied it) and lost the lead. Such a refusal says `held`.
void Node::redirect(sim::Context& ctx, sim::NodeId to, const Command& c) {
  std::optional<sim::NodeId> hint;
  if (leader_id_ && *leader_id_ != ctx.self()) hint = leader_id_;
  bool held = kv_.applied(c) != nullptr;
  for (LogIndex i{last_applied_.value + 1}; !held && i <= log_.last_index(); i = LogIndex{i.value + 1})
    held = log_.at(i).command.client == c.client && log_.at(i).command.seq == c.seq;
  ClientReply r{c.client, c.seq, false, hint, "", false};
  r.held = held;
  send(ctx, to, r);
}

}  // namespace dsim::raft

// Raft messages (Ongaro & Ousterhout 2014, Figure 2; Ongaro's dissertation for PreVote §9.6,
// the conflict hint §5.3 and InstallSnapshot §5.3 / Figure 5.3), plus the client protocol.
//
// Strong types Term and LogIndex keep "the term of an index" from being mixed up with the
// index itself. Every message is a plain aggregate with reflect(), so it appears in traces,
// in the digest, and can be rewritten by a Byzantine strategy.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/common/kv.h"
#include "sim/ids.h"
#include "sim/observe.h"

namespace dsim::raft {

struct Term {
  uint64_t value = 0;
  constexpr auto operator<=>(const Term&) const = default;
};

struct LogIndex {
  uint64_t value = 0;
  constexpr auto operator<=>(const LogIndex&) const = default;
  constexpr LogIndex next() const { return LogIndex{value + 1}; }
  constexpr LogIndex prev() const { return LogIndex{value == 0 ? 0 : value - 1}; }
};

// The client sessions, commands and their digests are the shared key-value service's
// (protocols/common/kv.h), so Raft and Multi-Paxos run the same state machine and workload.
using kv::Command;
using kv::digest;
using kv::Op;
using kv::SessionId;
using kv::client_op;

struct Entry {
  Term term;
  Command command;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); v("command", self.command); }
};

// Figure 2, RequestVote RPC. With pre_vote (dissertation §9.6) `term` is the term the
// candidate would use (its current term + 1); neither side changes its term or vote.
struct RequestVote {
  static constexpr std::string_view type_name = "raft.request_vote";
  Term term;
  sim::NodeId candidate_id;
  LogIndex last_log_index;
  Term last_log_term;
  bool pre_vote = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("term", self.term); v("candidate_id", self.candidate_id); v("last_log_index", self.last_log_index);
    v("last_log_term", self.last_log_term); v("pre_vote", self.pre_vote);
  }
};

struct RequestVoteReply {
  static constexpr std::string_view type_name = "raft.request_vote_reply";
  Term term;
  bool vote_granted = false;
  bool pre_vote = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); v("vote_granted", self.vote_granted); v("pre_vote", self.pre_vote); }
};

// Figure 2, AppendEntries RPC. `round` numbers the leader's heartbeat rounds: a reply echoes
// it, so the leader knows a majority still followed it after the round was sent (ReadIndex
// and leases, dissertation §6.4).
struct AppendEntries {
  static constexpr std::string_view type_name = "raft.append_entries";
  Term term;
  sim::NodeId leader_id;
  LogIndex prev_log_index;
  Term prev_log_term;
  std::vector<Entry> entries;
  LogIndex leader_commit;
  uint64_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("term", self.term); v("leader_id", self.leader_id); v("prev_log_index", self.prev_log_index);
    v("prev_log_term", self.prev_log_term); v("entries", self.entries); v("leader_commit", self.leader_commit);
    v("round", self.round);
  }
};

// On success match_index is the last index known to match the leader's log. On failure the
// conflict hint lets the leader skip a whole term at a time (dissertation §5.3, "the follower
// can include the term of the conflicting entry and the first index it stores for that term").
struct AppendEntriesReply {
  static constexpr std::string_view type_name = "raft.append_entries_reply";
  Term term;
  bool success = false;
  LogIndex match_index;
  Term conflict_term;       // 0: the follower's log is too short
  LogIndex conflict_index;  // first index of conflict_term, or the follower's log length + 1
  uint64_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("term", self.term); v("success", self.success); v("match_index", self.match_index);
    v("conflict_term", self.conflict_term); v("conflict_index", self.conflict_index); v("round", self.round);
  }
};

// Figure 13 (InstallSnapshot RPC), sent whole (no offset/done chunking).
struct InstallSnapshot {
  static constexpr std::string_view type_name = "raft.install_snapshot";
  Term term;
  sim::NodeId leader_id;
  LogIndex last_included_index;
  Term last_included_term;
  nlohmann::json data;  // the state machine with its session table
  uint64_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("term", self.term); v("leader_id", self.leader_id); v("last_included_index", self.last_included_index);
    v("last_included_term", self.last_included_term); v("data", self.data); v("round", self.round);
  }
};

struct InstallSnapshotReply {
  static constexpr std::string_view type_name = "raft.install_snapshot_reply";
  Term term;
  LogIndex match_index;
  uint64_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); v("match_index", self.match_index); v("round", self.round); }
};

// Client -> server. A server that is not the leader answers with a redirect.
struct ClientRequest {
  static constexpr std::string_view type_name = "raft.client_request";
  Command command;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("command", self.command); }
};

// Server -> client. ok=false is a redirect: try leader_hint (if known) instead. (client, seq)
// name the command answered: a client node runs several sessions at once.
struct ClientReply {
  static constexpr std::string_view type_name = "raft.client_reply";
  SessionId client;
  uint64_t seq = 0;
  bool ok = false;
  std::optional<sim::NodeId> leader_hint;
  std::string value;     // get: the value ("" for a missing key)
  bool swapped = false;  // cas: whether the comparison held
  // A refusal from a server that holds the command (applied, or in its log unapplied): "not
  // here", but not "not applied" (kv_client.h: the client's outcome becomes info, never fail).
  bool held = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("client", self.client); v("seq", self.seq); v("ok", self.ok); v("leader_hint", self.leader_hint); v("value", self.value);
    v("swapped", self.swapped); v("held", self.held);
  }
};

using Message = std::variant<RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply, InstallSnapshot,
                             InstallSnapshotReply, ClientRequest, ClientReply>;

}  // namespace dsim::raft

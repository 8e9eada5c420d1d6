// Two-phase commit messages, with the names of Tanenbaum & van Steen (Distributed Systems,
// §8.5): the coordinator sends VOTE_REQUEST, participants answer VOTE_COMMIT or VOTE_ABORT,
// the coordinator sends GLOBAL_COMMIT or GLOBAL_ABORT. Participants acknowledge the decision
// (so the coordinator knows when it may stop resending), and an uncertain participant asks
// with DECISION_REQUEST, both the coordinator and its peers (cooperative termination).
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "protocols/commit/txn.h"

namespace dsim::twopc {

using commit::TxnId;

// Phase 1. Carries the participant list so an uncertain participant knows whom to ask.
struct VoteRequest {
  static constexpr std::string_view type_name = "twopc.vote_request";
  TxnId txn;
  std::vector<sim::NodeId> participants;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("participants", self.participants); }
};

struct VoteCommit {
  static constexpr std::string_view type_name = "twopc.vote_commit";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

struct VoteAbort {
  static constexpr std::string_view type_name = "twopc.vote_abort";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

// Phase 2.
struct GlobalCommit {
  static constexpr std::string_view type_name = "twopc.global_commit";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

struct GlobalAbort {
  static constexpr std::string_view type_name = "twopc.global_abort";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

struct Ack {
  static constexpr std::string_view type_name = "twopc.ack";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

// Cooperative termination: a prepared participant that waited too long for the decision asks.
struct DecisionRequest {
  static constexpr std::string_view type_name = "twopc.decision_request";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

// A peer's answer: it knows the decision, or it had not voted and has now aborted.
struct DecisionReply {
  static constexpr std::string_view type_name = "twopc.decision_reply";
  TxnId txn;
  bool committed = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("committed", self.committed); }
};

using Message = std::variant<commit::Execute, commit::Executed, commit::CommitRequest, commit::StatusRequest, commit::Outcome, VoteRequest, VoteCommit,
                             VoteAbort, GlobalCommit, GlobalAbort, Ack, DecisionRequest, DecisionReply>;

// Timers. The coordinator's: the votes are overdue (decide abort), and the decision is to be
// sent again to participants that have not acked. A participant's: the vote request is overdue
// (abort on its own; it has not voted), and the decision is overdue (ask again, backing off).
struct VoteTimeout {
  static constexpr std::string_view type_name = "vote_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
struct ResendDecision {
  static constexpr std::string_view type_name = "resend_decision";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
using CoordinatorTimer = std::variant<VoteTimeout, ResendDecision>;
struct VoteRequestTimeout {
  static constexpr std::string_view type_name = "vote_request_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
struct DecisionTimeout {
  static constexpr std::string_view type_name = "decision_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
using ParticipantTimer = std::variant<VoteRequestTimeout, DecisionTimeout>;

}  // namespace dsim::twopc

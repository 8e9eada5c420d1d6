// Three-phase commit messages (Skeen 1981; Bernstein, Hadzilacos & Goodman 1987, §7.5):
// CanCommit? / Vote, PreCommit / PreCommitAck, DoCommit or Abort, and the termination
// protocol's StateRequest / StateReply. `round` numbers who is coordinating: 0 is the original
// coordinator n1; round r >= 1 is run by the transaction's participant number (r-1) mod n, a
// recovery coordinator elected by timeouts.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "protocols/commit/txn.h"

namespace dsim::threepc {

using commit::TxnId;

struct CanCommit {
  static constexpr std::string_view type_name = "threepc.can_commit";
  TxnId txn;
  std::vector<sim::NodeId> participants;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("participants", self.participants); }
};

struct Vote {
  static constexpr std::string_view type_name = "threepc.vote";
  TxnId txn;
  bool yes = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("yes", self.yes); }
};

struct PreCommit {
  static constexpr std::string_view type_name = "threepc.pre_commit";
  TxnId txn;
  uint32_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("round", self.round); }
};

struct PreCommitAck {
  static constexpr std::string_view type_name = "threepc.pre_commit_ack";
  TxnId txn;
  uint32_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("round", self.round); }
};

// The decision, from whoever knows it (the coordinator, a recovery coordinator, or a peer
// answering a recovering process). Final: accepted from any round.
struct DoCommit {
  static constexpr std::string_view type_name = "threepc.do_commit";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

struct Abort {
  static constexpr std::string_view type_name = "threepc.abort";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

// A participant acknowledges a decision, so the original coordinator stops resending it.
struct HaveDecided {
  static constexpr std::string_view type_name = "threepc.have_decided";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

// What a participant reports to a recovery coordinator (BHG §7.5's states): it has aborted
// (or never voted, and aborts now), is uncertain (voted yes), committable (pre-committed),
// committed, or is recovering from a crash and takes no part.
enum class Reported : uint8_t { aborted, uncertain, committable, committed, recovering };
constexpr size_t enum_size(Reported) { return 5; }

struct StateRequest {
  static constexpr std::string_view type_name = "threepc.state_request";
  TxnId txn;
  uint32_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("round", self.round); }
};

struct StateReply {
  static constexpr std::string_view type_name = "threepc.state_reply";
  TxnId txn;
  uint32_t round = 0;
  Reported state = Reported::uncertain;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("round", self.round); v("state", self.state); }
};

// A recovering process (or the restarted coordinator) asks for the decision; anyone who knows
// answers with DoCommit or Abort.
struct DecisionRequest {
  static constexpr std::string_view type_name = "threepc.decision_request";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

using Message = std::variant<commit::Execute, commit::Executed, commit::CommitRequest, commit::StatusRequest, commit::Outcome, CanCommit, Vote,
                             PreCommit, PreCommitAck, DoCommit, Abort, HaveDecided, StateRequest, StateReply,
                             DecisionRequest>;

// Timers. The coordinator has one per transaction, whose meaning depends on the phase (votes
// missing: abort; acks missing: commit; recovering: ask again; decided: resend). A
// participant's: the work phase is over without a CanCommit (abort on its own), the
// coordinator or round leader fell silent (run the termination protocol), the round it leads
// is due (states or acks are in, or late), and, recovering, ask for the decision again.
struct CoordinatorTimeout {
  static constexpr std::string_view type_name = "phase_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
using CoordinatorTimer = std::variant<CoordinatorTimeout>;
struct WorkTimeout {
  static constexpr std::string_view type_name = "work_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
struct WaitTimeout {
  static constexpr std::string_view type_name = "wait_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
struct RoundTimeout {
  static constexpr std::string_view type_name = "round_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
struct AskAgain {
  static constexpr std::string_view type_name = "ask_again";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
using ParticipantTimer = std::variant<WorkTimeout, WaitTimeout, RoundTimeout, AskAgain>;

// 3PC's own observations: a participant pre-committed, and one runs a termination round.
struct PreCommitted {
  static constexpr std::string_view type_name = "precommit";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
struct TerminationRound {
  static constexpr std::string_view type_name = "termination";
  TxnId txn;
  uint32_t round = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("round", self.round); }
};

}  // namespace dsim::threepc

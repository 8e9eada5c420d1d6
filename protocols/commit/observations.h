// What 2PC's and 3PC's nodes observe (sim/observe.h): the facts the AC invariants, the
// metrics and the "coordinator" selector read from the trace, and the timers the shared
// transaction client arms.
#pragma once

#include <array>
#include <string_view>
#include <variant>
#include <vector>

#include "protocols/commit/txn.h"
#include "sim/ids.h"

namespace dsim::commit {

// The client starts a transaction: its participants and the writes it sends each of them.
struct Submitted {
  static constexpr std::string_view type_name = "submit";
  TxnId txn;
  std::vector<sim::NodeId> participants;
  std::vector<Write> writes;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("participants", self.participants); v("writes", self.writes); }
};

// The coordinator logged "begin" and asks the participants to vote.
struct Begun {
  static constexpr std::string_view type_name = "begin";
  TxnId txn;
  std::vector<sim::NodeId> participants;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("participants", self.participants); }
};

// A participant voted (a yes vote is durable before it is sent).
struct Voted {
  static constexpr std::string_view type_name = "vote";
  TxnId txn;
  bool yes = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("yes", self.yes); }
};

// A node decided (the coordinator, or a participant learning or reaching the decision).
struct Decided {
  static constexpr std::string_view type_name = "decide";
  TxnId txn;
  Decision decision = Decision::none;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("decision", self.decision); }
};

// A participant made a committed transaction's writes visible in its shard.
struct Applied {
  static constexpr std::string_view type_name = "apply";
  TxnId txn;
  std::vector<Write> writes;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("writes", self.writes); }
};

// What a client was told about its transaction (or that it gave up asking).
enum class TxnOutcome : uint8_t { committed, aborted, unknown };
inline constexpr std::array<std::string_view, 3> kTxnOutcomeNames{"committed", "aborted", "unknown"};
inline const std::array<std::string_view, 3>& enum_names(TxnOutcome) { return kTxnOutcomeNames; }
struct Outcome;  // the message (txn.h)
struct ClientOutcome {
  static constexpr std::string_view type_name = "outcome";
  TxnId txn;
  TxnOutcome outcome = TxnOutcome::unknown;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("outcome", self.outcome); }
};

// The coordinator (re)started: the "coordinator" fault selector follows it.
struct CoordinatorUp {
  static constexpr std::string_view type_name = "coordinator";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// The transaction client's timers: the next arrival, and a transaction's answer overdue.
struct NextTxnTimer {
  static constexpr std::string_view type_name = "next_transaction";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct OutcomeTimer {
  static constexpr std::string_view type_name = "outcome_timeout";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};
using ClientTimer = std::variant<NextTxnTimer, OutcomeTimer>;

}  // namespace dsim::commit

// What two-phase and three-phase commit share: transaction ids, writes, decisions, and the
// messages between a client and the servers (the client runs the transaction's work at the
// shards, then asks the coordinator to commit it).
//
// Roles: server n1 is the coordinator (the transaction manager); servers n2..nN are the
// participants, each a key-value shard. Key k<i> lives on participant number i mod (N-1).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sim/assert.h"
#include "sim/ids.h"
#include "sim/scenario.h"
#include "sim/topology.h"

namespace dsim::commit {

// A transaction id, unique by construction: the client's number, its incarnation (a restarted
// client remembers nothing of the ids it used before) and its sequence number within that
// incarnation, packed in decimal so a trace stays readable:
//   client * 10^13 + incarnation * 10^8 + sequence,   "30000200000017" = c3's 17th after 2 restarts.
// Each field has a fixed width, so no two (client, incarnation, sequence) share an id. The
// widths hold what a scenario can produce: at most sim::kMaxClients clients, kMaxClientRestarts
// restarts per client (ProtocolSpec::max_client_restarts refuses more) and kMaxTxnSequence
// transactions per incarnation (workload.count's bound; without a count the scenario is refused
// when rate x duration comes near it).
struct TxnId {
  uint64_t value = 0;
  constexpr auto operator<=>(const TxnId&) const = default;
};
inline constexpr uint64_t kTxnClientUnit = 10'000'000'000'000;  // 10^13
inline constexpr uint64_t kTxnIncarnationUnit = 100'000'000;   // 10^8
inline constexpr uint32_t kMaxClientRestarts = 99'999;
inline constexpr uint64_t kMaxTxnSequence = kTxnIncarnationUnit - 1;
static_assert(uint64_t{kMaxClientRestarts} * kTxnIncarnationUnit + kMaxTxnSequence < kTxnClientUnit);
static_assert(sim::kMaxClients < (std::numeric_limits<uint64_t>::max() - kTxnClientUnit) / kTxnClientUnit,
              "every transaction id must fit in 64 bits");

// Client number `client` (c1 = 1), incarnation (0 until its first restart), sequence from 1.
inline TxnId make_txn_id(uint64_t client, uint32_t incarnation, uint64_t sequence) {
  DSIM_ASSERT(client >= 1 && client <= sim::kMaxClients && incarnation <= kMaxClientRestarts && sequence >= 1 &&
                  sequence <= kMaxTxnSequence,
              "transaction id fields out of range (scenario validation should have refused this)");
  return TxnId{client * kTxnClientUnit + incarnation * kTxnIncarnationUnit + sequence};
}

struct Write {
  std::string key;
  std::string value;
  bool operator==(const Write&) const = default;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("value", self.value); }
};

enum class Decision : uint8_t { none, commit, abort };
inline constexpr std::array<std::string_view, 3> kDecisionNames{"none", "commit", "abort"};
inline const std::array<std::string_view, 3>& enum_names(Decision) { return kDecisionNames; }
inline std::string_view to_string(Decision d) { return kDecisionNames[static_cast<size_t>(d) % 3]; }

// The work phase: the client sends each participant its share of the writes. The participant
// takes the keys' locks (no-wait: a held lock dooms the transaction here) and stages the
// writes; nothing is durable yet, so it may still abort on its own (it has not voted).
struct Execute {
  static constexpr std::string_view type_name = "txn.execute";
  TxnId txn;
  std::vector<Write> writes;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("writes", self.writes); }
};

// The participant's answer to Execute: the writes are staged and locked (ok), or the
// transaction is doomed here (a key was locked by another one). The client asks for the
// commit once every participant has answered, so the vote request finds the work done.
struct Executed {
  static constexpr std::string_view type_name = "txn.executed";
  TxnId txn;
  bool ok = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("ok", self.ok); }
};

// The client asks the coordinator to commit a transaction over `participants`. Sent again on
// a timeout: the coordinator answers with the outcome once it is known.
struct CommitRequest {
  static constexpr std::string_view type_name = "txn.commit_request";
  TxnId txn;
  std::vector<sim::NodeId> participants;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("participants", self.participants); }
};

// A client that has not heard the outcome from the coordinator also asks the participants
// (the coordinator may be gone for good while they terminated without it). A participant that
// has decided answers with Outcome; one that has not stays silent.
struct StatusRequest {
  static constexpr std::string_view type_name = "txn.status_request";
  TxnId txn;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); }
};

struct Outcome {
  static constexpr std::string_view type_name = "txn.outcome";
  TxnId txn;
  bool committed = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("txn", self.txn); v("committed", self.committed); }
};

// Roles in the topology.
inline sim::NodeId coordinator_node() { return sim::NodeId(0); }
inline uint32_t participant_count(const sim::Topology& t) { return t.servers() - 1; }
inline sim::NodeId participant_node(uint32_t shard) { return sim::NodeId(shard + 1); }
inline uint32_t shard_of_key(uint64_t key_index, uint32_t shards) { return static_cast<uint32_t>(key_index % shards); }

// Storage keys, one record per transaction, so a node's log survives a crash.
inline std::string txn_key(TxnId t) { return "txn/" + std::to_string(t.value); }

}  // namespace dsim::commit

// A participant's key-value shard: the durable data, the transaction records (a write-ahead
// log with one record per transaction) and the lock table. Shared by 2PC and 3PC participants,
// which differ in their protocol, not in their data.
//
// Locks are exclusive and taken without waiting: a transaction that finds a key locked is
// doomed here (the participant will vote no), so there are no deadlocks to detect. Locks are
// volatile; after a restart, recover() takes them again for every transaction still in doubt
// (prepared or pre-committed), whose records are durable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/commit/observations.h"
#include "protocols/commit/txn.h"
#include "sim/process.h"

namespace dsim::commit {

// Where a participant stands on a transaction. Durable from `prepared` on.
enum class TxnState : uint8_t { working, prepared, precommitted, committed, aborted };
constexpr size_t enum_size(TxnState) { return 5; }
std::string_view to_string(TxnState s);

struct TxnRecord {
  TxnState state = TxnState::working;
  std::vector<Write> writes;
  std::vector<sim::NodeId> participants;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("state", self.state); v("writes", self.writes); v("participants", self.participants); }
};

class Shard {
 public:
  // Locks every key of `writes` for `txn`, or none if one is held by another transaction.
  bool try_lock(TxnId txn, const std::vector<Write>& writes);
  void unlock(TxnId txn, const std::vector<Write>& writes);

  TxnRecord* find(TxnId txn);
  // Starts a transaction's record in memory (not durable).
  TxnRecord& add(TxnId txn, TxnRecord record);

  // Records the state in memory and in storage (the caller syncs). Records of in-doubt
  // transactions are listed under "in_doubt" so recovery finds them without a scan.
  void persist(sim::Context& ctx, TxnId txn, TxnState state);
  // Writes the transaction's writes into the shard's data ("kv/<key>").
  static void apply(sim::Context& ctx, const std::vector<Write>& writes);

  // The work phase (Execute): takes the locks and stages the writes of a new transaction,
  // or dooms it here on a lock conflict (it has not voted, so it may abort on its own).
  // `ok`: the writes are staged (or were, for a repeated Execute); `started`: a new working
  // transaction, for which the caller arms its wait for the vote request.
  struct Work {
    bool ok = false, started = false;
  };
  Work execute(sim::Context& ctx, const Execute& m);
  // Aborts a transaction this participant has not voted yes on (its own choice), durably: it
  // has told the client or the coordinator, so a restart must not take the work afresh.
  void abort_unilaterally(sim::Context& ctx, TxnId txn, TxnRecord& r);
  // The decision, once this participant has one (for a client's status request).
  std::optional<bool> committed(sim::Context& ctx, TxnId txn);

  // After a restart: reloads the in-doubt transactions and takes their locks again. Returns
  // their ids. Decided transactions are read from storage on demand (lookup()).
  std::vector<TxnId> recover(sim::Context& ctx);
  // A transaction's record from memory, else from storage (decided long ago or before a crash).
  TxnRecord* lookup(sim::Context& ctx, TxnId txn);

  // For people (`dsim state`): every undecided transaction and the latest decided ones with
  // their state, the locks held (key -> transaction), and how many committed and aborted.
  void describe(nlohmann::json& state) const;

 private:
  void write_in_doubt(sim::Context& ctx);
  std::map<uint64_t, TxnRecord> txns_;
  std::map<std::string, uint64_t> locks_;  // key -> transaction holding it
  std::vector<uint64_t> in_doubt_;
};

// Observes "apply" with the writes (what atomic_state compares).
void observe_apply(sim::Context& ctx, TxnId txn, const std::vector<Write>& writes);
void observe_decide(sim::Context& ctx, TxnId txn, Decision d);
void observe_vote(sim::Context& ctx, TxnId txn, bool yes);

// Of many transactions, the state lists the undecided ones and this many of the latest decided.
inline constexpr size_t kDescribedDecided = 8;

}  // namespace dsim::commit

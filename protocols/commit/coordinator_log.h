// The coordinator's write-ahead log, shared by 2PC and 3PC: one record per transaction
// ("txn/<id>" = participants and decision) and the list of transactions still "active" (begun,
// and not yet known decided by every participant), so recovery finds them without a scan.
// The caller syncs: a record must be durable before any message that depends on it.
#pragma once

#include <optional>
#include <vector>

#include "protocols/commit/txn.h"
#include "sim/process.h"

namespace dsim::commit {

struct CoordinatorRecord {
  std::vector<sim::NodeId> participants;
  Decision decision = Decision::none;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("participants", self.participants); v("decision", self.decision); }
};

class CoordinatorLog {
 public:
  // After a restart: the active transactions, from storage.
  std::vector<uint64_t> recover(sim::Context& ctx);
  // Writes the record; a transaction begun is active until retire().
  void write(sim::Context& ctx, TxnId txn, const CoordinatorRecord& r, bool begin);
  void retire(sim::Context& ctx, TxnId txn);
  std::optional<CoordinatorRecord> read(sim::Context& ctx, TxnId txn) const;

 private:
  std::vector<uint64_t> active_;
};

}  // namespace dsim::commit

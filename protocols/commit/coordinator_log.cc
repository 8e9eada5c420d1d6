#include "protocols/commit/coordinator_log.h"

#include <algorithm>

#include "sim/reflect.h"

namespace dsim::commit {

std::vector<uint64_t> CoordinatorLog::recover(sim::Context& ctx) {
  if (const auto* list = ctx.storage().get("active")) sim::from_json_value(*list, active_, "active");
  return active_;
}

void CoordinatorLog::write(sim::Context& ctx, TxnId txn, const CoordinatorRecord& r, bool begin) {
  ctx.storage().put(txn_key(txn), sim::to_json_value(r));
  if (!begin) return;
  active_.push_back(txn.value);
  ctx.storage().put("active", sim::to_json_value(active_));
}

void CoordinatorLog::retire(sim::Context& ctx, TxnId txn) {
  active_.erase(std::remove(active_.begin(), active_.end(), txn.value), active_.end());
  ctx.storage().put("active", sim::to_json_value(active_));
}

std::optional<CoordinatorRecord> CoordinatorLog::read(sim::Context& ctx, TxnId txn) const {
  const auto* stored = ctx.storage().get(txn_key(txn));
  if (!stored) return std::nullopt;
  CoordinatorRecord r;
  sim::from_json_value(*stored, r, "record");
  return r;
}

}  // namespace dsim::commit

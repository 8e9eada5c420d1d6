// A node's durable storage: a key-value map that survives crashes.
//
// Writes are visible to the node at once. They become durable when the node syncs: the
// runtime starts a requested sync right after the handler and holds the handler's sends until
// it completes (at once by default, or after a latency drawn from the scenario's "storage"
// model), so "persist before send" holds by construction and costs what a disk costs. Sends
// of later handlers never overtake a sync in progress (they may report state it has not made
// durable yet), and a sync covers every write made before it completes. The disk runs one sync
// at a time; requests made while one runs and another waits join the waiting one (group commit). A crash keeps every synced write; whether
// it keeps unsynced ones is the crash's choice (a storage fault loses them, as FoundationDB's
// non-durable files do). Values are JSON: durable state is small and must be inspectable.
//
// Storage faults (faults/): a sync that lies (reports success, the next crash loses the
// data), and a corrupted record, which a checksum detects when it is read: get() and a log's
// at() then throw StorageReadError. A protocol may catch it and recover (from its peers, say);
// a protocol that does not fail-stops: the runtime crashes the node and records why.
// A protocol's log, which grows with every command, lives in a named DurableLog<Entry> instead
// (typed records, the same sync and crash rules), so appending costs no JSON and no map key.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/assert.h"
#include "sim/durable_log.h"

namespace dsim::sim {

class Storage {
 public:
  void put(const std::string& key, nlohmann::json value);
  void erase(const std::string& key);
  // The current value (unsynced writes included), or nullptr.
  const nlohmann::json* get(const std::string& key) const;
  bool contains(const std::string& key) const { return get(key) != nullptr; }

  // The append-only log called `name` with records of type T, created empty (at index 0) on
  // first use. Asking for a log under another record type than it was created with is a bug.
  template <class T>
  DurableLog<T>& log(std::string_view name) {
    auto it = logs_.find(name);
    if (it == logs_.end()) it = logs_.emplace(std::string(name), std::make_unique<DurableLog<T>>()).first;
    auto* typed = dynamic_cast<DurableLog<T>*>(it->second.get());
    DSIM_ASSERT(typed != nullptr, "a durable log read with another record type than it was written with");
    return *typed;
  }

  // Makes every write so far durable, the logs' too. Called by the runtime when a handler
  // asked for sync.
  void sync();
  // Called on crash: unsynced writes are lost or kept.
  void crash(bool lose_unsynced);

  // Corrupts one durable record chosen with `pick(n)` (a uniform index below n): a key of the
  // map or a record of a log. Returns what was corrupted ("key \"term\"", "log \"raft.log\"
  // record 17"), or "" when storage holds no durable record.
  std::string corrupt(const std::function<uint64_t(uint64_t)>& pick);

  size_t unsynced_writes() const { return pending_.size(); }
  size_t size() const;
  uint64_t syncs() const { return syncs_; }

 private:
  std::map<std::string, nlohmann::json> durable_;
  // Unsynced writes in key order; a null optional-like marker (discarded json) means erase.
  std::map<std::string, std::pair<bool, nlohmann::json>> pending_;  // key -> (erased?, value)
  std::map<std::string, std::unique_ptr<DurableLogBase>, std::less<>> logs_;
  std::set<std::string> corrupt_;  // durable keys whose record fails its checksum
  uint64_t syncs_ = 0;
};

}  // namespace dsim::sim

// A node's durable storage: a key-value map that survives crashes.
//
// Writes are visible to the node at once. They become durable when the node syncs (the
// runtime applies a requested sync right after the handler, before any send leaves, so
// "persist before send" holds by construction). A crash keeps every synced write; whether
// it keeps unsynced ones is the crash's choice (a storage fault loses them, as FoundationDB's
// non-durable files do). Values are JSON: durable state is small and must be inspectable.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace dsim::sim {

class Storage {
 public:
  void put(const std::string& key, nlohmann::json value);
  void erase(const std::string& key);
  // The current value (unsynced writes included), or nullptr.
  const nlohmann::json* get(const std::string& key) const;
  bool contains(const std::string& key) const { return get(key) != nullptr; }

  // Makes every write so far durable. Called by the runtime when a handler asked for sync.
  void sync();
  // Called on crash: unsynced writes are lost or kept.
  void crash(bool lose_unsynced);

  size_t unsynced_writes() const { return pending_.size(); }
  size_t size() const;
  uint64_t syncs() const { return syncs_; }

 private:
  std::map<std::string, nlohmann::json> durable_;
  // Unsynced writes in key order; a null optional-like marker (discarded json) means erase.
  std::map<std::string, std::pair<bool, nlohmann::json>> pending_;  // key -> (erased?, value)
  uint64_t syncs_ = 0;
};

}  // namespace dsim::sim

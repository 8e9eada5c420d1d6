// Storage: durable map plus a layer of unsynced writes.
#include "sim/storage.h"

namespace dsim::sim {

void Storage::put(const std::string& key, nlohmann::json value) {
  pending_[key] = {false, std::move(value)};
}

void Storage::erase(const std::string& key) { pending_[key] = {true, nullptr}; }

const nlohmann::json* Storage::get(const std::string& key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second.first ? nullptr : &it->second.second;
  if (auto it = durable_.find(key); it != durable_.end()) return &it->second;
  return nullptr;
}

void Storage::sync() {
  ++syncs_;
  for (auto& [name, log] : logs_) log->sync();
  for (auto& [key, write] : pending_) {
    if (write.first) durable_.erase(key);
    else durable_[key] = std::move(write.second);
  }
  pending_.clear();
}

void Storage::crash(bool lose_unsynced) {
  if (!lose_unsynced) return sync();
  pending_.clear();
  for (auto& [name, log] : logs_) log->crash(true);
}

size_t Storage::size() const {
  size_t n = durable_.size();
  for (const auto& [key, write] : pending_) {
    const bool was = durable_.count(key) != 0;
    if (write.first && was) --n;
    if (!write.first && !was) ++n;
  }
  return n;
}

}  // namespace dsim::sim

// Storage: durable map plus a layer of unsynced writes.
#include "sim/storage.h"

namespace dsim::sim {

void Storage::put(const std::string& key, nlohmann::json value) {
  pending_[key] = {false, std::move(value)};
}

void Storage::erase(const std::string& key) { pending_[key] = {true, nullptr}; }

const nlohmann::json* Storage::get(const std::string& key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second.first ? nullptr : &it->second.second;
  if (auto it = durable_.find(key); it != durable_.end()) {
    if (!corrupt_.empty() && corrupt_.count(key)) throw StorageReadError("record \"" + key + "\" failed its checksum");
    return &it->second;
  }
  return nullptr;
}

void Storage::sync() {
  ++syncs_;
  for (auto& [name, log] : logs_) log->sync();
  for (auto& [key, write] : pending_) {
    if (!corrupt_.empty()) corrupt_.erase(key);  // rewritten: a fresh record with a good checksum
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

std::string Storage::corrupt(const std::function<uint64_t(uint64_t)>& pick) {
  uint64_t total = durable_.size();
  for (const auto& [name, log] : logs_) total += log->durable_records();
  if (total == 0) return "";
  uint64_t i = pick(total);
  if (i < durable_.size()) {
    auto it = durable_.begin();
    std::advance(it, static_cast<long>(i));
    corrupt_.insert(it->first);
    return "key \"" + it->first + "\"";
  }
  i -= durable_.size();
  for (auto& [name, log] : logs_) {
    if (i < log->durable_records()) return "log \"" + name + "\" record " + std::to_string(log->corrupt_durable(i));
    i -= log->durable_records();
  }
  return "";
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

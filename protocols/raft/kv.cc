#include "protocols/raft/kv.h"

namespace dsim::raft {

uint64_t digest(const Command& c) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  auto mix_bytes = [&](const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  auto mix_str = [&](const std::string& s) {
    const uint64_t n = s.size();
    mix_bytes(&n, sizeof n);
    mix_bytes(s.data(), s.size());
  };
  mix_bytes(&c.client, sizeof c.client);
  mix_bytes(&c.seq, sizeof c.seq);
  mix_str(c.op);
  mix_str(c.key);
  mix_str(c.value);
  mix_str(c.expected);
  return h >> 11;  // 53 bits: exact in any JSON reader
}

const Result* KvStore::applied(const Command& c) const {
  auto it = sessions_.find(c.client);
  if (it == sessions_.end() || it->second.seq < c.seq) return nullptr;
  return &it->second.result;
}

Result KvStore::apply(const Command& c) {
  if (c.op == "noop") return {};
  if (const Result* done = applied(c)) return *done;
  Result r;
  std::string& v = data_[c.key];
  if (c.op == "get") {
    r.value = v;
  } else if (c.op == "put") {
    v = c.value;
  } else if (c.op == "append") {
    v += c.value;
  } else if (c.op == "cas") {
    r.swapped = v == c.expected;
    if (r.swapped) v = c.value;
  }
  sessions_[c.client] = Session{c.seq, r};
  return r;
}

std::string KvStore::read(const std::string& key) const {
  auto it = data_.find(key);
  return it == data_.end() ? std::string() : it->second;
}

nlohmann::json KvStore::to_json() const {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& [client, s] : sessions_)
    sessions.push_back(nlohmann::json::array({client, s.seq, s.result.value, s.result.swapped}));
  return {{"data", data_}, {"sessions", sessions}};
}

KvStore KvStore::from_json(const nlohmann::json& j) {
  KvStore kv;
  kv.data_ = j.at("data").get<std::map<std::string, std::string>>();
  for (const auto& s : j.at("sessions"))
    kv.sessions_[s[0].get<uint64_t>()] = Session{s[1].get<uint64_t>(), Result{s[2].get<std::string>(), s[3].get<bool>()}};
  return kv;
}

}  // namespace dsim::raft

#include "protocols/raft/kv.h"

#include <xxhash.h>

#include "sim/assert.h"

namespace dsim::raft {

uint64_t digest(const Command& c) {
  // XXH3 over the fields in turn, each seeded with the hash so far and its own length, so
  // that moving bytes from one field to the next changes the digest.
  // The operation by its name, as when it was a string: the same command has the same digest.
  const uint64_t ids[2] = {c.client.value, c.seq};
  uint64_t h = XXH3_64bits(ids, sizeof ids);
  for (const std::string_view field : {sim::enum_name(c.op), std::string_view(c.key), std::string_view(c.value),
                                       std::string_view(c.expected)})
    h = XXH3_64bits_withSeed(field.data(), field.size(), h + field.size());
  return h >> 11;  // 53 bits: exact in any JSON reader
}

sim::ClientOp client_op(Op op) {
  switch (op) {
    case Op::get: return sim::ClientOp::get;
    case Op::put: return sim::ClientOp::put;
    case Op::append: return sim::ClientOp::append;
    case Op::cas: return sim::ClientOp::cas;
    case Op::noop: break;
  }
  DSIM_ASSERT(false, "a noop is no client's operation");
  return sim::ClientOp::get;
}

const Result* KvStore::applied(const Command& c) const {
  auto it = sessions_.find(c.client.value);
  if (it == sessions_.end() || it->second.seq < c.seq) return nullptr;
  return &it->second.result;
}

const Result& KvStore::apply(const Command& c) {
  static const Result kNothing;
  if (c.op == Op::noop) return kNothing;
  if (const Result* done = applied(c)) return *done;
  Session& session = sessions_[c.client.value];
  session.seq = c.seq;
  session.result = Result{};
  Result& r = session.result;
  std::string& v = data_[c.key];
  switch (c.op) {
    case Op::get: r.value = v; break;
    case Op::put: v = c.value; break;
    case Op::append: v += c.value; break;
    case Op::cas:
      r.swapped = v == c.expected;
      if (r.swapped) v = c.value;
      break;
    case Op::noop: break;
  }
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

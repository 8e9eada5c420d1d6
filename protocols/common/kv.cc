#include "protocols/common/kv.h"

#include <xxhash.h>

#include "sim/assert.h"

namespace dsim::kv {

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

sim::ParamTable<Workload> workload_params() {
  return {
      sim::param("rate", &Workload::rate,
                 "operations offered per second per client node (open loop; skipped and counted when all its "
                 "processes are busy)",
                 0, 1e6),
      sim::param("concurrency", &Workload::concurrency,
                 "logical processes per client node, each with one operation outstanding and its own session "
                 "(client id, sequence numbers) and Jepsen process id",
                 1, 255),
      sim::param("keys", &Workload::keys, "number of keys k0..k(N-1)", 1, 1'000'000),
      sim::param("read_ratio", &Workload::read_ratio, "fraction of operations that are gets", 0, 1),
      sim::param("timeout", &Workload::timeout, "client timeout per attempt"),
      sim::param("attempts", &Workload::attempts, "attempts (sends) before an operation is given up as info", 1, 1000),
      sim::param("arrivals", &Workload::periodic,
                 "poisson: exponential gaps of mean 1/rate; periodic: exactly every 1/rate, the first at 1/rate (for "
                 "scenarios that time faults against given operations)",
                 {{"poisson", false}, {"periodic", true}}),
      sim::param("count", &Workload::count, "operations per client node (0 = no limit)", 0, 1'000'000'000),
  };
}

Workload Workload::from(const sim::ProtocolConfig& c) { return workload_params().parse(c.workload); }

}  // namespace dsim::kv

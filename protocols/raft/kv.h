// The replicated state machine: a key-value store (get, put, append, cas) with a session table
// that makes every client command take effect exactly once (Raft §8: "the state machine
// tracks the latest serial number processed for each client, along with the associated
// response. If it receives a command whose serial number has already been executed, it
// responds immediately without re-executing the request"). Sessions are part of the state,
// so they are in every snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/raft/messages.h"

namespace dsim::raft {

struct Result {
  std::string value;     // get: the value read
  bool swapped = false;  // cas: the comparison held
};

class KvStore {
 public:
  // Applies a committed command; a command already applied (same client, seq not newer)
  // returns the cached result of the client's latest command and changes nothing. The result
  // is the session's cached copy (valid until that client's next command applies), so a get of
  // a long value is copied once per server, not twice.
  const Result& apply(const Command& c);
  // A read of the local state (ReadIndex, leases, and the stale_read bug).
  std::string read(const std::string& key) const;
  // The cached result when `c` was already applied; nullptr otherwise.
  const Result* applied(const Command& c) const;

  nlohmann::json to_json() const;
  static KvStore from_json(const nlohmann::json& j);

 private:
  struct Session {
    uint64_t seq = 0;
    Result result;
  };
  std::map<std::string, std::string> data_;
  std::map<uint64_t, Session> sessions_;
};

}  // namespace dsim::raft

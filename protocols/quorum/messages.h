// The quorum store's messages: the clients' requests and replies; Dynamo's replication, reads,
// read repair and hinted hand-off (DeCandia et al. 2007 §4.5-§4.7); ABD's two phases (Attiya,
// Bar-Noy & Dolev 1995). Every message is a plain aggregate with reflect(), so it appears in
// traces and in the digest and can be rewritten by a Byzantine strategy.
//
// `op` numbers a coordinator's requests to replicas: incarnation << 40 | a counter, so an answer
// to a previous incarnation's request is never taken for one of this incarnation's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocols/common/kv.h"
#include "protocols/quorum/version.h"
#include "sim/ids.h"

namespace dsim::quorum {

using kv::SessionId;

// A client's read of `key`, to any server (the coordinator of the read).
struct ClientGet {
  static constexpr std::string_view type_name = "quorum.get";
  SessionId client;
  uint64_t seq = 0;
  std::string key;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("client", self.client); v("seq", self.seq); v("key", self.key); }
};

// A client's write of `value` to `key` with the context of its last read of the key (empty for a
// blind write). A server that is not a home replica forwards it (forwarded = true) to one that
// is (§4.5: "the coordinator ... is one of the top N nodes in the preference list").
struct ClientPut {
  static constexpr std::string_view type_name = "quorum.put";
  SessionId client;
  uint64_t seq = 0;
  std::string key;
  std::string value;
  VersionVector context;
  bool forwarded = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("client", self.client); v("seq", self.seq); v("key", self.key); v("value", self.value); v("context", self.context);
    v("forwarded", self.forwarded);
  }
};

// The coordinator's answer. A read: every sibling's value (sorted by dot; one value or none in
// ABD mode), their dots, and the merged context to write with next. A write: the new value's dot
// and the object's context after it. Not ok: `error` says why (too few replicas answered).
struct ClientReply {
  static constexpr std::string_view type_name = "quorum.reply";
  SessionId client;
  uint64_t seq = 0;
  bool ok = false;
  std::string error;
  std::vector<std::string> values;
  std::vector<Dot> dots;
  VersionVector context;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("client", self.client); v("seq", self.seq); v("ok", self.ok); v("error", self.error); v("values", self.values);
    v("dots", self.dots); v("context", self.context);
  }
};

// The coordinator's copy of `key` after a write, for a replica to merge (§4.5: "sends the new
// version ... to the N highest-ranked reachable nodes"). `hint`: the home replica this copy is
// meant for, when the receiver is a fallback standing in for it (§4.6 hinted hand-off).
struct Replicate {
  static constexpr std::string_view type_name = "quorum.replicate";
  uint64_t op = 0;
  std::string key;
  Object object;
  std::optional<sim::NodeId> hint;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); v("object", self.object); v("hint", self.hint); }
};

// The replica merged and synced the copy.
struct ReplicateAck {
  static constexpr std::string_view type_name = "quorum.replicate_ack";
  uint64_t op = 0;
  std::string key;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); }
};

struct Read {
  static constexpr std::string_view type_name = "quorum.read";
  uint64_t op = 0;
  std::string key;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); }
};

// A replica's copy of `key` (its home copy merged with any hinted copies it holds).
struct ReadReply {
  static constexpr std::string_view type_name = "quorum.read_reply";
  uint64_t op = 0;
  std::string key;
  Object object;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); v("object", self.object); }
};

// Read repair (§4.5: the coordinator "updates the nodes that returned stale versions"): the
// merged copy, to a replica whose answer lacked some of it. Not acknowledged.
struct Repair {
  static constexpr std::string_view type_name = "quorum.repair";
  std::string key;
  Object object;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("object", self.object); }
};

// Hinted hand-off (§4.6): a fallback delivers the copy it kept for `key` to its home replica.
struct Handoff {
  static constexpr std::string_view type_name = "quorum.handoff";
  std::string key;
  Object object;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("object", self.object); }
};

// The home replica merged and synced it: the fallback may drop its copy if nothing newer came
// in since (its hint's context is within `context`).
struct HandoffAck {
  static constexpr std::string_view type_name = "quorum.handoff_ack";
  std::string key;
  VersionVector context;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("context", self.context); }
};

// ABD phase 1 (the query): "send a read request to all replicas, wait for a majority".
struct AbdQuery {
  static constexpr std::string_view type_name = "quorum.abd_query";
  uint64_t op = 0;
  std::string key;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); }
};

struct AbdValue {
  static constexpr std::string_view type_name = "quorum.abd_value";
  uint64_t op = 0;
  std::string key;
  Tag tag;
  std::optional<std::string> value;  // none: never written
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); v("tag", self.tag); v("value", self.value); }
};

// ABD phase 2 (the update, and a read's write-back): store (tag, value) if the tag is larger.
struct AbdStore {
  static constexpr std::string_view type_name = "quorum.abd_store";
  uint64_t op = 0;
  std::string key;
  Tag tag;
  std::optional<std::string> value;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); v("tag", self.tag); v("value", self.value); }
};

struct AbdStored {
  static constexpr std::string_view type_name = "quorum.abd_stored";
  uint64_t op = 0;
  std::string key;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("key", self.key); }
};

// Anti-entropy (§4.7) over the keys two servers host in common: the sender's Merkle-tree hashes
// of `nodes` at `level` (merkle.h). The receiver answers with its hashes of the children of the
// nodes that differ, level by level, and at the leaves with its copies of their keys.
struct AeHashes {
  static constexpr std::string_view type_name = "quorum.ae_hashes";
  uint32_t level = 0;
  std::vector<uint32_t> nodes;
  std::vector<uint64_t> hashes;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("level", self.level); v("nodes", self.nodes); v("hashes", self.hashes); }
};

struct KeyCopy {
  std::string key;
  Object object;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("object", self.object); }
};

// The sender's copies of the keys in `leaves` that both servers host; the receiver merges them and
// (reply = false) answers with its own copies of those leaves' keys.
struct AeData {
  static constexpr std::string_view type_name = "quorum.ae_data";
  std::vector<uint32_t> leaves;
  std::vector<KeyCopy> copies;
  bool reply = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("leaves", self.leaves); v("copies", self.copies); v("reply", self.reply); }
};

// Membership (Dynamo §4.8.1: membership changes are persisted and "reconciled" by gossip): the
// servers the sender knows to have joined and to have left. Sent by a server that joins or leaves
// to every server, and by every server to a random one each hand-off period; the receiver takes
// the union.
struct RingState {
  static constexpr std::string_view type_name = "quorum.ring";
  std::vector<sim::NodeId> joined;
  std::vector<sim::NodeId> left;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("joined", self.joined); v("left", self.left); }
};

using Message = std::variant<ClientGet, ClientPut, ClientReply, Replicate, ReplicateAck, Read, ReadReply, Repair, Handoff,
                             HandoffAck, AbdQuery, AbdValue, AbdStore, AbdStored, AeHashes, AeData, RingState>;

}  // namespace dsim::quorum

// What the quorum store's nodes observe (sim/observe.h): the facts its invariants and metrics
// read from the trace. Nothing else about a node reaches them.
//
// A coordinator observes each version it creates (wrote: the dot and the client's context, the
// version's causal past); a home replica, every change of its copy of a key (stored); a
// fallback, the hinted copies it takes and hands off (hinted, handed_off); a read's coordinator,
// the repairs it sends (repaired). A client observes what its acknowledged writes and its reads
// returned (put_ok, get_ok) and the operations it could not run (op_skipped).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/kv.h"
#include "protocols/quorum/version.h"
#include "sim/observe.h"

namespace dsim::quorum {

struct Wrote {
  static constexpr std::string_view type_name = "wrote";
  std::string key;
  Dot dot;
  VersionVector past;  // the context the client wrote with: the versions this one overwrites
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("dot", self.dot); v("past", self.past); }
};

// A home replica's copy of `key` is now these siblings within this context (synced before any
// answer leaves).
struct Stored {
  static constexpr std::string_view type_name = "stored";
  std::string key;
  std::vector<Dot> dots;
  VersionVector context;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("dots", self.dots); v("context", self.context); }
};

struct Hinted {
  static constexpr std::string_view type_name = "hinted";
  std::string key;
  sim::NodeId owner;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("owner", self.owner); }
};

struct HandedOff {
  static constexpr std::string_view type_name = "handed_off";
  std::string key;
  sim::NodeId owner;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("owner", self.owner); }
};

struct Repaired {
  static constexpr std::string_view type_name = "repaired";
  std::string key;
  sim::NodeId replica;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("replica", self.replica); }
};

// An anti-entropy exchange with `peer` changed this server's copies of `keys` keys.
struct AeRepaired {
  static constexpr std::string_view type_name = "ae_repaired";
  sim::NodeId peer;
  uint32_t keys = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("peer", self.peer); v("keys", self.keys); }
};

// This server joined the ring, or left it (observed by the server itself when it does).
struct Joined {
  static constexpr std::string_view type_name = "joined";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct Left {
  static constexpr std::string_view type_name = "left";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// A server that is no longer a home replica of `key` (the ring changed) has transferred its copy
// to every new home replica, which acknowledged it, and dropped it.
struct Transferred {
  static constexpr std::string_view type_name = "transferred";
  std::string key;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); }
};

// One trial of the staleness experiments: a read invoked `t_ns` after the last of `k` writes to
// its key was acknowledged returned one of them (fresh) or none.
struct PbsTrial {
  static constexpr std::string_view type_name = "pbs_trial";
  int64_t t_ns = 0;
  uint32_t k = 1;
  bool fresh = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("t_ns", self.t_ns); v("k", self.k); v("fresh", self.fresh); }
};

// A client's write was acknowledged: its version is `dot`.
struct PutOk {
  static constexpr std::string_view type_name = "put_ok";
  std::string key;
  Dot dot;
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("dot", self.dot); v("process", self.process); }
};

// A client's read returned the versions `dots` (the siblings, in order).
struct GetOk {
  static constexpr std::string_view type_name = "get_ok";
  std::string key;
  std::vector<Dot> dots;
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("dots", self.dots); v("process", self.process); }
};

std::vector<std::string_view> observation_types();
sim::ValueDecoder decode_observation();

}  // namespace dsim::quorum

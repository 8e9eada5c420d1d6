#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "sim/ids.h"

namespace dsim::quorum {

// A coordinator heard nothing from `replica` about request `op` in time: suspect it, and with
// sloppy quorums ask the next fallback.
struct ReplicaTimeout {
  static constexpr std::string_view type_name = "replica_timeout";
  uint64_t op = 0;
  sim::NodeId replica;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); v("replica", self.replica); }
};

// A coordinator gives up on request `op` (answers the client that too few replicas did).
struct RequestTimeout {
  static constexpr std::string_view type_name = "request_timeout";
  uint64_t op = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("op", self.op); }
};

// Time to hand hinted copies off to their home replicas.
struct HandoffTimer {
  static constexpr std::string_view type_name = "handoff";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Time for an anti-entropy exchange with the next server in turn.
struct AntiEntropyTimer {
  static constexpr std::string_view type_name = "anti_entropy";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// This server joins, or leaves, the ring now.
struct JoinTimer {
  static constexpr std::string_view type_name = "join";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct LeaveTimer {
  static constexpr std::string_view type_name = "leave";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

using ServerTimer = std::variant<ReplicaTimeout, RequestTimeout, HandoffTimer, AntiEntropyTimer, JoinTimer, LeaveTimer>;

// Client: the next operation arrives; a process's request timed out.
struct NextOp {
  static constexpr std::string_view type_name = "next_op";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
struct ClientTimeout {
  static constexpr std::string_view type_name = "client_timeout";
  uint32_t process = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("process", self.process); }
};

// The t-visibility experiment: time to read the key written `t_ns` ago.
struct PbsRead {
  static constexpr std::string_view type_name = "pbs_read";
  int64_t t_ns = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("t_ns", self.t_ns); }
};

using ClientTimer = std::variant<NextOp, ClientTimeout, PbsRead>;

}  // namespace dsim::quorum

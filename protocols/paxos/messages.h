// Paxos messages, after Lamport's "Paxos Made Simple" (PMS) and van Renesse & Altinbuken's
// "Paxos Made Moderately Complex" (PMMC), plus the key-value clients' request and reply.
//
// A ballot ("proposal number", PMS §2.2) is a pair (round, proposer), ordered first by round,
// then by node id, so two proposers never share one (PMMC §3: "ballot numbers are ... pairs of a
// round and a leader identifier"). Every message is a plain aggregate with reflect(), so it
// appears in traces and in the digest, and can be rewritten by a Byzantine strategy.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocols/common/kv.h"
#include "sim/ids.h"
#include "sim/observe.h"

namespace dsim::paxos {

using kv::Command;
using kv::Op;
using kv::SessionId;

struct Ballot {
  uint64_t round = 0;  // 0: no ballot (nothing promised or accepted yet)
  sim::NodeId node;
  constexpr auto operator<=>(const Ballot&) const = default;
  constexpr bool valid() const { return round != 0; }
  std::string text(const std::vector<std::string>& names) const {
    if (!valid()) return "none";
    return std::to_string(round) + "." + (node.value < names.size() ? names[node.value] : "?");
  }
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("round", self.round); v("node", self.node); }
};

// A value an acceptor accepted for one slot, reported in its promise (PMS §2.2 phase 1(b):
// "the highest-numbered proposal (if any) that it has accepted").
struct AcceptedEntry {
  uint64_t slot = 0;
  Ballot ballot;
  Command command;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("slot", self.slot); v("ballot", self.ballot); v("command", self.command); }
};

// Phase 1(a): "A proposer selects a proposal number n and sends a prepare request with number n
// to a majority of acceptors" (PMS §2.2). In Multi-Paxos one prepare covers every slot from
// `first_slot` on ("Paxos Made Simple" §3: phase 1 "for infinitely many instances" at once).
struct Prepare {
  static constexpr std::string_view type_name = "paxos.prepare";
  Ballot ballot;
  uint64_t first_slot = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("first_slot", self.first_slot); }
};

// Phase 1(b): the acceptor promises never again to accept a ballot below `ballot` and reports
// what it accepted in slots >= first_slot; or (ok = false) it has promised `promised`, which is
// higher (PMMC's "p1b" carries the acceptor's current ballot either way).
struct Promise {
  static constexpr std::string_view type_name = "paxos.promise";
  Ballot ballot;    // the prepare's
  bool ok = false;
  Ballot promised;  // the acceptor's promise after handling the prepare
  std::vector<AcceptedEntry> accepted;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("ballot", self.ballot); v("ok", self.ok); v("promised", self.promised); v("accepted", self.accepted);
  }
};

// Phase 2(a): "an accept request to each of those acceptors for a proposal numbered n with a
// value v" (PMS §2.2), for one slot. `commit` is the leader's first unchosen slot, so a follower
// can tell it is behind.
struct Accept {
  static constexpr std::string_view type_name = "paxos.accept";
  Ballot ballot;
  uint64_t slot = 0;
  Command command;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("slot", self.slot); v("command", self.command); }
};

// Phase 2(b): the acceptor accepted (ok) or refused because it promised `promised`. In single
// mode acceptors send it to every learner ("each acceptor ... respond[s] to all learners",
// PMS §2.3); in multi mode to the leader only, which then broadcasts Decide. It carries the
// value, so whoever counts |Q2| acceptances of one ballot knows what was chosen (a leader that
// restarted may still receive its previous incarnation's acceptances).
struct Accepted {
  static constexpr std::string_view type_name = "paxos.accepted";
  Ballot ballot;  // the accept request's
  uint64_t slot = 0;
  bool ok = false;
  Ballot promised;
  Command command;  // the value accepted (ok): any learner that counts a quorum learns it
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("ballot", self.ballot); v("slot", self.slot); v("ok", self.ok); v("promised", self.promised); v("command", self.command);
  }
};

// "Have [a distinguished learner] inform the other learners when a value has been chosen"
// (PMS §2.3); PMMC's "decision". Also the answer to a CatchUp.
struct Decide {
  static constexpr std::string_view type_name = "paxos.decide";
  uint64_t slot = 0;
  Command command;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("slot", self.slot); v("command", self.command); }
};

// Multi mode: the leader's "I am alive" (the failure detector of PMS §3 / PMMC §4 "leaders
// ping"), with its first unchosen slot.
struct Heartbeat {
  static constexpr std::string_view type_name = "paxos.heartbeat";
  Ballot ballot;
  uint64_t first_unchosen = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("first_unchosen", self.first_unchosen); }
};

// "Your ballot is below my promise": an acceptor's answer to a heartbeat from a leader it has
// promised to ignore, so a deposed leader learns of its successor even when no client writes to
// it (PMMC's "preempted").
struct Nack {
  static constexpr std::string_view type_name = "paxos.nack";
  Ballot ballot;
  Ballot promised;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("ballot", self.ballot); v("promised", self.promised); }
};

// A learner that is behind asks for the decisions of slots from `first_slot` on.
struct CatchUp {
  static constexpr std::string_view type_name = "paxos.catch_up";
  uint64_t first_slot = 1;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("first_slot", self.first_slot); }
};

// Client -> server. A server that is not the leader answers with a redirect.
struct ClientRequest {
  static constexpr std::string_view type_name = "paxos.client_request";
  Command command;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("command", self.command); }
};

// Server -> client. ok=false is a redirect: try leader_hint (if known) instead.
struct ClientReply {
  static constexpr std::string_view type_name = "paxos.client_reply";
  SessionId client;
  uint64_t seq = 0;
  bool ok = false;
  std::optional<sim::NodeId> leader_hint;
  std::string value;     // get: the value ("" for a missing key)
  bool swapped = false;  // cas: whether the comparison held
  // A refusal from a server that holds the command (applied, or in its log unapplied): "not
  // here", but not "not applied" (kv_client.h: the client's outcome becomes info, never fail).
  bool held = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("client", self.client); v("seq", self.seq); v("ok", self.ok); v("leader_hint", self.leader_hint); v("value", self.value);
    v("swapped", self.swapped); v("held", self.held);
  }
};

using Message =
    std::variant<Prepare, Promise, Accept, Accepted, Decide, Heartbeat, Nack, CatchUp, ClientRequest, ClientReply>;

}  // namespace dsim::paxos

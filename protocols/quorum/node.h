// A server of the quorum store: a replica of the keys the ring gives it, and a coordinator for
// any client request it receives.
//
// Dynamo mode (DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store", SOSP 2007):
//   §4.5 "a write request ... the coordinator generates the vector clock for the new version and
//     writes the new version locally. The coordinator then sends the new version ... to the N
//     highest-ranked reachable nodes. If at least W-1 nodes respond then the write is considered
//     successful." A server that is not one of the key's home replicas forwards the write to
//     one that is (the coordinator must be in the preference list, so that its dots are its own).
//   §4.5 "for a read request, the coordinator requests all existing versions of data for that key
//     from the N highest-ranked reachable nodes ..., and then waits for R responses before
//     returning the result to the client ... [it] returns all the versions it deems to be
//     causally unrelated." Any server coordinates a read. The answer uses the first R replies
//     only; later ones serve read repair: the merged copy goes to every home replica that
//     answered with less (§4.5 "updates the nodes that returned stale versions").
//   §4.6 sloppy quorum and hinted hand-off: "all read and write operations are performed on the
//     first N healthy nodes from the preference list"; a fallback that stands in for a home
//     replica keeps the copy with a hint naming it, in durable storage, and delivers it when the
//     home replica answers again, then deletes it. With `sloppy` off the quorums are strict: the
//     N home replicas only.
//   §4.8.3 failure detection is local: a replica that lets a request time out is skipped for
//     `suspect_for` (any message from it clears that).
// Versions are dotted version vectors (version.h), or last-writer-wins by the coordinator's clock.
//
// ABD mode (Attiya, Bar-Noy & Dolev, "Sharing Memory Robustly in Message-Passing Systems",
// JACM 1995; the multi-writer form of Lynch & Shvartsman 1997): each home replica keeps one
// (tag, value) per key. A write queries R home replicas for the largest tag, then stores its
// value under a larger tag (counter + 1, itself, its operation number) at W. A read queries R for
// the largest (tag, value), then writes it back to W before returning it: "the reader ... must
// first ensure that a majority of processes have a timestamp at least as large", which is what
// makes the register linearizable (a later read cannot return an older value). R + W > N.
//
// Every replica's state (home copies, hinted copies, dot counters, ABD registers) is in durable
// storage, synced before any answer leaves; a restarted server reloads it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/quorum/merkle.h"
#include "protocols/quorum/messages.h"
#include "protocols/quorum/observations.h"
#include "protocols/quorum/params.h"
#include "protocols/quorum/ring.h"
#include "protocols/quorum/timers.h"
#include "sim/process.h"

namespace dsim::quorum {

class Server final : public sim::ProcessOf<Message, ServerTimer> {
 public:
  explicit Server(Config cfg) : cfg_(std::move(cfg)) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ServerTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

  // Everything a server keeps about one key.
  struct KeyState {
    Object home;                          // its copy as a home replica
    uint64_t counter = 0;                 // the last dot counter it gave out for this key
    std::map<sim::NodeId, Object> hints;  // copies kept for home replicas that were down
    Tag tag;                              // ABD
    std::optional<std::string> value;     // ABD (none: never written)
  };
  // For tests.
  const std::map<std::string, KeyState>& keys() const { return keys_; }
  const Ring& ring() const { return ring_; }

  // A replica the request goes to; `owner` when it is a fallback standing in for that home replica.
  struct Target {
    sim::NodeId node;
    std::optional<sim::NodeId> owner;
  };
  // The replicas for `key` (Dynamo §4.6): strict, the N home replicas; sloppy, the first N servers
  // of the preference list this server does not suspect, each fallback paired with a home replica
  // it stands in for. Public for tests.
  std::vector<Target> plan(const sim::Context& ctx, const std::string& key) const;

 private:
  enum class Kind : uint8_t { put, get, abd_get, abd_put };
  struct Pending {
    Kind kind = Kind::get;
    SessionId client;
    uint64_t seq = 0;
    std::string key;
    std::vector<Target> targets;           // every replica asked so far
    std::set<sim::NodeId> answered;        // replicas that answered (acked, replied)
    std::map<sim::NodeId, sim::TimerId> replica_timers;
    sim::TimerId request_timer;
    uint32_t needed = 0;
    bool replied = false;
    // put
    Object object;  // the coordinator's copy after the write, sent to every replica
    Dot dot;
    // get
    Object merged;
    std::map<sim::NodeId, Object> replies;
    // ABD
    bool storing = false;  // phase 2
    Tag tag;
    std::optional<std::string> value;
    std::optional<std::string> write_value;  // abd_put: the client's value
  };

  void on_client_put(sim::Context& ctx, const ClientPut& m);
  void on_client_get(sim::Context& ctx, const ClientGet& m);
  void coordinate_elsewhere(sim::Context& ctx, const ClientPut& m, std::vector<Target> targets);
  void choose_quorum(sim::Context& ctx, std::vector<Target>& targets, uint32_t size);
  void replicate(sim::Context& ctx, const ClientPut& m, Object object, const Dot& dot, const std::vector<Target>& targets);
  void on_replicate(sim::Context& ctx, sim::NodeId from, const Replicate& m);
  void on_read_reply(sim::Context& ctx, sim::NodeId from, const ReadReply& m);
  void on_replica_timeout(sim::Context& ctx, const ReplicaTimeout& t);
  void on_request_timeout(sim::Context& ctx, uint64_t op);
  void on_handoff_ack(sim::Context& ctx, sim::NodeId from, const HandoffAck& m);
  void abd_start(sim::Context& ctx, Kind kind, SessionId client, uint64_t seq, const std::string& key,
                 std::optional<std::string> value);
  void abd_phase(sim::Context& ctx, uint64_t op, Pending& p);
  void on_abd_value(sim::Context& ctx, sim::NodeId from, const AbdValue& m);
  void on_abd_stored(sim::Context& ctx, sim::NodeId from, const AbdStored& m);
  void handoff(sim::Context& ctx);
  // Anti-entropy: the tree over the keys this server and `peer` both host, and its copies of the
  // keys in `leaves`.
  MerkleTree tree_with(sim::NodeId peer) const;
  std::vector<KeyCopy> copies_in(sim::NodeId peer, const std::vector<uint32_t>& leaves) const;
  void anti_entropy(sim::Context& ctx);
  void on_ae_hashes(sim::Context& ctx, sim::NodeId from, const AeHashes& m);
  void on_ae_data(sim::Context& ctx, sim::NodeId from, const AeData& m);
  // Membership: the ring from the initial members and the known joins and leaves; a change moves
  // keys (Dynamo §4.9) to their new home replicas.
  void rebuild_ring(sim::Context& ctx);
  void on_ring_state(sim::Context& ctx, const RingState& m);
  void announce(sim::Context& ctx);
  void persist_ring(sim::Context& ctx);

  uint64_t next_op(const sim::Context& ctx) { return (static_cast<uint64_t>(ctx.incarnation()) << 40) | ++ops_; }
  bool suspected(const sim::Context& ctx, sim::NodeId n) const;
  void suspect(sim::Context& ctx, sim::NodeId n);
  // Sends `m` to every target (or answers it here, for this server), with a replica timeout each.
  void ask(sim::Context& ctx, uint64_t op, Pending& p, const Target& t);
  void reply(sim::Context& ctx, Pending& p, ClientReply r);
  void put_ok(sim::Context& ctx, Pending& p);
  void get_ok(sim::Context& ctx, Pending& p);
  void finish(sim::Context& ctx, uint64_t op);
  // Read repair once a read is over: the merged copy to each home replica that answered with less.
  void repair(sim::Context& ctx, Pending& p);
  // What this server answers a read with: its home copy merged with its hinted copies.
  Object local_copy(const std::string& key) const;
  // Merges `o` into the home copy (or, with `owner`, the hinted copy for that home replica) and
  // makes it durable.
  void store(sim::Context& ctx, const std::string& key, const Object& o, std::optional<sim::NodeId> owner);
  void persist(sim::Context& ctx, const std::string& key);
  bool is_home(const std::string& key, sim::NodeId n) const { return ring_.is_home(key, cfg_.n, n); }
  Resolution resolution() const { return cfg_.resolves(); }

  Config cfg_;
  Ring ring_;
  std::map<std::string, KeyState> keys_;
  // Keys that have (or recently had) a hinted copy: hand-off visits only these, not every key.
  // Every hinted copy's key is here; one whose copies are all gone is dropped at the next visit.
  std::set<std::string> hinted_;
  std::map<uint64_t, Pending> pending_;
  std::vector<sim::Time> suspect_until_;  // local time, per server
  uint64_t ops_ = 0;
  uint32_t ae_next_ = 0;  // the next anti-entropy peer, in turn
  std::set<sim::NodeId> joined_, left_;                    // membership changes known (durable)
  std::map<std::string, std::set<sim::NodeId>> transfers_;  // key -> new home replicas yet to acknowledge it
  sim::NodeId self_;
};

}  // namespace dsim::quorum

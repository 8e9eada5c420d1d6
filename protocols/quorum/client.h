// A client node of the quorum store. It hosts `concurrency` logical processes (Jepsen's), each
// with one operation outstanding and its own session: per key, the context of what it last read
// or wrote, which its next write of the key carries (so the write overwrites exactly the
// versions it has seen; a first write is blind and becomes a sibling of whatever is there).
//
// Operations arrive open-loop at `rate` per second (exponential gaps); each is a get or a put of
// a unique value ("c1p0-7"), sent to a server at random or to the key's first home replica
// (`routing`; key routing knows the initial ring only: servers forward what a change moved). After `writes_stop` only reads are issued, every key in turn, so that each key is
// read again once writing is over (read repair then brings every home replica up to date).
//
// The staleness experiments (workload experiment pbs; Bailis et al., "Probabilistically Bounded
// Staleness", VLDB 2012): process 0 of each client runs trials one after another, at most one per
// arrival: write k versions of a fresh key, each with the context of the one before and once it
// was acknowledged (the write "commits"), read the key t after the last commit, and record
// whether the read returned one of the k (observation pbs_trial). With k = 1 this is §5's
// t-visibility; with t = 0 and fanout quorum, §3's k-staleness. t cycles through 0, step, ...,
// (points - 1) x step; k moves to the next of 1..pbs_versions after each cycle of t.
//
// History: a get is ok with the value read (null: none; the value: one; an array of the
// siblings' values, in dot order: several) or fail (the coordinator answered that too few
// replicas did, or nothing came back in time: a read takes no effect either way); a put is ok or
// info (it may have been stored). Observations put_ok and get_ok carry the dots, for the checkers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "protocols/common/kv.h"
#include "protocols/quorum/messages.h"
#include "protocols/quorum/observations.h"
#include "protocols/quorum/params.h"
#include "protocols/quorum/ring.h"
#include "protocols/quorum/timers.h"
#include "sim/process.h"

namespace dsim::quorum {

class Client final : public sim::ProcessOf<Message, ClientTimer> {
 public:
  Client(Workload w, uint32_t vnodes, uint32_t joiners, uint32_t n) : w_(w), vnodes_(vnodes), joiners_(joiners), n_(n) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId id, const ClientTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

 private:
  struct Session {
    uint32_t index = 0;
    SessionId id;
    uint64_t seq = 0;
    bool in_flight = false;
    bool write = false;
    std::string key, value;
    sim::NodeId sent_to;
    sim::TimerId timeout;
    std::map<std::string, VersionVector> contexts;  // per key: what this session has seen
    // t-visibility: the trial's write, and its read's delay after the write's acknowledgement
    bool pbs_waiting = false;
    std::vector<Dot> pbs_dots;  // the versions written so far
    uint32_t pbs_k = 1;         // how many to write
    int64_t pbs_t = 0;
  };
  void schedule_next(sim::Context& ctx);
  void arrive(sim::Context& ctx);
  void issue(sim::Context& ctx, Session& s);
  void send_request(sim::Context& ctx, Session& s);
  void start_trial(sim::Context& ctx, Session& s);
  void finish(sim::Context& ctx, Session& s, sim::Completion how, nlohmann::json result);

  Workload w_;
  uint32_t vnodes_, joiners_, n_;
  uint64_t trials_ = 0;  // t-visibility trials started
  Ring ring_;
  std::vector<Session> sessions_;
  uint64_t arrivals_ = 0;
  uint64_t sweep_ = 0;  // the next key of the read sweep after writes_stop
};

}  // namespace dsim::quorum

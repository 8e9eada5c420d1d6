// Session guarantees (Terry et al. 1994, "Session Guarantees for Weakly Consistent
// Replicated Data") per client over a key-value (register per key) history:
// read-your-writes, monotonic reads, monotonic writes, writes-follow-reads.
//
// How they are decided. Assumption: on each key every write writes a distinct value (the
// usual Jepsen trick), so a read names the one write it observed; a read of the initial
// value (null, or `initial`) observed no write. The order in which the store applied a key's
// writes (its arbitration order, e.g. last-writer-wins timestamps) is NOT in the history, so
// instead of assuming one we collect the constraints each guarantee puts on it, and a
// violation is a cycle: no order of that key's writes satisfies all of them. For one client
// session, over its ok operations on key k in session (invocation) order:
//   monotonic writes     W1 then W2 by the session:        W1 < W2
//   read-your-writes     W then a read of value v:         W <= writer(v)
//   monotonic reads      read of u then a read of v:       writer(u) <= writer(v)
//   writes-follow-reads  read of u then W:                 writer(u) < W
// and the initial value precedes every write (init < W). Only the session's latest write
// and latest read are used; earlier ones follow by transitivity through the MW/MR edges.
// Equal ends (x <= x) add nothing. A cycle names the guarantees of its edges; when they are
// all one guarantee the culprit is unambiguous (e.g. "wrote x, then read the initial value":
// init < x <= init is read-your-writes alone).
// Sound: every reported cycle is a real violation (no arbitration order explains it).
// Not complete: without the arbitration order some violations can be explained away, and
// guarantees are checked per key (Terry defines them over the whole database).
// Failed operations are ignored; indeterminate (info) writes may be read but constrain
// nothing. A read of a value no one wrote, or a value written twice, is reported as an error.
// Sibling reads (options.siblings, for stores such as Dynamo or Riak that keep concurrent
// versions): a read whose output is an array returned those writes' values side by side, and
// stands for the latest of them in the write order; see session.cc for the edges that stay sound.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "sim/check/history.h"

namespace dsim::check {

enum class SessionGuarantee { read_your_writes, monotonic_reads, monotonic_writes, writes_follow_reads };
std::string to_string(SessionGuarantee g);

struct SessionEdge {
  json from, to;           // written values (null = initial value)
  std::string reason;      // "initial" or a guarantee's name
  Operation op;            // the later operation that imposed it (none for "initial")
};

struct SessionViolation {
  std::string key;
  std::vector<SessionGuarantee> guarantees;  // guarantees whose edges form the cycle
  std::vector<SessionEdge> cycle;            // from -> to -> ... -> back to the first from
};

struct SessionOptions {
  json initial;  // the value a read of a never-written key returns (null by default)
  std::vector<std::string> read_functions{"read", "get"};
  std::vector<std::string> write_functions{"write", "put"};
  // A read's array output is a set of sibling values, not one value that is an array.
  bool siblings = false;
  // The guarantees to check (all four by default): the others' constraints are left out, so a
  // violation is a cycle of these alone (and the initial value's). Without monotonic writes, a
  // session's earlier writes are not carried to its later reads (only its latest write is):
  // weaker, still sound.
  std::set<SessionGuarantee> guarantees{SessionGuarantee::read_your_writes, SessionGuarantee::monotonic_reads,
                                        SessionGuarantee::monotonic_writes, SessionGuarantee::writes_follow_reads};
};

struct SessionResult {
  bool ok = true;
  std::vector<SessionViolation> violations;  // at most one cycle per key, in key order
  std::vector<std::string> errors;           // assumption broken: unknown or duplicate value

  std::string to_text() const;
  json to_json() const;
};

SessionResult check_session_guarantees(const History& history, const SessionOptions& options = {});

}  // namespace dsim::check

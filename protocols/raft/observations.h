// What Raft's nodes observe (sim/observe.h): the facts the invariants, the metrics and the
// "leader" selector read from the trace. Nothing else about a node reaches them.
//
// A server observes its role changes (election_started, pre_vote_started, became_leader,
// stepped_down), its log (log_append, log_truncate, snapshot, snapshot_installed), what it
// commits and applies (commit, apply) and its recovery after a restart (recovered); a client,
// the operations it could not run (op_skipped). An entry appears as its term and the digest
// of its command (messages.h's digest()): invariants compare digests, never node memory.
//
// Read back from a trace (`dsim check` of a file anyone can edit), decode_observation() below
// refuses a record whose values no server could have written (an index 0, an index range that
// overflows), so the invariants never index with them; what only the trace as a whole can
// refute (an append leaving a gap, an index beyond every appended entry) the invariants check.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/raft/messages.h"
#include "sim/observe.h"

namespace dsim::raft {

// One log entry as the observations show it.
struct EntryDigest {
  Term term;
  uint64_t digest = 0;  // digest(entry.command)
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); v("digest", self.digest); }
};

// Entries first, first + 1, ... of a server's log, in order.
struct EntryRun {
  LogIndex first;
  std::vector<EntryDigest> entries;
  // The index of the last entry (first - 1 when there are none).
  LogIndex last() const { return LogIndex{first.value + entries.size() - 1}; }
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("first", self.first); v("entries", self.entries); }
};

// The server appended entries to its log (synced before its handler ended).
struct LogAppend : EntryRun {
  static constexpr std::string_view type_name = "log_append";
};

// The server removed its entries from index `from` on (Figure 2: "delete the existing entry
// and all that follow it").
struct LogTruncate {
  static constexpr std::string_view type_name = "log_truncate";
  LogIndex from;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("from", self.from); }
};

// The server applied committed entries to its state machine, in index order.
struct Apply : EntryRun {
  static constexpr std::string_view type_name = "apply";
};

// A leader of `leader_term` marked entry `index` (of term `term`) committed, and every entry
// before it (§5.3, §5.4.2).
struct Commit {
  static constexpr std::string_view type_name = "commit";
  LogIndex index;
  Term term;
  Term leader_term;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("index", self.index); v("term", self.term); v("leader_term", self.leader_term); }
};

// A follower whose election timeout elapsed asks whether it could win (PreVote, dissertation
// §9.6) for `term`, without adopting it.
struct PreVoteStarted {
  static constexpr std::string_view type_name = "pre_vote_started";
  Term term;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); }
};

// The server became a candidate of `term` (§5.2).
struct ElectionStarted {
  static constexpr std::string_view type_name = "election_started";
  Term term;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); }
};

// The server granted its vote of `term` to `candidate` (Figure 2, RequestVote receiver), its
// term and vote durable (the observation leaves with the reply, after the sync).
struct Voted {
  static constexpr std::string_view type_name = "voted";
  Term term;
  sim::NodeId candidate;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term), v("candidate", self.candidate); }
};

// The server won the election of `term`; its log then ended at (last_index, last_term).
struct BecameLeader {
  static constexpr std::string_view type_name = "became_leader";
  Term term;
  LogIndex last_index;
  Term last_term;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); v("last_index", self.last_index); v("last_term", self.last_term); }
};

// Why a leader stopped leading: it saw a higher term (§5.1), or CheckQuorum found no majority
// heard from in an election timeout (dissertation §6.2).
enum class StepDownReason : uint8_t { higher_term, check_quorum };
inline constexpr std::array<std::string_view, 2> kStepDownReasonNames{"higher_term", "check_quorum"};
inline const std::array<std::string_view, 2>& enum_names(StepDownReason) { return kStepDownReasonNames; }

// A leader stepped down, now in `term`.
struct SteppedDown {
  static constexpr std::string_view type_name = "stepped_down";
  Term term;
  StepDownReason reason = StepDownReason::higher_term;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("term", self.term); v("reason", self.reason); }
};

// A server started (or restarted) from its storage: its term, its log's end and its snapshot.
struct Recovered {
  static constexpr std::string_view type_name = "recovered";
  Term term;
  LogIndex last_index;
  LogIndex snapshot_index;
  template <class Self, class V>
  static void reflect(Self& self, V& v) {
    v("term", self.term); v("last_index", self.last_index); v("snapshot_index", self.snapshot_index);
  }
};

// The server compacted its log into a snapshot up to (index, term) (§7).
struct SnapshotTaken {
  static constexpr std::string_view type_name = "snapshot";
  LogIndex index;
  Term term;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("index", self.index); v("term", self.term); }
};

// The server installed a leader's snapshot up to (index, term) (Figure 13); its log now ends
// at last_index (the snapshot's index when the log was discarded, step 7).
struct SnapshotInstalled {
  static constexpr std::string_view type_name = "snapshot_installed";
  LogIndex index;
  Term term;
  LogIndex last_index;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("index", self.index); v("term", self.term); v("last_index", self.last_index); }
};

using kv::OpSkipped;  // a client's (protocols/common/kv.h)

// Every observation type's name, for the registry (`dsim list`).
std::vector<std::string_view> observation_types();

// Decodes an observation read back from a trace (sim::observation_decoder over every type
// above), then refuses values no server writes: an entry run or a truncation at index 0 (the
// log starts at 1), and an entry run whose last index overflows. Throws std::invalid_argument
// naming the field, which the trace reader reports as an input error.
sim::ValueDecoder decode_observation();

}  // namespace dsim::raft

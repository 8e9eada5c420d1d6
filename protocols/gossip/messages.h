// Gossip messages (Demers et al., "Epidemic Algorithms for Replicated Database Maintenance",
// PODC 1987). A member's store is a versioned key-value set: an entry is (key, version, value),
// and a higher version wins ("last writer wins", §1.1's timestamps).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/observe.h"

namespace dsim::gossip {

struct Entry {
  uint64_t key = 0;
  uint64_t version = 0;  // update u has version u + 1
  std::string value;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("version", self.version); v("value", self.value); }
};

struct KeyVersion {
  uint64_t key = 0;
  uint64_t version = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("key", self.key); v("version", self.version); }
};

// Rumor mongering (§1.4): the caller's hot rumors (push), or the answer to a PullRequest.
struct Rumor {
  static constexpr std::string_view type_name = "gossip.rumor";
  std::vector<Entry> entries;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("entries", self.entries); }
};

// The answer to a Rumor under feedback: the versions the receiver already had ("unnecessary
// contacts", §1.4), which count against the rumor at the sender.
struct Feedback {
  static constexpr std::string_view type_name = "gossip.feedback";
  std::vector<uint64_t> known;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("known", self.known); }
};

// Pull rumor mongering: "send me your hot rumors".
struct PullRequest {
  static constexpr std::string_view type_name = "gossip.pull";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Anti-entropy (§1.3), whole stores: the sender's entries; with `reply`, the receiver answers with
// the entries it holds newer than those (push-pull without digests).
struct AeEntries {
  static constexpr std::string_view type_name = "gossip.ae_entries";
  std::vector<Entry> entries;
  bool reply = false;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("entries", self.entries); v("reply", self.reply); }
};

// What an anti-entropy digest asks of its receiver.
enum class DigestAsk : uint8_t { want, newer, both };
inline constexpr std::array<std::string_view, 3> kDigestAskNames{"want", "newer", "both"};
inline const std::array<std::string_view, 3>& enum_names(DigestAsk) { return kDigestAskNames; }

// Anti-entropy by digest (§1.3: "checksums ... recent update lists"): the sender's versions.
// want: answer with the keys you need (push); newer: answer with your newer entries (pull);
// both: both (push-pull). Also a pull without digests (direction pull, digest off).
struct AeDigest {
  static constexpr std::string_view type_name = "gossip.ae_digest";
  std::vector<KeyVersion> versions;
  DigestAsk ask = DigestAsk::newer;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("versions", self.versions); v("ask", self.ask); }
};

// The keys a digest's receiver needs from its sender.
struct AeWant {
  static constexpr std::string_view type_name = "gossip.ae_want";
  std::vector<uint64_t> keys;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("keys", self.keys); }
};

using Message = std::variant<Rumor, Feedback, PullRequest, AeEntries, AeDigest, AeWant>;

// How many update-carrying entries a message holds (the paper's traffic counts them).
inline size_t entries_carried(const Message& m) {
  if (const auto* r = std::get_if<Rumor>(&m)) return r->entries.size();
  if (const auto* a = std::get_if<AeEntries>(&m)) return a->entries.size();
  return 0;
}

}  // namespace dsim::gossip

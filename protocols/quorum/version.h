// Versions of a key in the Dynamo-style store: dotted version vectors, as in Preguiça, Baquero,
// Almeida, Fonte & Gonçalves, "Dotted Version Vectors: Logical Clocks for Optimistic
// Replication" (2010), and Almeida et al., "Scalable and Accurate Causality Tracking for
// Eventually Consistent Stores" (DAIS 2014), which fix the false concurrency and the lost updates
// of Dynamo's per-server vector clocks (DeCandia et al. 2007 §4.4).
//
// A replica keeps, per key, an Object: the values not yet overwritten (the siblings), each
// tagged with its dot (node, counter): the event of the write that produced it, created by the
// server that coordinated the write), and one causal context, a version vector holding every
// event the object has seen, overwritten ones included. Every sibling's dot is within the
// context. So a replica can tell "I have never seen that write" (the dot is outside my context)
// from "I have seen it and something overwrote it" (inside, but no longer a sibling):
//
//   update (a write coordinated here with the client's context C): the siblings whose dots C
//     covers are overwritten (the client read them and writes in their place); the others stay,
//     concurrent with the new value; the new dot is (coordinator, c) with c one past the largest
//     counter the coordinator ever gave out for the key (a durable counter), added to the context
//     as that one event, not as "events 1..c" (see VersionVector).
//   merge (two replicas' objects of one key, on replication, read repair, hand-off and
//     anti-entropy): a sibling survives unless the other side has seen its dot and dropped it.
//
// A read returns every sibling's value and the merged context; the client's next write passes
// that context back, so it overwrites exactly what it read (the client "merges" the siblings by
// writing one value in their place, DeCandia §4.4 "semantic reconciliation").
//
// Last-writer-wins (the "lww" resolution; Cassandra's): the object keeps one value, the one
// with the largest (timestamp, dot), the timestamp read from the coordinator's clock. Causality
// is still tracked in the context (the checkers read it from observations), but it no longer
// decides: a write that happened after another, timestamped by a clock that runs behind, loses.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/ids.h"

namespace dsim::quorum {

// An event: the `counter`-th write to a key coordinated by `node`.
struct Dot {
  sim::NodeId node;
  uint64_t counter = 0;
  constexpr auto operator<=>(const Dot&) const = default;
  bool valid() const { return counter != 0; }
  std::string text(const std::vector<std::string>& names) const {
    return (node.value < names.size() ? names[node.value] : "?") + ":" + std::to_string(counter);
  }
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("node", self.node); v("counter", self.counter); }
};

struct VVEntry {
  sim::NodeId node;
  uint64_t counter = 0;
  constexpr auto operator<=>(const VVEntry&) const = default;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("node", self.node); v("counter", self.counter); }
};

// A causal context (Almeida et al. 2014 §4, "a compact version vector plus a dot cloud"): per
// node, how many of its events have all been seen (events 1..counter, every one of them), and the
// events seen beyond that contiguous prefix, one by one. Without the cloud, a server that writes
// its event 5 for a key would claim to have seen its events 1..4, and a server that handed its
// copy holding event 4 off and forgot it would make its next write overwrite event 4 unseen.
// Entries sorted by node, none zero; cloud dots sorted, none within their node's prefix.
struct VersionVector {
  std::vector<VVEntry> entries;
  std::vector<Dot> cloud;
  bool operator==(const VersionVector&) const = default;

  // The contiguous prefix of node n's events that has been seen.
  uint64_t base(sim::NodeId n) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), n, [](const VVEntry& e, sim::NodeId x) { return e.node < x; });
    return it != entries.end() && it->node == n ? it->counter : 0;
  }
  // The largest event of node n seen.
  uint64_t max_counter(sim::NodeId n) const {
    uint64_t c = base(n);
    for (const Dot& d : cloud)
      if (d.node == n) c = std::max(c, d.counter);
    return c;
  }
  bool covers(const Dot& d) const {
    return d.valid() && (base(d.node) >= d.counter || std::binary_search(cloud.begin(), cloud.end(), d));
  }
  // Every event of `o` is in this one.
  bool covers(const VersionVector& o) const {
    return std::all_of(o.entries.begin(), o.entries.end(), [&](const VVEntry& e) { return base(e.node) >= e.counter; }) &&
           std::all_of(o.cloud.begin(), o.cloud.end(), [&](const Dot& d) { return covers(d); });
  }
  // Records one event.
  void add(const Dot& d) {
    if (!d.valid() || covers(d)) return;
    cloud.insert(std::upper_bound(cloud.begin(), cloud.end(), d), d);
    compact();
  }
  void join(const VersionVector& o) {
    for (const VVEntry& e : o.entries) raise_base(e.node, e.counter);
    for (const Dot& d : o.cloud)
      if (!covers(d)) cloud.insert(std::upper_bound(cloud.begin(), cloud.end(), d), d);
    compact();
  }
  bool empty() const { return entries.empty() && cloud.empty(); }
  std::string text(const std::vector<std::string>& names) const {
    std::string s = "{";
    for (const VVEntry& e : entries) {
      if (s.size() > 1) s += ",";
      s += (e.node.value < names.size() ? names[e.node.value] : "?") + ":" + std::to_string(e.counter);
    }
    for (const Dot& d : cloud) s += (s.size() > 1 ? ",+" : "+") + d.text(names);
    return s + "}";
  }
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("entries", self.entries); v("cloud", self.cloud); }

 private:
  void raise_base(sim::NodeId n, uint64_t counter) {
    if (counter == 0) return;
    auto it = std::lower_bound(entries.begin(), entries.end(), n, [](const VVEntry& e, sim::NodeId x) { return e.node < x; });
    if (it != entries.end() && it->node == n) {
      it->counter = std::max(it->counter, counter);
    } else {
      entries.insert(it, VVEntry{n, counter});
    }
  }
  // Moves cloud dots that extend their node's prefix into it, and drops those now within it.
  void compact() {
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto it = cloud.begin(); it != cloud.end();) {
        const uint64_t b = base(it->node);
        if (it->counter <= b) {
          it = cloud.erase(it);
        } else if (it->counter == b + 1) {
          raise_base(it->node, it->counter);
          it = cloud.erase(it);
          changed = true;
        } else {
          ++it;
        }
      }
    }
  }
};

struct Sibling {
  Dot dot;
  std::string value;
  int64_t timestamp = 0;  // the coordinator's clock at the write, in ns (last-writer-wins)
  bool operator==(const Sibling&) const = default;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("dot", self.dot); v("value", self.value); v("timestamp", self.timestamp); }
};

enum class Resolution : uint8_t { dvv, lww };

struct Object {
  VersionVector context;
  std::vector<Sibling> siblings;  // sorted by dot
  bool operator==(const Object&) const = default;
  bool empty() const { return context.empty() && siblings.empty(); }

  // The dots of the siblings, in order.
  std::vector<Dot> dots() const {
    std::vector<Dot> out;
    out.reserve(siblings.size());
    for (const Sibling& s : siblings) out.push_back(s.dot);
    return out;
  }

  // A write coordinated by `coordinator` with the client's context `client`: returns its dot.
  Dot update(const VersionVector& client, sim::NodeId coordinator, uint64_t counter, std::string value, int64_t timestamp,
             Resolution how) {
    const Dot dot{coordinator, counter};
    Sibling fresh{dot, std::move(value), timestamp};
    context.join(client);
    context.add(dot);
    if (how == Resolution::lww) {
      if (siblings.empty() || newer(fresh, siblings.front())) siblings = {std::move(fresh)};
      return dot;
    }
    std::erase_if(siblings, [&](const Sibling& s) { return client.covers(s.dot); });
    siblings.insert(std::upper_bound(siblings.begin(), siblings.end(), dot, [](const Dot& d, const Sibling& s) { return d < s.dot; }),
                    std::move(fresh));
    return dot;
  }

  // Takes in another replica's object of the same key.
  void merge(const Object& o, Resolution how) {
    if (how == Resolution::lww) {
      for (const Sibling& s : o.siblings)
        if (siblings.empty() || newer(s, siblings.front())) siblings = {s};
      context.join(o.context);
      return;
    }
    std::vector<Sibling> out;
    out.reserve(siblings.size() + o.siblings.size());
    auto a = siblings.cbegin();
    auto b = o.siblings.cbegin();
    while (a != siblings.cend() || b != o.siblings.cend()) {
      if (b == o.siblings.end() || (a != siblings.end() && a->dot < b->dot)) {
        if (!o.context.covers(a->dot)) out.push_back(*a);  // they never saw it: keep
        ++a;
      } else if (a == siblings.end() || b->dot < a->dot) {
        if (!context.covers(b->dot)) out.push_back(*b);  // we never saw it: take it
        ++b;
      } else {
        out.push_back(*a);  // both hold it
        ++a, ++b;
      }
    }
    siblings = std::move(out);
    context.join(o.context);
  }

  // Last-writer-wins order: the larger timestamp, then the larger dot.
  static bool newer(const Sibling& a, const Sibling& b) {
    return a.timestamp != b.timestamp ? a.timestamp > b.timestamp : a.dot > b.dot;
  }

  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("context", self.context); v("siblings", self.siblings); }
};

// ABD's timestamp (Attiya, Bar-Noy & Dolev 1995, the multi-writer form of Lynch & Shvartsman
// 1997): a counter, then the writer, then the writer's own operation number, so that two writes
// through one coordinator that read the same maximum still get distinct, ordered tags.
struct Tag {
  uint64_t counter = 0;
  sim::NodeId writer;
  uint64_t op = 0;
  constexpr auto operator<=>(const Tag&) const = default;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("counter", self.counter); v("writer", self.writer); v("op", self.op); }
};

}  // namespace dsim::quorum

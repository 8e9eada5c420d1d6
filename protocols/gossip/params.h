// The gossip protocol's parameters: how updates spread (anti-entropy or rumor mongering, push,
// pull or both), how rumors lose interest, the period and its timing, and the updates injected.
#pragma once

#include <cstdint>

#include "protocols/gossip/bugs.h"
#include "sim/declare.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::gossip {

enum class Spread : uint8_t { rumor, anti_entropy };
enum class Direction : uint8_t { push, pull, push_pull };
enum class Loss : uint8_t { feedback, blind };
enum class Stop : uint8_t { counter, coin };
enum class Timing : uint8_t { cycles, async };

struct Config {
  Spread spread = Spread::rumor;
  Direction direction = Direction::push;
  Loss loss = Loss::feedback;
  Stop stop = Stop::counter;
  uint32_t k = 1;
  sim::Duration period = sim::Duration::millis(100);
  Timing timing = Timing::cycles;
  bool digest = false;   // anti-entropy: exchange versions first, then only the differences
  uint32_t backup = 0;   // rumor: an anti-entropy exchange every `backup` periods too (0 = none)
  uint64_t updates = 1;  // updates injected, update u by member u mod N
  sim::Duration first_update;
  sim::Duration update_every = sim::Duration::seconds(1);
  uint32_t keys = 0;  // update u writes key u mod keys with version u + 1; 0 = one key per update
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
  uint64_t key_of(uint64_t update) const { return keys ? update % keys : update; }
};

sim::ParamTable<Config> config_params();

}  // namespace dsim::gossip

// Rng implementation. Stream names are hashed with XXH64 (stable across platforms), mixed
// with the seed, and expanded to 256 bits by splitmix64.
#include "sim/rng.h"

#include <cmath>
#include <numbers>

#include <xxhash.h>

#include "sim/int128.h"

namespace dsim::sim {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
  uint64_t sm = seed;
  for (auto& word : s_) word = splitmix64(sm);
}

Rng Rng::derive(uint64_t seed, std::string_view name) {
  return Rng(XXH64(name.data(), name.size(), seed));
}

Rng Rng::derive(std::string_view name) const {
  uint64_t mixed = s_[0] ^ rotl(s_[1], 13) ^ rotl(s_[2], 29) ^ rotl(s_[3], 47);
  return Rng(XXH64(name.data(), name.size(), mixed));
}

uint64_t Rng::uniform(uint64_t bound) {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  uint128 m = static_cast<uint128>(next_u64()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<uint128>(next_u64()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Rng::uniform_int(int64_t lo, int64_t hi) {
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<int64_t>(next_u64());
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + uniform(span + 1));
}

double Rng::exponential(double mean) {
  // 1 - U is in (0, 1], so the log is finite.
  return -std::log(1.0 - uniform01()) * mean;
}

double Rng::normal(double mean, double stddev) {
  const double u1 = 1.0 - uniform01();  // (0, 1]
  const double u2 = uniform01();
  const double r = std::sqrt(-2.0 * std::log(u1));
  return mean + stddev * r * std::cos(2.0 * std::numbers::pi * u2);
}

double Rng::lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }

double Rng::pareto(double scale, double shape) {
  const double u = 1.0 - uniform01();  // (0, 1]
  return scale / std::pow(u, 1.0 / shape);
}

}  // namespace dsim::sim

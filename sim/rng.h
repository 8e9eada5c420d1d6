// Deterministic random numbers: xoshiro256** seeded through splitmix64, streams derived by
// name, and our own distributions.
//
// Guarantees: the same (seed, stream name) gives the same sequence on every platform and
// standard library, because no <random> distribution is used (their output is
// implementation-defined). Streams are independent by construction: deriving "fault/2"
// does not consume draws from "network", so adding a fault or a client changes no other
// stream. Floating-point distributions use libm (log, exp, sqrt, cos): results are
// reproducible for the same binary; the digest is only promised for the same binary.
#pragma once

#include <cstdint>
#include <string_view>

namespace dsim::sim {

class Rng {
 public:
  // A generator seeded directly from a 64-bit value (through splitmix64).
  explicit Rng(uint64_t seed = 0);
  // The stream named `name` under `seed`: Rng::derive(42, "node/n3/incarnation/2").
  static Rng derive(uint64_t seed, std::string_view name);
  // A generator with exactly this internal state (known-answer tests).
  static Rng from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
    Rng r;
    r.s_[0] = s0, r.s_[1] = s1, r.s_[2] = s2, r.s_[3] = s3;
    return r;
  }
  // A child stream of this one, named; does not advance this generator.
  Rng derive(std::string_view name) const;

  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, bound), bound > 0: Lemire's nearly-divisionless method.
  uint64_t uniform(uint64_t bound);
  // Uniform integer in [lo, hi] inclusive.
  int64_t uniform_int(int64_t lo, int64_t hi);
  // Uniform double in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform_real(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  bool bernoulli(double p) { return p > 0 && (p >= 1 || uniform01() < p); }
  double exponential(double mean);
  double normal(double mean, double stddev);  // Box-Muller, one value per call
  double lognormal(double mu, double sigma);  // exp(normal(mu, sigma))
  double pareto(double scale, double shape);  // scale / U^(1/shape), U in (0,1]

  uint64_t state_hash() const { return s_[0] ^ s_[1] ^ s_[2] ^ s_[3]; }

 private:
  static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// splitmix64: used to expand seeds; exposed for known-answer tests.
uint64_t splitmix64(uint64_t& state);

}  // namespace dsim::sim

// The simulator's own random numbers and sampling (tools/simulate.h).
//
// Why not <random>: the engines are specified, but std::binomial_distribution,
// std::normal_distribution and friends are not, and libstdc++, libc++ and MSVC draw different
// numbers from the same engine. `lls simulate` promises byte-identical files for the same seed
// and flags, so everything here uses integer arithmetic, + - * / and sqrt (correctly rounded
// under IEEE 754) and nothing from libm that may differ between libraries (no exp, log, cos).
//
//   Rng         xoshiro256** (Blackman and Vigna), its state filled by splitmix64 from one seed.
//   Normal()    Irwin-Hall: the sum of 12 uniforms minus 6 (mean 0, variance 1, tails cut at
//               +-6 sd): good enough for counts, and free of libm.
//   Binomial()  exact (a sum of n Bernoulli trials) while n*p*(1-p) < 25; above that a normal
//               approximation, rounded to the nearest whole number and kept within [0, n].
//               With a standard deviation of 5 or more the rounded normal is close to the
//               binomial, and the simulator's largest populations (a few hundred births a
//               month) stay cheap either way.
//
// A value type; not thread-safe (each thread, or each purpose, makes its own).
#pragma once

#include <cstdint>
#include <string_view>

namespace lls::tools::sim {

// One step of splitmix64 (Steele, Lea and Flood): advances `state`, returns a mixed value.
uint64_t SplitMix64(uint64_t& state);

// A seed for one purpose, derived from the run's seed and up to two labels (a trust's number,
// a stream tag), so that each purpose draws its own sequence: adding a learning note does not
// shift every count after it.
uint64_t StreamSeed(uint64_t seed, uint64_t a, uint64_t b = 0);

// FNV-1a (64-bit) of the bytes: folds a name (the LLS's) into a seed.
uint64_t HashName(std::string_view name);

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t Next();
  // Uniform in [0, 1), 53 random bits.
  double Uniform();
  // Uniform in [0, n) for 1 <= n < 2^32 (from Uniform(); a bias near 2^-53 * n does not matter).
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi].
  double Between(double lo, double hi);
  bool Bernoulli(double p);
  // Standard normal, Irwin-Hall (see above).
  double Normal();
  // Binomial(n, p), p clamped to [0, 1] (see above).
  uint32_t Binomial(uint32_t n, double p);
  // A count with this mean and a Poisson-like spread (sd = sqrt(mean)): normal, rounded, >= 0.
  uint32_t CountAround(double mean);

 private:
  uint64_t s_[4];
};

}  // namespace lls::tools::sim

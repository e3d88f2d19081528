#include "tools/simulate_random.h"

#include <cmath>

namespace lls::tools::sim {

namespace {

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Rounds half away from zero without std::round's dependence on the rounding mode.
int64_t RoundToInt(double x) {
  return x < 0 ? -static_cast<int64_t>(-x + 0.5) : static_cast<int64_t>(x + 0.5);
}

}  // namespace

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t StreamSeed(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t state = seed;
  uint64_t x = SplitMix64(state);
  state = x ^ (a * 0xd1342543de82ef95ULL);
  x = SplitMix64(state);
  state = x ^ (b * 0xa0761d6478bd642fULL);
  return SplitMix64(state);
}

uint64_t HashName(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& s : s_) s = SplitMix64(state);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Rng::Below(uint64_t n) {
  uint64_t k = static_cast<uint64_t>(Uniform() * static_cast<double>(n));
  return k < n ? k : n - 1;
}

double Rng::Between(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

bool Rng::Bernoulli(double p) { return Uniform() < p; }

double Rng::Normal() {
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += Uniform();
  return sum - 6.0;
}

uint32_t Rng::Binomial(uint32_t n, double p) {
  if (p <= 0 || n == 0) return 0;
  if (p >= 1) return n;
  const double mean = n * p, variance = mean * (1 - p);
  if (variance < 25) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; ++i) k += Bernoulli(p) ? 1 : 0;
    return k;
  }
  int64_t k = RoundToInt(mean + std::sqrt(variance) * Normal());
  if (k < 0) return 0;
  if (k > static_cast<int64_t>(n)) return n;
  return static_cast<uint32_t>(k);
}

uint32_t Rng::CountAround(double mean) {
  if (mean <= 0) return 0;
  int64_t k = RoundToInt(mean + std::sqrt(mean) * Normal());
  return k < 0 ? 0 : static_cast<uint32_t>(k);
}

}  // namespace lls::tools::sim

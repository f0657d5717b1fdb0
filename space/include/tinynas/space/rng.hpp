#pragma once
// The one random number generator of TinyNAS: a seeded 64-bit Mersenne Twister with
// implementation-independent helpers (std::uniform_int_distribution differs between standard
// libraries, so results would not reproduce across them). Its state serialises to text so long
// jobs can checkpoint it.

#include <cstdint>
#include <random>
#include <string>

namespace tinynas {

class Rng {
public:
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  // Uniform in [0, n) by rejection (no modulo bias). n must be > 0.
  std::uint64_t index(std::uint64_t n);
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // A fresh seed for a child stream (e.g. one per (width, resolution) pair).
  std::uint64_t next_seed() { return engine_(); }

  std::string state() const;
  void set_state(const std::string& text);

private:
  std::mt19937_64 engine_;
};

// Deterministic seed of an independent stream: mixes `seed` and `stream` (SplitMix64), so stream
// k's numbers do not depend on how many other streams exist or which thread runs them.
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream);

} // namespace tinynas

#include "tinynas/space/rng.hpp"

#include <sstream>

#include "tinynas/space/error.hpp"

namespace tinynas {

std::uint64_t Rng::index(std::uint64_t n) {
  // Rejection sampling on the top of the 64-bit range keeps every index equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do x = engine_();
  while (x >= limit);
  return x % n;
}

double Rng::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

std::string Rng::state() const {
  std::ostringstream ss;
  ss << engine_;
  return ss.str();
}

void Rng::set_state(const std::string& text) {
  std::istringstream ss(text);
  ss >> engine_;
  if (!ss) throw Error(ErrorCode::kInvalidFile, "corrupt random generator state in checkpoint");
}

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

} // namespace tinynas

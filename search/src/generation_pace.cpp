#include "generation_pace.hpp"

#include <algorithm>

namespace tinynas {

double GenerationPace::seconds_left(int generation, int generations, double seconds) {
  if (first_generation_ < 0) {
    first_generation_ = generation;
    first_seconds_ = seconds;
  }
  const int since = generation - first_generation_;
  const double per_generation = since > 0 ? (seconds - first_seconds_) / since : seconds;
  return std::max(0.0, per_generation * (generations - generation));
}

double seconds_left_in_generation(std::size_t done, std::size_t total, double seconds) {
  if (done == 0 || done >= total) return 0;
  return seconds / static_cast<double>(done) * static_cast<double>(total - done);
}

} // namespace tinynas

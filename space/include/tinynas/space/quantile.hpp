#pragma once
// Quantiles of measured values, in one definition for every module: stage 1's MACs distribution, the time
// probe's batch times, a board's repeated runs.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace tinynas {

// Linear-interpolation quantile (numpy's default, "type 7") of ascending values; p in [0, 1]; 0 when empty.
// numpy's default so that a notebook recomputes the values TinyNAS reports.
template <typename T>
double quantile_of_sorted(const std::vector<T>& ascending, double p) {
  if (ascending.empty()) return 0;
  const double position = p * static_cast<double>(ascending.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, ascending.size() - 1);
  const double fraction = position - static_cast<double>(below);
  const auto lo = static_cast<double>(ascending[below]);
  const auto hi = static_cast<double>(ascending[above]);
  return lo + (hi - lo) * fraction;
}

// The median of values in any order: the middle one, or the mean of the middle two; 0 when empty.
template <typename T>
double median_of(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return quantile_of_sorted(values, 0.5);
}

} // namespace tinynas

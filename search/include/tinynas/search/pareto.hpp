#pragma once
// The Pareto front of evaluated subnets: maximise the score (accuracy or its proxy), minimise the
// latency estimate and the peak SRAM. A point dominates another when it is at least as good in all
// three objectives and strictly better in one; points with identical objectives are all kept.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tinynas {

struct ParetoPoint {
  double score = 0;
  double latency_ms = 0;
  std::int64_t peak_sram_bytes = 0;
};

bool dominates(const ParetoPoint& a, const ParetoPoint& b);

// Indices of the non-dominated points, ascending. O(n^2) comparisons: a 30-generation search
// evaluates a few thousand subnets, which takes milliseconds.
std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points);

} // namespace tinynas

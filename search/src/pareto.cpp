#include "tinynas/search/pareto.hpp"

namespace tinynas {

bool dominates(const ParetoPoint& a, const ParetoPoint& b) {
  const bool no_worse = a.score >= b.score && a.latency_ms <= b.latency_ms && a.peak_sram_bytes <= b.peak_sram_bytes;
  const bool better = a.score > b.score || a.latency_ms < b.latency_ms || a.peak_sram_bytes < b.peak_sram_bytes;
  return no_worse && better;
}

std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points) {
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) dominated = j != i && dominates(points[j], points[i]);
    if (!dominated) front.push_back(i);
  }
  return front;
}

} // namespace tinynas

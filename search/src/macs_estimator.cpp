#include "tinynas/search/macs_estimator.hpp"

#include <utility>

#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {

MacsProxyEstimator::MacsProxyEstimator(SearchSpace space) : space_(std::move(space)) {}

std::vector<double> MacsProxyEstimator::evaluate(const std::vector<Arch>& archs) {
  std::vector<double> scores;
  scores.reserve(archs.size());
  for (const Arch& arch : archs) {
    // The network's own MACs from the op graph (the cost model's convention), independent of the
    // board and the schedule: patch-based recomputation is a cost, not extra capacity.
    scores.push_back(static_cast<double>(subnet_macs(space_, arch)));
  }
  return scores;
}

} // namespace tinynas

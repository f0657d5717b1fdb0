#pragma once
// The `supernet` estimator: top-1 accuracy on the held-out validation split of subnets that inherit
// their weights from a trained supernet, after BN recalibration (supernet/subnet_evaluator.hpp).

#include <memory>
#include <string>

#include "tinynas/search/estimator.hpp"

namespace tinynas {

// Loads options.supernet and the dataset's train (calibration) and validation splits. Throws
// Error(kInvalidArgument) without a supernet file, Error(kInvalidFile) for a supernet of another
// space than `space`.
std::unique_ptr<AccuracyEstimator> make_supernet_estimator(const SearchSpace& space, const EstimatorOptions& options);

// The space the supernet in `file` was trained on.
SearchSpace supernet_space(const std::string& file);

} // namespace tinynas

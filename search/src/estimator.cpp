#include "tinynas/search/estimator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "supernet_estimator.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

std::string score_text(double score, const std::string& unit) {
  if (unit == "MACs") return fmt::format("{:.2f}M MACs", score / 1e6);
  return fmt::format("{:.4g} ({})", score, unit);
}

std::vector<std::string> estimator_names() { return {"macs", "supernet"}; }

std::unique_ptr<AccuracyEstimator> make_estimator(std::string_view name, const SearchSpace& space,
                                                  const EstimatorOptions& options) {
  if (name == "macs") return std::make_unique<MacsProxyEstimator>(space);
  if (name == "supernet") return make_supernet_estimator(space, options);
  throw invalid_option("estimator",
                       fmt::format("\"{}\" is not an estimator (valid: {})", name, fmt::join(estimator_names(), ", ")));
}

} // namespace tinynas

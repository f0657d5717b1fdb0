#include "tinynas/search/estimator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

std::vector<std::string> estimator_names() { return {"macs", "supernet"}; }

std::unique_ptr<AccuracyEstimator> make_estimator(std::string_view name, const SearchSpace& space) {
  if (name == "macs") return std::make_unique<MacsProxyEstimator>(space);
  if (name == "supernet")
    throw Error(ErrorCode::kInvalidArgument,
                "--estimator supernet: the supernet accuracy estimator arrives with the supernet module "
                "(train a weight-shared supernet, then rank subnets by inherited-weight accuracy); it is not "
                "built yet. Use --estimator macs (a MACs proxy) until then");
  throw Error(ErrorCode::kInvalidArgument, fmt::format("--estimator: \"{}\" is not an estimator (valid: {})",
                                                       name, fmt::join(estimator_names(), ", ")));
}

} // namespace tinynas

#include "held_out.hpp"

#include <algorithm>
#include <string>

#include "tinynas/space/error.hpp"

namespace tinynas::data {

int held_out_count(int available, int requested, int parts) {
  if (requested < 0)
    throw invalid_option("val_size", "a validation split of " + std::to_string(requested) +
                                         " images: it must be 0 (auto) or more");
  const int n = requested > 0 ? requested : std::clamp(available / 10, 1, kAutoHeldOutMax);
  if (static_cast<long long>(n) * parts >= available)
    throw invalid_option("val_size", "holding out " + std::to_string(n) + " images" +
                                         (parts > 1 ? " twice (validation and test)" : "") +
                                         " leaves nothing to train on (the training data has " +
                                         std::to_string(available) + " images)");
  return n;
}

void hold_out_validation(const ImageSet& all, const DatasetOptions& options, DatasetSplits& splits) {
  const int train_end = all.size() - held_out_count(all.size(), options.val_size, 1);
  splits.val = all.slice(train_end, all.size());
  const int limit = options.train_limit > 0 ? std::min(options.train_limit, train_end) : train_end;
  splits.train = all.slice(0, limit);
}

} // namespace tinynas::data

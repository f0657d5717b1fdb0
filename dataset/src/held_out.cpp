#include "held_out.hpp"

#include <algorithm>
#include <string>

#include "tinynas/space/error.hpp"

namespace tinynas::data {

int held_out_count(int available, int requested, int parts) {
  if (requested < 0)
    throw invalid_option("val_size",
                         "a validation split of " + std::to_string(requested) + " images: it must be 0 (auto) or more");
  const int n = requested > 0 ? requested : std::clamp(available / 10, 1, kAutoHeldOutMax);
  if (static_cast<long long>(n) * parts >= available)
    throw invalid_option(
        "val_size", "holding out " + std::to_string(n) + " images" + (parts > 1 ? " twice (validation and test)" : "") +
                        " leaves nothing to train on (the training data has " + std::to_string(available) + " images)");
  return n;
}

void hold_out_validation(const ImageSet& all, const DatasetOptions& options, DatasetSplits& splits) {
  const int train_end = all.size() - held_out_count(all.size(), options.val_size, 1);
  splits.val = all.slice(train_end, all.size());
  const int limit = options.train_limit > 0 ? std::min(options.train_limit, train_end) : train_end;
  splits.train = all.slice(0, limit);
}

namespace {

std::string shape_text(const ImageSet& s) {
  return std::to_string(s.rows) + "x" + std::to_string(s.cols) + " " +
         (s.channels == 1   ? std::string("grey")
          : s.channels == 3 ? std::string("RGB")
                            : std::to_string(s.channels) + "-channel");
}

} // namespace

void require_same_image_shape(const ImageSet& test, const ImageSet& train, const std::string& file,
                              const std::string& test_source, const std::string& train_source) {
  if (test.rows == train.rows && test.cols == train.cols && test.channels == train.channels) return;
  throw Error(ErrorCode::kInvalidFile,
              (test_source.empty() ? "" : test_source + ": ") + "the test images are " + shape_text(test) +
                  " but the training images (" + train_source + ") are " + shape_text(train) +
                  ": a dataset's splits must share one image size and channel count",
              file);
}

} // namespace tinynas::data

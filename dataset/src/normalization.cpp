#include "tinynas/dataset/normalization.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "tinynas/space/error.hpp"

namespace tinynas {

void InputNormalization::check(int channels_wanted, const std::string& source) const {
  if (static_cast<int>(mean.size()) != channels_wanted || static_cast<int>(std.size()) != channels_wanted)
    throw Error(ErrorCode::kInvalidArgument, source + ": " + std::to_string(mean.size()) + " means and " +
                                                 std::to_string(std.size()) + " standard deviations for " +
                                                 std::to_string(channels_wanted) + " input channels");
  for (std::size_t c = 0; c < mean.size(); ++c) {
    if (!std::isfinite(mean[c]))
      throw Error(ErrorCode::kInvalidArgument,
                  source + ": the mean of channel " + std::to_string(c) + " is not finite");
    if (!(std[c] > 0) || !std::isfinite(std[c]))
      throw Error(ErrorCode::kInvalidArgument,
                  source + ": the standard deviation of channel " + std::to_string(c) + " must be positive");
  }
}

std::string InputNormalization::describe() const {
  auto list = [](const std::vector<float>& values) {
    std::string out;
    char buf[32];
    for (float v : values) {
      std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v));
      out += (out.empty() ? "" : ", ") + std::string(buf);
    }
    return "[" + out + "]";
  };
  return "mean " + list(mean) + " std " + list(std);
}

InputNormalization measure_normalization(const ImageSet& images) {
  if (images.size() == 0 || images.channels < 1)
    throw Error(ErrorCode::kInvalidArgument, "no images to measure the input normalisation on");
  // A histogram per channel: exact sums whatever the image count, no float accumulation drift.
  const auto channels = static_cast<std::size_t>(images.channels);
  std::vector<std::array<std::uint64_t, 256>> histogram(channels, std::array<std::uint64_t, 256>{});
  for (std::size_t i = 0; i < images.pixels.size(); ++i) ++histogram[i % channels][images.pixels[i]];
  InputNormalization n;
  n.mean.assign(channels, 0.0f);
  n.std.assign(channels, 0.0f);
  for (std::size_t c = 0; c < channels; ++c) {
    double count = 0, sum = 0, squares = 0;
    for (int p = 0; p < 256; ++p) {
      const auto k = static_cast<double>(histogram[c][static_cast<std::size_t>(p)]);
      const double v = p / 255.0;
      count += k;
      sum += k * v;
      squares += k * v * v;
    }
    const double mean = sum / count;
    // A constant channel would divide by zero: floor the variance (the input is then all zeros).
    const double var = std::max(1e-12, squares / count - mean * mean);
    n.mean[c] = static_cast<float>(mean);
    n.std[c] = static_cast<float>(std::sqrt(var));
  }
  return n;
}

} // namespace tinynas

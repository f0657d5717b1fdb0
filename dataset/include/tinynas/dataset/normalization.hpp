#pragma once
// How raw pixels become a network's float input: channel c of a pixel p in [0, 255] enters as
// (p / 255 - mean[c]) / std[c]. Measured on the training split (or given by dataset.json), stored
// in every supernet and model file, and needed by a deployed application to feed camera pixels.

#include <string>
#include <vector>

#include "tinynas/dataset/image_set.hpp"

namespace tinynas {

struct InputNormalization {
  std::vector<float> mean = {0.5f}; // one entry per input channel
  std::vector<float> std = {0.5f};

  // The same mean and std for every one of `channels` channels.
  static InputNormalization uniform(int channels, float mean, float std_dev) {
    const auto n = static_cast<std::size_t>(channels);
    return {std::vector<float>(n, mean), std::vector<float>(n, std_dev)};
  }

  int channels() const { return static_cast<int>(mean.size()); }
  // The affine map of channel c: p * scale(c) + shift(c) == (p / 255 - mean[c]) / std[c]. Every
  // consumer (training batches, the quantiser's inputs, the deployed lookup table) uses these two,
  // so they all compute the same float for a pixel.
  float scale(int c) const { return 1.0f / (255.0f * std[static_cast<std::size_t>(c)]); }
  float shift(int c) const { return -mean[static_cast<std::size_t>(c)] / std[static_cast<std::size_t>(c)]; }

  // For a person: "mean [0.2860] std [0.3530]".
  std::string describe() const;

  // Throws Error(kInvalidArgument) unless there are `channels` finite means and positive finite
  // standard deviations; `source` names where they came from (a file, a field).
  void check(int channels, const std::string& source) const;
};

// Per-channel mean and standard deviation of `images`' pixels in [0, 1] (exact: integer histograms).
// Throws Error(kInvalidArgument) for an empty set.
InputNormalization measure_normalization(const ImageSet& images);

} // namespace tinynas

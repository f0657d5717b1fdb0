#include "batch_builder.hpp"

#include <algorithm>

#include "ops/resize.hpp"
#include "parallel.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas::engine {

BatchBuilder::BatchBuilder(int rows, int cols, int channels, int capacity, std::vector<int> resolutions)
    : rows_(rows), cols_(cols), channels_(channels), capacity_(capacity), resolutions_(std::move(resolutions)) {
  base_.resize(std::int64_t{channels} * rows * cols * capacity);
  resized_.resize(resolutions_.size());
  for (std::size_t i = 0; i < resolutions_.size(); ++i)
    resized_[i].resize(std::int64_t{channels} * resolutions_[i] * resolutions_[i] * capacity);
  fresh_.assign(resolutions_.size(), false);
  labels_.resize(static_cast<std::size_t>(capacity));
}

void BatchBuilder::load(const ImageSet& images, const int* indices, int n, const InputNormalization& normalization,
                        const Augmentation* augment, std::uint64_t first_key) {
  if (n > capacity_ || images.rows != rows_ || images.cols != cols_ || images.channels != channels_ ||
      normalization.channels() != channels_)
    throw Error(ErrorCode::kInternal, "batch larger than planned or images of another size");
  n_ = n;
  const std::int64_t stride = n, plane = std::int64_t{rows_} * cols_; // [channels][rows][cols][n]
  parallel_for_each(n, [&](std::int64_t i) {
    const std::uint8_t* src = images.image(indices[i]);
    labels_[static_cast<std::size_t>(i)] = images.labels[static_cast<std::size_t>(indices[i])];
    int dx = 0, dy = 0;
    bool flip = false;
    if (augment != nullptr) {
      const std::uint64_t bits = stream_seed(augment->seed, first_key + static_cast<std::uint64_t>(i));
      const auto span = static_cast<std::uint64_t>(2 * augment->pad + 1);
      dx = static_cast<int>(bits % span) - augment->pad;
      dy = static_cast<int>((bits >> 20) % span) - augment->pad;
      flip = augment->flip && ((bits >> 40) & 1u) != 0;
    }
    for (int c = 0; c < channels_; ++c) {
      const float scale = normalization.scale(c), shift = normalization.shift(c);
      float* dst = base_.data() + c * plane * stride + i;
      for (int y = 0; y < rows_; ++y)
        for (int x = 0; x < cols_; ++x) {
          // Output (y, x) shows the padded, shifted (and maybe mirrored) source; outside is black.
          const int sy = y + dy, sx0 = flip ? cols_ - 1 - x : x, sx = sx0 + dx;
          const bool inside = sy >= 0 && sy < rows_ && sx >= 0 && sx < cols_;
          const float p = inside ? static_cast<float>(src[(sy * cols_ + sx) * channels_ + c]) : 0.0f;
          dst[(std::int64_t{y} * cols_ + x) * stride] = p * scale + shift;
        }
    }
  });
  std::fill(fresh_.begin(), fresh_.end(), false);
}

const float* BatchBuilder::at(int resolution) {
  const auto it = std::find(resolutions_.begin(), resolutions_.end(), resolution);
  if (it == resolutions_.end()) throw Error(ErrorCode::kInternal, "resolution not planned by the batch builder");
  const auto i = static_cast<std::size_t>(it - resolutions_.begin());
  if (!fresh_[i]) {
    resize_bilinear(channels_, rows_, cols_, n_, base_.data(), resolution, resolution, resized_[i].data());
    fresh_[i] = true;
  }
  return resized_[i].data();
}

} // namespace tinynas::engine

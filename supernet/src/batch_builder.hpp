#pragma once
// Turns dataset images into the engine's input tensors: 8-bit pixels ([rows][cols][channels] per
// image) to floats normalised per channel in the [channels][rows][cols][N] layout, optional augmentation (random crop
// of the zero-padded image and a horizontal flip), then bilinear resizing to each subnet's resolution, cached per
// batch. All buffers are sized once for the batch capacity.
//
// Augmentation is a pure function of (seed, key) per image — no shared random state — so a batch
// is the same on any thread count and after a resume.

#include <cstdint>
#include <vector>

#include "buffer.hpp"
#include "tinynas/dataset/image_set.hpp"
#include "tinynas/dataset/normalization.hpp"

namespace tinynas::engine {

struct Augmentation {
  int pad = 2;      // crop offsets in [-pad, pad] pixels
  bool flip = true; // horizontal flip with probability 1/2
  std::uint64_t seed = 0;
};

class BatchBuilder {
public:
  BatchBuilder(int rows, int cols, int channels, int capacity, std::vector<int> resolutions);

  // Loads images[indices[i]] for i < n. With `augment`, image i uses the key `first_key + i`.
  void load(const ImageSet& images, const int* indices, int n, const InputNormalization& normalization,
            const Augmentation* augment = nullptr, std::uint64_t first_key = 0);
  // The batch at `resolution` x `resolution`, [C][R][R][N] (resized on first use after load()).
  const float* at(int resolution);

  int size() const { return n_; }
  const std::uint8_t* labels() const { return labels_.data(); }

private:
  int rows_, cols_, channels_, capacity_;
  std::vector<int> resolutions_;
  int n_ = 0;
  FloatBuffer base_;
  std::vector<FloatBuffer> resized_;
  std::vector<bool> fresh_;
  std::vector<std::uint8_t> labels_;
};

} // namespace tinynas::engine

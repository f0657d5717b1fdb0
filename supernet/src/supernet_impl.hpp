#pragma once
// The state behind tinynas::Supernet: the space, the width, the parameter layout and the weights.

#include "buffer.hpp"
#include "layout.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {

struct Supernet::Impl {
  SearchSpace space;
  double width = 1.0;
  engine::SupernetLayout layout;
  engine::FloatBuffer params; // layout.total floats
  // Input pixels p in [0, 255] enter the network as (p / 255 - mean) / std; the trainer sets these
  // from its training images (exported ONNX models expect the same normalisation).
  float input_mean = 0.5f;
  float input_std = 0.5f;
};

} // namespace tinynas

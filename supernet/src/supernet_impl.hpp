#pragma once
// The state behind tinynas::Supernet: the space, the width, the parameter layout and the weights.

#include "buffer.hpp"
#include "layout.hpp"
#include "tinynas/dataset/normalization.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {

struct Supernet::Impl {
  SearchSpace space;
  double width = 1.0;
  engine::SupernetLayout layout;
  engine::FloatBuffer params; // layout.total floats
  // How input pixels become floats; the trainer sets it from its training data (exported ONNX
  // models and deployed lookup tables expect the same).
  InputNormalization input;
  std::vector<std::string> class_names; // the training data's (image folders, dataset.json); may be empty
};

} // namespace tinynas

#pragma once
// A subnet's weights as it inherits them from the supernet, layer by layer in execution order, in
// PyTorch's layouts and with its recalibrated BN statistics: what every exporter reads (ONNX, the
// int8 quantiser's FloatWeights), so slicing and the kernel transform live in one place.

#include <string>
#include <vector>

#include "plan.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::engine {

constexpr float kBnEps = 1e-5f; // the engine's (executor.cpp)

struct InheritedLayer {
  PlanLayer layer;
  std::string name;               // PyTorch module name: "first_conv", "blocks.3.depthwise", ...
  std::vector<float> weight;      // [out][in / groups][k][k]
  std::vector<float> gamma, beta; // BN affine parameters
  std::vector<float> mean, var;   // recalibrated BN statistics
};

struct InheritedSubnet {
  SubnetPlan plan; // batch 1
  std::vector<InheritedLayer> layers;
  std::vector<float> classifier_weight; // [classes][head_channels]
  std::vector<float> classifier_bias;   // [classes]
};

// Validates `arch` against the supernet (Error(kOutOfSpace)) and `stats` against the arch
// (Error(kInvalidArgument): recalibrate this arch first).
InheritedSubnet inherited_subnet(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats);

} // namespace tinynas::engine

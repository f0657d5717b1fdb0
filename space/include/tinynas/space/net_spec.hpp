#pragma once
// A concrete network: every layer's channels, kernel and stride written out. Both an Arch of a
// space and an imported OFA/MCUNet net config become a NetSpec; the cost model and every later
// consumer read only this, so a net config outside any space can still be analyzed.

#include <string>
#include <vector>

#include "tinynas/space/arch.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

struct ConvSpec {
  int in_channels = 0;
  int out_channels = 0;
  int kernel = 3;
  int stride = 1;
};

// MobileNetV2 inverted residual: [1x1 expand, BN, act] -> kxk depthwise, BN, act -> 1x1 project, BN.
// expand_ratio 1 has no expand conv (mid_channels == in_channels).
struct MbBlockSpec {
  int in_channels = 0;
  int mid_channels = 0;
  int out_channels = 0;
  int kernel = 3;
  int stride = 1;
  int expand_ratio = 1;
  bool residual = false; // identity shortcut: needs stride 1 and in == out
};

struct NetSpec {
  std::string name;
  int resolution = 0;
  int input_channels = 3;
  ConvSpec first_conv;
  std::vector<MbBlockSpec> blocks;
  int feature_mix_channels = 0; // 0: none
  int num_classes = 0;
  std::string activation = "relu6";
};

// The network an arch of `space` describes. The arch must be valid (validate_arch).
NetSpec lower_to_net(const SearchSpace& space, const Arch& arch);

// Throws Error(kInvalidFile) if the spec is inconsistent (channels that do not chain, a residual
// on a stride-2 block, non-positive sizes). `file` is used in messages.
void validate_net(const NetSpec& net, const std::string& file = {});

} // namespace tinynas

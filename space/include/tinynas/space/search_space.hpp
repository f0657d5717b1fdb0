#pragma once
// An MCUNet-style MobileNetV2 search space, as data. A space is loaded from JSON
// (configs/spaces/*.json; schema in docs/FORMATS.md) and never changes afterwards.
//
// Layout of every network in a space, input [H=W=resolution, C=input_channels]:
//   first conv   3x3 (first_conv.kernel) stride first_conv.stride, BN, activation
//   first block  MBConv expand 1 (depthwise kernel first_block.kernel, stride 1, pointwise linear)
//   stages[i]    depth d_i in stages[i].depths of MBConv blocks; the first block of a stage has the
//                stage's stride and changes the width, the others keep both and add a residual;
//                each block picks its own depthwise kernel and expand ratio
//   feature mix  optional 1x1 conv (feature_mix_base > 0), then global average pool, then FC.
// Channel counts are base widths times the width multiplier, rounded by round_channels().

#include <string>
#include <string_view>
#include <vector>

namespace tinynas {

struct StageSpace {
  int base_width = 0;       // output channels at width multiplier 1.0
  int stride = 1;           // stride of the stage's first block
  std::vector<int> depths;  // allowed block counts, ascending
  std::vector<int> kernels; // allowed depthwise kernel sizes, ascending (odd)
  std::vector<int> expands; // allowed expand ratios, ascending

  int max_depth() const { return depths.back(); }
};

struct SearchSpace {
  std::string name;
  std::string file; // where it was loaded from ("" when built in code)
  int input_channels = 3;
  int num_classes = 1000;
  std::string activation = "relu6";

  int first_conv_base = 32; // output channels of the first conv at width 1.0
  int first_conv_kernel = 3;
  int first_conv_stride = 2;
  int first_block_base = 16; // output channels of the expand-1 first block at width 1.0
  int first_block_kernel = 3;
  std::vector<StageSpace> stages;
  int feature_mix_base = 0; // 0: no feature-mix conv (MCUNet); 1280: ProxylessNAS

  std::vector<double> width_mults; // ascending
  std::vector<int> resolutions;    // ascending, pixels

  // Channel rounding (MobileNetV2's make_divisible): round to the nearest multiple of
  // channel_divisor, at least channel_divisor, and never below min_round_ratio of the exact value.
  int channel_divisor = 8;
  double min_round_ratio = 0.9;

  // Loads "mcunet" (a name: configs/spaces/mcunet.json) or a path to a JSON file.
  // Throws Error(kInvalidFile) naming the file and the field on any malformed or inconsistent value.
  static SearchSpace load(std::string_view name_or_path);
  // Parses JSON text; `file` is used in error messages.
  static SearchSpace from_json(std::string_view text, std::string_view file = "<memory>");
  std::string to_json() const;

  // Channels of a layer whose base width is `base` at width multiplier `width`.
  int round_channels(double exact) const;
  int channels(int base, double width) const { return round_channels(base * width); }

  // Total number of block slots (sum of max depths): the length of an arch's gene vectors.
  int max_blocks() const;
  // log10 of the number of distinct networks per (width, resolution) pair, and in total.
  double log10_subnets_per_pair() const;
  double log10_size() const;
};

// Names of the spaces shipped in configs/spaces (for --help texts and error messages).
std::vector<std::string> shipped_space_names();

} // namespace tinynas

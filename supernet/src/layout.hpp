#pragma once
// Where every weight of an elastic supernet lives in its one flat float array (weights, gradients
// and momentum share the layout, so the optimiser and the file format see plain arrays).
//
// The stored network is the largest subnet at the supernet's width: per stage, max-depth block
// slots, each with the largest expand ratio's middle channels and the largest depthwise kernel.
// A subnet uses (Once-for-All's weight sharing by slicing):
//   expand e  -> the first mid(e) middle channels: rows of the expand conv, channels of the
//                depthwise conv and its BN, columns of the project conv;
//   kernel k  -> the centre k x k of the largest kernel (or, with KernelTransform::kOfaMatrix,
//                OFA's chain of learned transforms 7->5->3 applied to the centre crops);
//   depth d   -> the first d block slots of each stage.
// Widths of block inputs and outputs do not change (the width multiplier is fixed per supernet).

#include <cstdint>
#include <string>
#include <vector>

#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::engine {

// One named array in the flat parameter vector, e.g. "stages.1.blocks.0.expand.weight" [96, 16].
struct ParamInfo {
  std::string name;
  std::vector<int> shape;
  std::int64_t offset = 0;
  std::int64_t size = 0;
  bool weight_decay = true; // false for BN scale/shift, biases and kernel transforms (OFA's no-decay keys)
};

struct ConvParams {
  std::int64_t weight = -1; // [out][in][k][k] (depthwise: [channels][k][k])
  int out_channels = 0;
  int in_channels = 0; // 1 for depthwise
  int kernel = 1;
};

struct BnParams {
  std::int64_t gamma = -1;
  std::int64_t beta = -1;
  int channels = 0;
};

// A block slot: an MBConv with elastic expand ratio and kernel (the first block of the network is
// a fixed expand-1 block with the same structure minus the expand conv).
struct BlockSlot {
  std::string name; // "stages.2.blocks.1" or "first_block"
  int in_channels = 0;
  int out_channels = 0;
  int stride = 1;
  bool has_expand = true;
  std::vector<int> kernels;      // choices, ascending (the largest is stored)
  std::vector<int> expands;      // choices, ascending
  std::vector<int> mid_channels; // middle channels per expand choice (same order)
  ConvParams expand;
  BnParams expand_bn;
  ConvParams depthwise; // the largest kernel
  BnParams depthwise_bn;
  // kOfaMatrix only: transforms[i] maps the centre kernels[i] x kernels[i] crop of the next larger
  // kernel to the kernels[i] kernel ([k^2][k^2], initialised to the identity); i < kernels.size()-1.
  std::vector<std::int64_t> transforms;
  ConvParams project;
  BnParams project_bn;

  int max_mid() const { return mid_channels.back(); }
  int mid_for_expand(int ratio) const;
  int max_kernel() const { return kernels.back(); }
};

struct SupernetLayout {
  int input_channels = 0;
  int num_classes = 0;
  KernelTransform kernel_transform = KernelTransform::kCentreCrop;
  int first_stride = 1;
  ConvParams first_conv;
  BnParams first_bn;
  BlockSlot first_block;
  std::vector<std::vector<BlockSlot>> stages; // [stage][slot]
  int feature_mix_channels = 0;               // 0: none
  ConvParams feature_mix;
  BnParams feature_mix_bn;
  int classifier_in = 0;
  std::int64_t classifier_weight = -1; // [classes][classifier_in]
  std::int64_t classifier_bias = -1;
  std::vector<ParamInfo> params; // in offset order
  std::int64_t total = 0;        // floats
};

// Throws Error(kInvalidFile) naming the space file when the space cannot be made elastic (an
// expand ratio of 1 among several choices: the block would change structure, not width).
SupernetLayout make_layout(const SearchSpace& space, double width, KernelTransform transform);

// Kaiming-normal (fan-out) convs, unit BN scale, zero BN shift, uniform classifier, identity
// transforms: Once-for-All's initialisation, drawn from one seeded stream.
void initialise_parameters(const SupernetLayout& layout, std::uint64_t seed, float* params);

} // namespace tinynas::engine

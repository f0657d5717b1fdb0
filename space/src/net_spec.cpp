#include "tinynas/space/net_spec.hpp"

#include <algorithm>
#include <cmath>

#include "tinynas/space/error.hpp"
#include "tinynas/space/limits.hpp"

namespace tinynas {

NetSpec lower_to_net(const SearchSpace& space, const Arch& arch) {
  NetSpec net;
  net.name = arch.id();
  net.resolution = arch.resolution;
  net.input_channels = space.input_channels;
  net.num_classes = space.num_classes;
  net.activation = space.activation;
  net.first_conv = {space.input_channels, space.channels(space.first_conv_base, arch.width), space.first_conv_kernel,
                    space.first_conv_stride};

  net.blocks.reserve(static_cast<std::size_t>(space.max_blocks()) + 1);
  int in = net.first_conv.out_channels;
  // The first block never has a shortcut (ProxylessNAS / MCUNet), even when in == out.
  int first_out = space.channels(space.first_block_base, arch.width);
  net.blocks.push_back({in, in, first_out, space.first_block_kernel, 1, 1, false});
  in = first_out;

  for (std::size_t s = 0; s < space.stages.size(); ++s) {
    const StageSpace& stage = space.stages[s];
    const StageGenes& genes = arch.stages[s];
    int out = space.channels(stage.base_width, arch.width);
    for (int b = 0; b < genes.depth; ++b) {
      MbBlockSpec blk;
      blk.in_channels = in;
      blk.out_channels = out;
      blk.kernel = genes.kernels[static_cast<std::size_t>(b)];
      blk.expand_ratio = genes.expands[static_cast<std::size_t>(b)];
      blk.stride = b == 0 ? stage.stride : 1;
      // Once-for-All: make_divisible(round(in * expand)).
      blk.mid_channels =
          blk.expand_ratio == 1 ? in : space.round_channels(std::round(in * static_cast<double>(blk.expand_ratio)));
      blk.residual = blk.stride == 1 && in == out;
      net.blocks.push_back(blk);
      in = out;
    }
  }
  // OFA's rule: the feature-mix width shrinks only with multipliers above 1.
  if (space.feature_mix_base > 0)
    net.feature_mix_channels =
        arch.width > 1.0 ? space.channels(space.feature_mix_base, arch.width) : space.feature_mix_base;
  return net;
}

void validate_net(const NetSpec& net, const std::string& file) {
  auto fail = [&](const std::string& field, const std::string& message) {
    throw Error(ErrorCode::kInvalidFile, message, file, field);
  };
  // Bounds first (limits.hpp): what follows, and everything that sizes buffers from the net, may
  // multiply these.
  auto bounded = [&](const std::string& field, long long value, long long max) {
    if (value > max) fail(field, "is " + std::to_string(value) + "; at most " + std::to_string(max) + " is allowed");
  };
  bounded("/resolution", net.resolution, limits::kMaxResolution);
  bounded("/first_conv/in_channels", net.input_channels, limits::kMaxInputChannels);
  bounded("/first_conv/out_channels", net.first_conv.out_channels, limits::kMaxChannels);
  bounded("/first_conv/kernel_size", net.first_conv.kernel, limits::kMaxKernel);
  bounded("/first_conv/stride", net.first_conv.stride, limits::kMaxStride);
  bounded("/blocks", static_cast<long long>(net.blocks.size()), limits::kMaxBlocks);
  for (std::size_t i = 0; i < net.blocks.size(); ++i) {
    const MbBlockSpec& b = net.blocks[i];
    const std::string at = "/blocks/" + std::to_string(i);
    bounded(at + "/in_channels", b.in_channels, limits::kMaxChannels);
    bounded(at + "/mid_channels", b.mid_channels, limits::kMaxChannels);
    bounded(at + "/out_channels", b.out_channels, limits::kMaxChannels);
    bounded(at + "/kernel_size", b.kernel, limits::kMaxKernel);
    bounded(at + "/stride", b.stride, limits::kMaxStride);
  }
  bounded("/feature_mix_layer", net.feature_mix_channels, limits::kMaxChannels);
  bounded("/classifier/out_features", net.num_classes, limits::kMaxClasses);
  if (net.resolution <= 0) fail("/resolution", "must be positive");
  if (net.input_channels <= 0) fail("/first_conv/in_channels", "must be positive");
  if (net.first_conv.in_channels != net.input_channels)
    fail("/first_conv/in_channels", "does not match the input channels");
  if (net.first_conv.out_channels <= 0 || net.first_conv.kernel <= 0 || net.first_conv.kernel % 2 == 0 ||
      net.first_conv.stride <= 0)
    fail("/first_conv", "needs positive channels, an odd kernel and a positive stride");
  int in = net.first_conv.out_channels;
  for (std::size_t i = 0; i < net.blocks.size(); ++i) {
    const MbBlockSpec& b = net.blocks[i];
    std::string at = "/blocks/" + std::to_string(i);
    if (b.in_channels != in)
      fail(at + "/in_channels", std::to_string(b.in_channels) + " does not match the previous layer's " +
                                    std::to_string(in) + " output channels");
    if (b.mid_channels <= 0 || b.out_channels <= 0) fail(at, "channels must be positive");
    if (b.kernel <= 0 || b.kernel % 2 == 0) fail(at + "/kernel_size", "kernel size must be odd and positive");
    if (b.stride <= 0) fail(at + "/stride", "stride must be positive");
    if (b.expand_ratio == 1 && b.mid_channels != b.in_channels)
      fail(at + "/mid_channels", "an expand-1 block has as many middle channels as inputs");
    if (b.residual && (b.stride != 1 || b.in_channels != b.out_channels))
      fail(at + "/shortcut", "an identity shortcut needs stride 1 and equal in/out channels");
    in = b.out_channels;
  }
  if (net.feature_mix_channels < 0) fail("/feature_mix_layer", "channels must be positive");
  if (net.num_classes <= 0) fail("/classifier/out_features", "must be positive");
}

} // namespace tinynas

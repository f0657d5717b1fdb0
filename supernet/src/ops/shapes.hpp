#pragma once
// Shapes of the engine's ops. Every activation tensor is laid out [C][H][W][N]: channel planes
// (so batch norm, depthwise conv and pooling work on contiguous memory per channel, and a 1x1 conv
// is one GEMM over all pixels of the batch) with the batch innermost (so the depthwise kernels
// vectorise over images, whatever the spatial size: a 4x4 feature map vectorises as well as 40x40).

#include <cstdint>

namespace tinynas::engine {

enum class Activation { kNone, kRelu6 };

struct ConvShape {
  int in_channels = 0;
  int out_channels = 0; // depthwise: equal to in_channels
  int in_h = 0, in_w = 0;
  int out_h = 0, out_w = 0;
  int kernel = 1;
  int stride = 1;
  int pad = 0;
  int batch = 0;

  std::int64_t in_plane() const { return std::int64_t{in_h} * in_w * batch; }
  std::int64_t out_plane() const { return std::int64_t{out_h} * out_w * batch; }
};

// Output size of a "same"-padded conv: (size + 2 pad - kernel) / stride + 1 (PyTorch's floor rule).
inline int conv_out_size(int size, int kernel, int stride, int pad) { return (size + 2 * pad - kernel) / stride + 1; }

// A conv with "same" padding (kernel / 2), as every conv of the space has.
inline ConvShape same_conv(int in_channels, int out_channels, int size, int kernel, int stride, int batch) {
  ConvShape s;
  s.in_channels = in_channels;
  s.out_channels = out_channels;
  s.in_h = s.in_w = size;
  s.kernel = kernel;
  s.stride = stride;
  s.pad = kernel / 2;
  s.out_h = s.out_w = conv_out_size(size, kernel, stride, s.pad);
  s.batch = batch;
  return s;
}

} // namespace tinynas::engine

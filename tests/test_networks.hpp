#pragma once
// Small networks shared by the profiler, deploy and hil tests: they fit the emulated boards and run every op
// type in a few thousand MACs.

#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas::test {

// 12x12x3 input, first conv 3x3/2 -> 6x6x8; block 0 (expand 1, dw 3x3, project 8); block 1 (expand 3 -> 24,
// dw 5x5, project 8, residual); block 2 (expand 4 -> 32, dw 7x7 stride 2, project 16); pool; FC 16 -> 10.
// Every op type and both depthwise kernels, in a few thousand MACs.
inline NetSpec small_net(int resolution = 12, int input_channels = 3) {
  NetSpec net;
  net.name = "hil-small";
  net.resolution = resolution;
  net.input_channels = input_channels;
  net.first_conv = {input_channels, 8, 3, 2};
  net.blocks.push_back({8, 8, 8, 3, 1, 1, false});
  net.blocks.push_back({8, 24, 8, 5, 1, 3, true});
  net.blocks.push_back({8, 32, 16, 7, 2, 4, false});
  net.num_classes = 10;
  return net;
}

// A graph of one op (the kernel grids): "same" padding for kxk convolutions, none for pointwise and fully
// connected layers; the output shape follows from the stride.
inline Graph one_op(OpType type, TensorShape in, int out_c, int k, int stride, bool relu6) {
  Graph g;
  const int pad = type == OpType::kPointwiseConv || type == OpType::kFullyConnected ? 0 : k / 2;
  auto out_size = [&](int n) { return (n + 2 * pad - k) / stride + 1; };
  TensorShape out =
      type == OpType::kFullyConnected ? TensorShape{1, 1, out_c} : TensorShape{out_size(in.h), out_size(in.w), out_c};
  g.tensors = {in, out};
  Op op;
  op.type = type;
  op.input = 0;
  op.output = 1;
  op.kernel = k;
  op.stride = stride;
  op.pad = pad;
  op.relu6 = relu6;
  g.ops = {op};
  g.output = 1;
  return g;
}

} // namespace tinynas::test

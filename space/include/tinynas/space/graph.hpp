#pragma once
// The op graph a NetSpec lowers to: the unit the cost model, the memory planners, the int8
// runtime and the exporters all read. Tensors are int8 activations in [H, W, C] layout; the
// batch size is 1 (MCU inference). Ops are in execution order.

#include <cstdint>
#include <string>
#include <vector>

#include "tinynas/space/net_spec.hpp"

namespace tinynas {

enum class OpType {
  kConv,           // dense kxk conv (the first layer), BN folded, activation
  kDepthwiseConv,  // kxk depthwise, BN folded, activation
  kPointwiseConv,  // 1x1 conv, BN folded; activation on expand convs, none on project convs
  kAdd,            // residual add of two tensors of the same shape
  kAvgPool,        // global average pool [H,W,C] -> [1,1,C]
  kFullyConnected, // [C] -> [classes], with bias
};
const char* op_type_name(OpType type); // "conv", "depthwise", "pointwise", "add", "avgpool", "fc"

struct TensorShape {
  int h = 0;
  int w = 0;
  int c = 0;
  std::int64_t elements() const { return std::int64_t{h} * w * c; }
};

// Role of an op inside its block, for names and per-layer tables.
enum class OpRole { kStem, kExpand, kDepthwise, kProject, kResidualAdd, kFeatureMix, kPool, kClassifier };
const char* op_role_name(OpRole role);

struct Op {
  OpType type = OpType::kConv;
  OpRole role = OpRole::kStem;
  int block = -1;  // index into NetSpec::blocks, -1 outside blocks
  int input = -1;  // tensor index
  int input2 = -1; // second input of kAdd (the residual), else -1
  int output = -1; // tensor index
  int kernel = 1;
  int stride = 1;
  int pad = 0;         // symmetric zero padding (kernel / 2: "same")
  bool has_bn = false; // BN folded into the conv: its 2 params per channel still count
  bool has_bias = false;
  bool relu6 = false; // fused activation (clamp)

  std::int64_t macs(const std::vector<TensorShape>& tensors) const;
  // Weights + biases + 2 per BN channel (MCUNet's parameter count).
  std::int64_t params(const std::vector<TensorShape>& tensors) const;
  // Weight elements only (int8 in flash).
  std::int64_t weights(const std::vector<TensorShape>& tensors) const;
  // Output channels that carry a bias / requant pair in an int8 deployment (0 for add and pool).
  int out_channels(const std::vector<TensorShape>& tensors) const;
};

struct Graph {
  std::vector<TensorShape> tensors; // tensors[0] is the network input
  std::vector<Op> ops;              // execution order; ops[i].output == i + 1
  int input = 0;
  int output = 0;

  // "first_conv", "blocks.3.expand", "blocks.3.depthwise", "blocks.3.add", "classifier", ...
  std::string op_name(int op_index) const;
  // The network's MACs: its ops', whole tensors (patch-based recomputation is the cost model's).
  std::int64_t macs() const;
};

Graph lower_to_graph(const NetSpec& net);

// One subnet's MACs: lower_to_graph(lower_to_net(space, arch)).macs().
std::int64_t subnet_macs(const SearchSpace& space, const Arch& arch);

} // namespace tinynas

#include "tinynas/space/graph.hpp"

#include "tinynas/space/error.hpp"

namespace tinynas {

const char* op_type_name(OpType type) {
  switch (type) {
  case OpType::kConv: return "conv";
  case OpType::kDepthwiseConv: return "depthwise";
  case OpType::kPointwiseConv: return "pointwise";
  case OpType::kAdd: return "add";
  case OpType::kAvgPool: return "avgpool";
  case OpType::kFullyConnected: return "fc";
  }
  return "?";
}

const char* op_role_name(OpRole role) {
  switch (role) {
  case OpRole::kStem: return "first_conv";
  case OpRole::kExpand: return "expand";
  case OpRole::kDepthwise: return "depthwise";
  case OpRole::kProject: return "project";
  case OpRole::kResidualAdd: return "add";
  case OpRole::kFeatureMix: return "feature_mix";
  case OpRole::kPool: return "avgpool";
  case OpRole::kClassifier: return "classifier";
  }
  return "?";
}

int Op::out_channels(const std::vector<TensorShape>& tensors) const {
  switch (type) {
  case OpType::kConv:
  case OpType::kDepthwiseConv:
  case OpType::kPointwiseConv:
  case OpType::kFullyConnected: return tensors[static_cast<std::size_t>(output)].c;
  case OpType::kAdd:
  case OpType::kAvgPool: return 0;
  }
  return 0;
}

std::int64_t Op::weights(const std::vector<TensorShape>& tensors) const {
  const TensorShape& in = tensors[static_cast<std::size_t>(input)];
  const TensorShape& out = tensors[static_cast<std::size_t>(output)];
  switch (type) {
  case OpType::kConv: return std::int64_t{kernel} * kernel * in.c * out.c;
  case OpType::kDepthwiseConv: return std::int64_t{kernel} * kernel * out.c;
  case OpType::kPointwiseConv:
  case OpType::kFullyConnected: return std::int64_t{in.c} * out.c;
  case OpType::kAdd:
  case OpType::kAvgPool: return 0;
  }
  return 0;
}

std::int64_t Graph::macs() const {
  std::int64_t total = 0;
  for (const Op& op : ops) total += op.macs(tensors);
  return total;
}

std::int64_t subnet_macs(const SearchSpace& space, const Arch& arch) {
  return lower_to_graph(lower_to_net(space, arch)).macs();
}

std::int64_t Op::macs(const std::vector<TensorShape>& tensors) const {
  const TensorShape& out = tensors[static_cast<std::size_t>(output)];
  // Every weight is used once per output pixel (FC: one pixel).
  return weights(tensors) * out.h * out.w;
}

std::int64_t Op::params(const std::vector<TensorShape>& tensors) const {
  int channels = out_channels(tensors);
  return weights(tensors) + (has_bias ? channels : 0) + (has_bn ? 2 * channels : 0);
}

namespace {

int conv_out(int size, int kernel, int stride, int pad) { return (size + 2 * pad - kernel) / stride + 1; }

class GraphBuilder {
public:
  explicit GraphBuilder(Graph& g) : g_(g) {}

  int tensor(TensorShape s) {
    g_.tensors.push_back(s);
    return static_cast<int>(g_.tensors.size()) - 1;
  }

  int conv(OpType type, OpRole role, int block, int in, int out_c, int kernel, int stride, bool relu6) {
    const TensorShape& s = g_.tensors[static_cast<std::size_t>(in)];
    int pad = kernel / 2;
    TensorShape o{conv_out(s.h, kernel, stride, pad), conv_out(s.w, kernel, stride, pad),
                  type == OpType::kDepthwiseConv ? s.c : out_c};
    Op op;
    op.type = type;
    op.role = role;
    op.block = block;
    op.input = in;
    op.output = tensor(o);
    op.kernel = kernel;
    op.stride = stride;
    op.pad = pad;
    op.has_bn = true;
    op.relu6 = relu6;
    g_.ops.push_back(op);
    return op.output;
  }

  int add(int block, int a, int residual) {
    Op op;
    op.type = OpType::kAdd;
    op.role = OpRole::kResidualAdd;
    op.block = block;
    op.input = a;
    op.input2 = residual;
    op.output = tensor(g_.tensors[static_cast<std::size_t>(a)]);
    g_.ops.push_back(op);
    return op.output;
  }

  int pool(int in) {
    Op op;
    op.type = OpType::kAvgPool;
    op.role = OpRole::kPool;
    op.input = in;
    op.kernel = g_.tensors[static_cast<std::size_t>(in)].h;
    op.output = tensor({1, 1, g_.tensors[static_cast<std::size_t>(in)].c});
    g_.ops.push_back(op);
    return op.output;
  }

  int fc(int in, int classes) {
    Op op;
    op.type = OpType::kFullyConnected;
    op.role = OpRole::kClassifier;
    op.input = in;
    op.has_bias = true;
    op.output = tensor({1, 1, classes});
    g_.ops.push_back(op);
    return op.output;
  }

private:
  Graph& g_;
};

} // namespace

Graph lower_to_graph(const NetSpec& net) {
  Graph g;
  g.tensors.reserve(net.blocks.size() * 4 + 6);
  g.ops.reserve(net.blocks.size() * 4 + 4);
  GraphBuilder b(g);
  const bool act = true; // relu6 and relu both fuse as a clamp in int8
  int x = b.tensor({net.resolution, net.resolution, net.input_channels});
  g.input = x;
  x = b.conv(OpType::kConv, OpRole::kStem, -1, x, net.first_conv.out_channels, net.first_conv.kernel,
             net.first_conv.stride, act);
  for (std::size_t i = 0; i < net.blocks.size(); ++i) {
    const MbBlockSpec& blk = net.blocks[i];
    int block = static_cast<int>(i);
    int block_in = x;
    if (blk.expand_ratio != 1)
      x = b.conv(OpType::kPointwiseConv, OpRole::kExpand, block, x, blk.mid_channels, 1, 1, act);
    x = b.conv(OpType::kDepthwiseConv, OpRole::kDepthwise, block, x, 0, blk.kernel, blk.stride, act);
    x = b.conv(OpType::kPointwiseConv, OpRole::kProject, block, x, blk.out_channels, 1, 1, false);
    if (blk.residual) x = b.add(block, x, block_in);
  }
  if (net.feature_mix_channels > 0)
    x = b.conv(OpType::kPointwiseConv, OpRole::kFeatureMix, -1, x, net.feature_mix_channels, 1, 1, act);
  x = b.pool(x);
  x = b.fc(x, net.num_classes);
  g.output = x;
  return g;
}

std::string Graph::op_name(int op_index) const {
  const Op& op = ops[static_cast<std::size_t>(op_index)];
  if (op.block < 0) return op_role_name(op.role);
  return "blocks." + std::to_string(op.block) + "." + op_role_name(op.role);
}

} // namespace tinynas

#include "tinynas/supernet/subnet_graph.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "batch_builder.hpp"
#include "inherited_layers.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {

namespace {

bool same_layer(const Graph& g, const Op& op, const engine::PlanLayer& l) {
  const TensorShape& in = g.tensors[static_cast<std::size_t>(op.input)];
  const TensorShape& out = g.tensors[static_cast<std::size_t>(op.output)];
  const engine::LayerKind kind = op.type == OpType::kConv            ? engine::LayerKind::kConv
                                 : op.type == OpType::kDepthwiseConv ? engine::LayerKind::kDepthwise
                                                                     : engine::LayerKind::kPointwise;
  return kind == l.kind && in.c == l.shape.in_channels && out.c == l.shape.out_channels && op.kernel == l.kernel &&
         op.stride == l.shape.stride && op.relu6 == (l.activation == engine::Activation::kRelu6);
}

// Images per BatchBuilder load.
constexpr int kBatch = 256;

} // namespace

SubnetGraph subnet_graph(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats) {
  const engine::InheritedSubnet subnet = engine::inherited_subnet(supernet, arch, stats);
  SubnetGraph out;
  out.graph = lower_to_graph(lower_to_net(supernet.space(), arch));
  const Graph& g = out.graph;
  out.weights.ops.resize(g.ops.size());
  std::size_t next = 0; // the engine's next layer: its convs come in the graph's order
  for (std::size_t o = 0; o < g.ops.size(); ++o) {
    const Op& op = g.ops[o];
    FloatOpWeights& w = out.weights.ops[o];
    switch (op.type) {
    case OpType::kAdd:
    case OpType::kAvgPool: break;
    case OpType::kFullyConnected:
      w.weight = subnet.classifier_weight;
      w.bias = subnet.classifier_bias;
      break;
    case OpType::kConv:
    case OpType::kPointwiseConv:
    case OpType::kDepthwiseConv: {
      if (next >= subnet.layers.size() || !same_layer(g, op, subnet.layers[next].layer))
        throw Error(ErrorCode::kInternal, "the engine's layers of " + arch.id() + " do not match graph op " +
                                              std::to_string(o) + " (" + g.op_name(static_cast<int>(o)) + ")");
      const engine::InheritedLayer& l = subnet.layers[next++];
      w.weight = l.weight;
      w.bn_gamma = l.gamma;
      w.bn_beta = l.beta;
      w.bn_mean = l.mean;
      w.bn_var = l.var;
      w.bn_eps = engine::kBnEps;
      break;
    }
    }
  }
  if (next != subnet.layers.size())
    throw Error(ErrorCode::kInternal, "the graph of " + arch.id() + " has fewer convolutions than the engine runs");
  return out;
}

std::vector<std::vector<float>> network_inputs(const Supernet& supernet, const ImageSet& images, int begin, int count,
                                               int resolution) {
  if (begin < 0 || count < 0 || begin + count > images.size())
    throw Error(ErrorCode::kInvalidArgument, "images [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                                                 ") are outside a set of " + std::to_string(images.size()));
  if (resolution <= 0) throw Error(ErrorCode::kInvalidArgument, "resolution must be positive");
  if (images.channels != supernet.space().input_channels)
    throw Error(ErrorCode::kInvalidArgument, "images of " + std::to_string(images.channels) + " channels for space \"" +
                                                 supernet.space().name + "\" of " +
                                                 std::to_string(supernet.space().input_channels));
  std::vector<std::vector<float>> out(static_cast<std::size_t>(count));
  engine::BatchBuilder builder(images.rows, images.cols, images.channels, std::min(count, kBatch), {resolution});
  std::vector<int> indices(static_cast<std::size_t>(kBatch));
  const auto pixels = static_cast<std::size_t>(resolution) * resolution;
  const auto channels = static_cast<std::size_t>(images.channels);
  for (int first = 0; first < count; first += kBatch) {
    const int n = std::min(kBatch, count - first);
    std::iota(indices.begin(), indices.begin() + n, begin + first);
    builder.load(images, indices.data(), n, supernet.input_normalization());
    const float* batch = builder.at(resolution); // [C][R][R][n]
    const auto stride = static_cast<std::size_t>(n);
    for (int i = 0; i < n; ++i) {
      std::vector<float>& image = out[static_cast<std::size_t>(first + i)]; // [R][R][C]
      image.resize(pixels * channels);
      for (std::size_t p = 0; p < pixels; ++p)
        for (std::size_t c = 0; c < channels; ++c)
          image[p * channels + c] = batch[(c * pixels + p) * stride + static_cast<std::size_t>(i)];
    }
  }
  return out;
}

} // namespace tinynas

#pragma once
// The float network a quantised model stands for: BN folded into the weights once (fold_all), then a plain,
// double-accumulating forward pass over the graph (forward_folded). The quantiser calibrates activation ranges
// with it, and the accuracy comparison (quantized_accuracy.hpp) uses it as the float side.

#include <vector>

#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/graph_weights.hpp"

namespace tinynas::float_reference {

inline const TensorShape& shape_of(const Graph& g, int tensor) { return g.tensors[static_cast<std::size_t>(tensor)]; }
inline bool has_weights(OpType t) { return t != OpType::kAdd && t != OpType::kAvgPool; }
inline int out_channels(const Graph& g, const Op& op) { return shape_of(g, op.output).c; }

// Weight and bias with BN folded in, still in the PyTorch layout of FloatOpWeights, and the convolutions' weights
// again with the output channel innermost ([ky][kx][in][out], depthwise [ky][kx][c]): the forward pass then
// updates all of a pixel's output channels in one contiguous, vectorisable loop per input value.
struct FoldedOp {
  std::vector<float> weight;
  std::vector<float> bias;
  std::vector<float> weight_by_tap; // convolutions only
};

// Throws Error(kInvalidArgument) naming the op and array when `weights` do not fit `graph`.
std::vector<FoldedOp> fold_all(const Graph& graph, const FloatWeights& weights);

// Every tensor of the graph (graph.tensors order, each [H, W, C]) for one input image.
std::vector<std::vector<float>> forward_folded(const Graph& graph, const std::vector<FoldedOp>& folded,
                                               const FloatImage& image);

} // namespace tinynas::float_reference

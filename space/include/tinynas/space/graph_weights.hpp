#pragma once
// Float parameters of a Graph, one entry per op, in PyTorch's layouts: the vocabulary between the model side
// (a trained supernet hands out a subnet's inherited weights in this form) and the int8 side (the quantiser in
// profiler/ reads it). Plain data, so any PyTorch model of the same graph can fill it too.

#include <vector>

namespace tinynas {

// Float parameters of one op of a Graph (graph.ops[i] <-> FloatWeights::ops[i]). Empty for add and pool.
struct FloatOpWeights {
  // conv / pointwise: [out_c][in_c][k][k] (PyTorch OIHW); depthwise: [c][k][k] (PyTorch [C,1,k,k]);
  // fully connected: [out][in] (PyTorch Linear).
  std::vector<float> weight;
  std::vector<float> bias; // [out_c], or empty for none
  // Batch norm in inference form, folded into weight and bias before use; all empty for none.
  std::vector<float> bn_gamma, bn_beta, bn_mean, bn_var;
  float bn_eps = 1e-5f;
};

struct FloatWeights {
  std::vector<FloatOpWeights> ops;
};

} // namespace tinynas

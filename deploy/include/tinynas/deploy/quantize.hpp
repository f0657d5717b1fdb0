#pragma once
// Post-training int8 quantisation of a network graph for the firmware's runtime (TF-Lite's int8 scheme):
//   weights      symmetric per output channel, int8 in [-127, 127], zero point 0;
//   biases       int32 in the accumulator's scale (input scale x weight scale of the channel);
//   activations  asymmetric per tensor, int8 with a zero point, ranges calibrated by running the float network
//                on sample inputs (min/max over all samples, widened to contain 0);
//   requant      per-channel Q31 multiplier + shift (TF-Lite's QuantizeMultiplier); ReLU6 becomes a clamp.
// The residual add uses TF-Lite's int8 ADD rescaling (left shift 20); the average pool keeps its input's
// quantisation, as TF-Lite requires.
//
// Float weights come as FloatWeights (space/graph_weights.hpp), one entry per graph op in PyTorch's layouts, so a
// trained supernet's subnet (supernet/graph_weights.hpp) or any PyTorch model of the same graph feeds it
// directly. When only latency and memory are wanted, random_float_weights() gives weights whose quantisation is
// valid and realistic.

#include <cstdint>
#include <vector>

#include "tinynas/dataset/normalization.hpp" // InputNormalization: raw pixels -> the float input
#include "tinynas/space/graph.hpp"
#include "tinynas/space/graph_weights.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas {

// A float input image [H, W, C] (the graph's input tensor shape), already normalised as the network expects.
using FloatImage = std::vector<float>;

struct TensorQuant {
  float scale = 1.0f;
  int zero_point = 0; // in [-128, 127]
};

// Everything the firmware needs for one op. Arrays are empty where the op has none.
struct QuantizedOp {
  // conv / pointwise: [out_c][k][k][in_c] (OHWI); depthwise: [k][k][c]; fc: [out][in]
  std::vector<std::int8_t> weights;
  std::vector<std::int32_t> bias;
  std::vector<std::int32_t> multiplier; // per output channel, Q31
  std::vector<std::int32_t> shift;      // per output channel, > 0 is a left shift
  int act_min = -128;
  int act_max = 127;
  // add only (TF-Lite int8 ADD)
  std::int32_t input1_multiplier = 0, input1_shift = 0;
  std::int32_t input2_multiplier = 0, input2_shift = 0;
  std::int32_t output_multiplier = 0, output_shift = 0;
  std::int32_t left_shift = 0;
};

struct QuantizedModel {
  std::vector<TensorQuant> tensors; // one per graph tensor
  std::vector<QuantizedOp> ops;     // one per graph op
};

// Number of float weights FloatOpWeights::weight must hold for op `op` of `graph`.
std::int64_t float_weight_count(const Graph& graph, int op);

// Random weights (He-uniform), small random biases and no BN: for latency and memory measurements only.
FloatWeights random_float_weights(const Graph& graph, Rng& rng);
// `count` random inputs, uniform in [-1, 1].
std::vector<FloatImage> random_images(const Graph& graph, int count, Rng& rng);

// Runs the float network (BN folded) on one image; returns every tensor (graph.tensors order), each [H, W, C].
std::vector<std::vector<float>> float_forward(const Graph& graph, const FloatWeights& weights, const FloatImage& image);

// Quantises `weights` with activation ranges calibrated on `calibration` (at least one image).
// Throws Error(kInvalidArgument) when the weights do not match the graph (naming the op and the expected size).
QuantizedModel quantize(const Graph& graph, const FloatWeights& weights, const std::vector<FloatImage>& calibration);

// One real value under a tensor's quantisation: round(real / scale) + zero_point (to nearest, halves away from
// zero), clamped to [-128, 127].
std::int8_t quantize_value(const TensorQuant& quant, float real);

// The int8 input bytes of an image under the model's input quantisation (quantize_value of every element).
std::vector<std::int8_t> quantize_image(const QuantizedModel& model, const Graph& graph, const FloatImage& image);

// TF-Lite's QuantizeMultiplier: real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (0 for real == 0).
void quantize_multiplier(double real, std::int32_t& multiplier, std::int32_t& shift);

// Random weights, calibration and one input, all from `seed` (what profile(graph) uses).
struct RandomInt8Model {
  QuantizedModel model;
  std::vector<std::int8_t> input;
};
RandomInt8Model random_int8_model(const Graph& graph, std::uint64_t seed);

} // namespace tinynas

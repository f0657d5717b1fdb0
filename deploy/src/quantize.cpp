#include "tinynas/deploy/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "float_reference.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

using float_reference::fold_all;
using float_reference::FoldedOp;
using float_reference::forward_folded;
using float_reference::has_weights;
using float_reference::out_channels;
using float_reference::shape_of;

// Asymmetric int8 parameters covering [lo, hi] (widened to contain 0, as zero must be exact for padding).
TensorQuant activation_quant(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (hi - lo < 1e-6f) hi = lo + 1e-6f;
  TensorQuant q;
  q.scale = (hi - lo) / 255.0f;
  const double zp = std::round(-128.0 - double{lo} / q.scale);
  q.zero_point = static_cast<int>(std::clamp(zp, -128.0, 127.0));
  return q;
}

std::int32_t saturate_int32(double v) {
  return static_cast<std::int32_t>(std::clamp(std::round(v), double{std::numeric_limits<std::int32_t>::min()},
                                              double{std::numeric_limits<std::int32_t>::max()}));
}

void quantize_weighted_op(const Graph& g, const Op& op, const FoldedOp& f, const std::vector<TensorQuant>& tq,
                          QuantizedOp& q) {
  const TensorShape& is = shape_of(g, op.input);
  const int oc = out_channels(g, op);
  const std::size_t per_channel = f.weight.size() / static_cast<std::size_t>(oc);
  const float s_in = tq[static_cast<std::size_t>(op.input)].scale;
  const float s_out = tq[static_cast<std::size_t>(op.output)].scale;
  std::vector<float> scale(static_cast<std::size_t>(oc));
  for (int c = 0; c < oc; ++c) {
    float m = 0;
    for (std::size_t i = 0; i < per_channel; ++i)
      m = std::max(m, std::fabs(f.weight[static_cast<std::size_t>(c) * per_channel + i]));
    scale[static_cast<std::size_t>(c)] = m > 0 ? m / 127.0f : 1.0f;
  }
  auto qw = [&](int c, std::size_t i) {
    const float v = f.weight[static_cast<std::size_t>(c) * per_channel + i] / scale[static_cast<std::size_t>(c)];
    return static_cast<std::int8_t>(std::clamp(std::lround(v), -127L, 127L));
  };
  q.weights.resize(f.weight.size());
  const int k = op.kernel;
  switch (op.type) {
  case OpType::kConv:
  case OpType::kPointwiseConv: // OIHW -> OHWI
    for (int o = 0; o < oc; ++o)
      for (int i = 0; i < is.c; ++i)
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx)
            q.weights[((static_cast<std::size_t>(o) * k + ky) * k + kx) * is.c + i] =
                qw(o, (static_cast<std::size_t>(i) * k + ky) * k + kx);
    break;
  case OpType::kDepthwiseConv: // [c][k][k] -> [k][k][c]
    for (int c = 0; c < oc; ++c)
      for (int t = 0; t < k * k; ++t)
        q.weights[static_cast<std::size_t>(t) * oc + c] = qw(c, static_cast<std::size_t>(t));
    break;
  default: // fully connected: [out][in] as is
    for (int o = 0; o < oc; ++o)
      for (std::size_t i = 0; i < per_channel; ++i) q.weights[static_cast<std::size_t>(o) * per_channel + i] = qw(o, i);
    break;
  }
  q.bias.resize(static_cast<std::size_t>(oc));
  q.multiplier.resize(static_cast<std::size_t>(oc));
  q.shift.resize(static_cast<std::size_t>(oc));
  for (int c = 0; c < oc; ++c) {
    const double acc_scale = double{s_in} * scale[static_cast<std::size_t>(c)];
    q.bias[static_cast<std::size_t>(c)] = saturate_int32(f.bias[static_cast<std::size_t>(c)] / acc_scale);
    quantize_multiplier(acc_scale / s_out, q.multiplier[static_cast<std::size_t>(c)],
                        q.shift[static_cast<std::size_t>(c)]);
  }
  const TensorQuant& out = tq[static_cast<std::size_t>(op.output)];
  if (op.relu6) {
    q.act_min = std::max(-128, out.zero_point);
    q.act_max = static_cast<int>(std::min(127L, out.zero_point + std::lround(6.0 / out.scale)));
  }
}

} // namespace

void quantize_multiplier(double real, std::int32_t& multiplier, std::int32_t& shift) {
  if (!(real > 0)) {
    multiplier = 0;
    shift = 0;
    return;
  }
  int exponent = 0;
  const double fraction = std::frexp(real, &exponent);
  auto fixed = static_cast<std::int64_t>(std::round(fraction * 2147483648.0));
  if (fixed == (std::int64_t{1} << 31)) {
    fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {
    fixed = 0;
    exponent = 0;
  }
  if (exponent > 30) {
    fixed = (std::int64_t{1} << 31) - 1;
    exponent = 30;
  }
  multiplier = static_cast<std::int32_t>(fixed);
  shift = exponent;
}

std::int64_t float_weight_count(const Graph& graph, int index) {
  const Op& op = graph.ops[static_cast<std::size_t>(index)];
  const TensorShape& is = shape_of(graph, op.input);
  const std::int64_t k2 = std::int64_t{op.kernel} * op.kernel;
  switch (op.type) {
  case OpType::kConv:
  case OpType::kPointwiseConv: return std::int64_t{out_channels(graph, op)} * is.c * k2;
  case OpType::kDepthwiseConv: return std::int64_t{is.c} * k2;
  case OpType::kFullyConnected: return std::int64_t{out_channels(graph, op)} * is.elements();
  case OpType::kAdd:
  case OpType::kAvgPool: return 0;
  }
  return 0;
}

FloatWeights random_float_weights(const Graph& graph, Rng& rng) {
  FloatWeights w;
  w.ops.resize(graph.ops.size());
  for (std::size_t o = 0; o < graph.ops.size(); ++o) {
    const Op& op = graph.ops[o];
    if (!has_weights(op.type)) continue;
    const std::int64_t n = float_weight_count(graph, static_cast<int>(o));
    const int oc = out_channels(graph, op);
    const double fan_in = static_cast<double>(n) / oc;
    const double bound = std::sqrt(6.0 / fan_in);
    FloatOpWeights& f = w.ops[o];
    f.weight.resize(static_cast<std::size_t>(n));
    for (float& v : f.weight) v = static_cast<float>((2 * rng.uniform() - 1) * bound);
    f.bias.resize(static_cast<std::size_t>(oc));
    for (float& v : f.bias) v = static_cast<float>((2 * rng.uniform() - 1) * 0.1);
  }
  return w;
}

std::vector<FloatImage> random_images(const Graph& graph, int count, Rng& rng) {
  std::vector<FloatImage> images(static_cast<std::size_t>(count));
  for (FloatImage& img : images) {
    img.resize(static_cast<std::size_t>(shape_of(graph, graph.input).elements()));
    for (float& v : img) v = static_cast<float>(2 * rng.uniform() - 1);
  }
  return images;
}

std::vector<std::vector<float>> float_forward(const Graph& graph, const FloatWeights& weights,
                                              const FloatImage& image) {
  return forward_folded(graph, fold_all(graph, weights), image);
}

QuantizedModel quantize(const Graph& graph, const FloatWeights& weights, const std::vector<FloatImage>& calibration) {
  if (calibration.empty())
    throw Error(ErrorCode::kInvalidArgument, "quantisation needs at least one calibration input");
  const std::vector<FoldedOp> folded = fold_all(graph, weights);
  const std::size_t n = graph.tensors.size();
  std::vector<float> lo(n, std::numeric_limits<float>::max()), hi(n, std::numeric_limits<float>::lowest());
  for (const FloatImage& image : calibration) {
    std::vector<std::vector<float>> t = forward_folded(graph, folded, image);
    for (std::size_t i = 0; i < n; ++i)
      for (float v : t[i]) {
        lo[i] = std::min(lo[i], v);
        hi[i] = std::max(hi[i], v);
      }
  }
  QuantizedModel q;
  q.tensors.resize(n);
  for (std::size_t i = 0; i < n; ++i) q.tensors[i] = activation_quant(lo[i], hi[i]);
  // TF-Lite's int8 average pool requantises nothing: its output has the input's parameters.
  for (const Op& op : graph.ops)
    if (op.type == OpType::kAvgPool)
      q.tensors[static_cast<std::size_t>(op.output)] = q.tensors[static_cast<std::size_t>(op.input)];

  q.ops.resize(graph.ops.size());
  for (std::size_t o = 0; o < graph.ops.size(); ++o) {
    const Op& op = graph.ops[o];
    QuantizedOp& qo = q.ops[o];
    if (has_weights(op.type)) {
      quantize_weighted_op(graph, op, folded[o], q.tensors, qo);
    } else if (op.type == OpType::kAdd) {
      const float s1 = q.tensors[static_cast<std::size_t>(op.input)].scale;
      const float s2 = q.tensors[static_cast<std::size_t>(op.input2)].scale;
      const float so = q.tensors[static_cast<std::size_t>(op.output)].scale;
      qo.left_shift = 20;
      const double twice_max = 2.0 * std::max(s1, s2);
      quantize_multiplier(s1 / twice_max, qo.input1_multiplier, qo.input1_shift);
      quantize_multiplier(s2 / twice_max, qo.input2_multiplier, qo.input2_shift);
      quantize_multiplier(twice_max / (double(1 << qo.left_shift) * so), qo.output_multiplier, qo.output_shift);
    }
  }
  return q;
}

std::vector<std::int8_t> quantize_image(const QuantizedModel& model, const Graph& graph, const FloatImage& image) {
  const TensorQuant& tq = model.tensors[static_cast<std::size_t>(graph.input)];
  if (static_cast<std::int64_t>(image.size()) != shape_of(graph, graph.input).elements())
    throw Error(ErrorCode::kInvalidArgument, "input image has " + std::to_string(image.size()) + " values, expected " +
                                                 std::to_string(shape_of(graph, graph.input).elements()));
  std::vector<std::int8_t> out(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) out[i] = quantize_value(tq, image[i]);
  return out;
}

std::int8_t quantize_value(const TensorQuant& quant, float real) {
  return static_cast<std::int8_t>(std::clamp(std::lround(real / quant.scale) + quant.zero_point, -128L, 127L));
}

RandomInt8Model random_int8_model(const Graph& graph, std::uint64_t seed) {
  Rng rng(seed);
  const FloatWeights weights = random_float_weights(graph, rng);
  const std::vector<FloatImage> images = random_images(graph, 5, rng);
  RandomInt8Model r;
  r.model = quantize(graph, weights, std::vector<FloatImage>(images.begin(), images.begin() + 4));
  r.input = quantize_image(r.model, graph, images[4]);
  return r;
}

} // namespace tinynas

#include "float_reference.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "tinynas/space/error.hpp"

namespace tinynas::float_reference {

namespace {

std::string op_label(const Graph& g, int op) { return "op " + std::to_string(op) + " (" + g.op_name(op) + ")"; }

void check_size(const Graph& g, int op, const char* what, std::size_t got, std::size_t want) {
  if (got != want)
    throw Error(ErrorCode::kInvalidArgument, op_label(g, op) + ": " + what + " has " + std::to_string(got) +
                                                 " values, expected " + std::to_string(want));
}

FoldedOp fold(const Graph& g, int index, const FloatOpWeights& w) {
  const Op& op = g.ops[static_cast<std::size_t>(index)];
  FoldedOp f;
  if (!has_weights(op.type)) return f;
  const auto channels = static_cast<std::size_t>(out_channels(g, op));
  check_size(g, index, "weight", w.weight.size(), static_cast<std::size_t>(float_weight_count(g, index)));
  if (!w.bias.empty()) check_size(g, index, "bias", w.bias.size(), channels);
  const bool bn = !w.bn_gamma.empty() || !w.bn_beta.empty() || !w.bn_mean.empty() || !w.bn_var.empty();
  if (bn) {
    check_size(g, index, "bn_gamma", w.bn_gamma.size(), channels);
    check_size(g, index, "bn_beta", w.bn_beta.size(), channels);
    check_size(g, index, "bn_mean", w.bn_mean.size(), channels);
    check_size(g, index, "bn_var", w.bn_var.size(), channels);
  }
  f.weight = w.weight;
  f.bias.assign(channels, 0.0f);
  if (!w.bias.empty()) f.bias = w.bias;
  const std::size_t per_channel = f.weight.size() / channels;
  if (bn) {
    for (std::size_t c = 0; c < channels; ++c) {
      const float factor = w.bn_gamma[c] / std::sqrt(w.bn_var[c] + w.bn_eps);
      for (std::size_t i = 0; i < per_channel; ++i) f.weight[c * per_channel + i] *= factor;
      f.bias[c] = w.bn_beta[c] + (f.bias[c] - w.bn_mean[c]) * factor;
    }
  }
  if (op.type != OpType::kFullyConnected) { // [out][per_channel] -> [per_channel][out], per_channel = [in][ky][kx]
    const auto k2 = static_cast<std::size_t>(op.kernel) * static_cast<std::size_t>(op.kernel);
    const std::size_t in = per_channel / k2;
    f.weight_by_tap.resize(f.weight.size());
    for (std::size_t o = 0; o < channels; ++o)
      for (std::size_t i = 0; i < in; ++i)
        for (std::size_t t = 0; t < k2; ++t)
          f.weight_by_tap[(t * in + i) * channels + o] = f.weight[(o * in + i) * k2 + t];
  }
  return f;
}

float relu6_if(const Op& op, float v) { return op.relu6 ? std::min(std::max(v, 0.0f), 6.0f) : v; }

std::vector<float> forward_op(const Graph& g, const Op& op, const FoldedOp& f,
                              const std::vector<std::vector<float>>& t) {
  const TensorShape& is = shape_of(g, op.input);
  const TensorShape& os = shape_of(g, op.output);
  const std::vector<float>& in = t[static_cast<std::size_t>(op.input)];
  std::vector<float> out(static_cast<std::size_t>(os.elements()), 0.0f);
  switch (op.type) {
  case OpType::kConv:
  case OpType::kPointwiseConv:
  case OpType::kDepthwiseConv: {
    // Every output channel sums its terms in the order ky, kx, input channel, in double: the same sums as one
    // channel at a time, with the channel loop innermost.
    const bool dw = op.type == OpType::kDepthwiseConv;
    const int k = op.kernel;
    const auto oc = static_cast<std::size_t>(os.c);
    const std::size_t in_per_tap = dw ? 1 : static_cast<std::size_t>(is.c);
    std::vector<double> acc(oc);
    for (int y = 0; y < os.h; ++y)
      for (int x = 0; x < os.w; ++x) {
        std::copy(f.bias.begin(), f.bias.end(), acc.begin());
        for (int ky = 0; ky < k; ++ky) {
          const int iy = y * op.stride - op.pad + ky;
          if (iy < 0 || iy >= is.h) continue;
          for (int kx = 0; kx < k; ++kx) {
            const int ix = x * op.stride - op.pad + kx;
            if (ix < 0 || ix >= is.w) continue;
            const float* pixel = &in[(static_cast<std::size_t>(iy) * is.w + ix) * is.c];
            const float* w = &f.weight_by_tap[static_cast<std::size_t>(ky * k + kx) * in_per_tap * oc];
            if (dw) {
              for (std::size_t c = 0; c < oc; ++c) acc[c] += double{pixel[c]} * w[c];
            } else {
              for (std::size_t i = 0; i < in_per_tap; ++i, w += oc) {
                const double v = pixel[i];
                for (std::size_t o = 0; o < oc; ++o) acc[o] += v * w[o];
              }
            }
          }
        }
        float* o = &out[(static_cast<std::size_t>(y) * os.w + x) * oc];
        for (std::size_t c = 0; c < oc; ++c) o[c] = relu6_if(op, static_cast<float>(acc[c]));
      }
    break;
  }
  case OpType::kFullyConnected: {
    const std::size_t n = in.size();
    for (int o = 0; o < os.c; ++o) {
      double acc = f.bias[static_cast<std::size_t>(o)];
      for (std::size_t i = 0; i < n; ++i) acc += double{in[i]} * f.weight[static_cast<std::size_t>(o) * n + i];
      out[static_cast<std::size_t>(o)] = relu6_if(op, static_cast<float>(acc));
    }
    break;
  }
  case OpType::kAdd: {
    const std::vector<float>& in2 = t[static_cast<std::size_t>(op.input2)];
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = relu6_if(op, in[i] + in2[i]);
    break;
  }
  case OpType::kAvgPool: {
    const int count = is.h * is.w;
    for (int c = 0; c < is.c; ++c) {
      double sum = 0;
      for (int p = 0; p < count; ++p) sum += in[static_cast<std::size_t>(p) * is.c + c];
      out[static_cast<std::size_t>(c)] = static_cast<float>(sum / count);
    }
    break;
  }
  }
  return out;
}

} // namespace

std::vector<std::vector<float>> forward_folded(const Graph& g, const std::vector<FoldedOp>& folded,
                                               const FloatImage& image) {
  if (static_cast<std::int64_t>(image.size()) != shape_of(g, g.input).elements())
    throw Error(ErrorCode::kInvalidArgument, "input image has " + std::to_string(image.size()) +
                                                 " values, the network expects " +
                                                 std::to_string(shape_of(g, g.input).elements()));
  std::vector<std::vector<float>> t(g.tensors.size());
  t[static_cast<std::size_t>(g.input)] = image;
  for (std::size_t o = 0; o < g.ops.size(); ++o)
    t[static_cast<std::size_t>(g.ops[o].output)] = forward_op(g, g.ops[o], folded[o], t);
  return t;
}

std::vector<FoldedOp> fold_all(const Graph& g, const FloatWeights& w) {
  if (w.ops.size() != g.ops.size())
    throw Error(ErrorCode::kInvalidArgument, "float weights have " + std::to_string(w.ops.size()) +
                                                 " ops, the network has " + std::to_string(g.ops.size()));
  std::vector<FoldedOp> folded;
  folded.reserve(g.ops.size());
  for (std::size_t o = 0; o < g.ops.size(); ++o) folded.push_back(fold(g, static_cast<int>(o), w.ops[o]));
  return folded;
}

} // namespace tinynas::float_reference

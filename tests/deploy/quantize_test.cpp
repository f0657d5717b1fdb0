// Quantisation: TF-Lite's multiplier encoding by hand, PyTorch-layout weights turned into the firmware's
// layouts, BN folding, errors that name the op, and int8 outputs that follow the float network.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../test_networks.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

TEST(Quantize, MultiplierEncodingByHand) {
  std::int32_t m = 0, s = 0;
  quantize_multiplier(0.5, m, s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  quantize_multiplier(0.25, m, s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -1);
  quantize_multiplier(1.0, m, s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  quantize_multiplier(0.75, m, s);
  EXPECT_EQ(m, 1610612736); // 0.75 * 2^31
  EXPECT_EQ(s, 0);
  quantize_multiplier(0.0, m, s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  quantize_multiplier(std::ldexp(0.9999999999, -1), m, s); // rounds up to 2^31: renormalised
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
}

TEST(Quantize, ConvWeightsGoFromOihwToOhwi) {
  const Graph g = test::one_op(OpType::kConv, {3, 3, 2}, 2, 3, 1, false);
  FloatWeights w;
  w.ops.resize(1);
  // weight[o][i][ky][kx] = distinct values, all of one channel the same magnitude scale (max 127 after
  // scaling)
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 2; ++i)
      for (int t = 0; t < 9; ++t) w.ops[0].weight.push_back(static_cast<float>(o * 100 + i * 10 + t + 1));
  const QuantizedModel q = quantize(g, w, {FloatImage(18, 0.5f)});
  // channel 0's max |w| is 19 -> scale 19/127; OHWI index of (o=0, ky=1, kx=2, i=1) = ((0*3+1)*3+2)*2+1 = 11
  EXPECT_EQ(q.ops[0].weights[11], static_cast<std::int8_t>(std::lround((10 + 5 + 1) * 127.0 / 19.0)));
  // o=1, ky=0, kx=0, i=0 -> index 18; value 101 of max 119
  EXPECT_EQ(q.ops[0].weights[18], static_cast<std::int8_t>(std::lround(101 * 127.0 / 119.0)));
}

TEST(Quantize, DepthwiseWeightsGoFromCkkToKkc) {
  const Graph g = test::one_op(OpType::kDepthwiseConv, {4, 4, 3}, 3, 3, 1, false);
  FloatWeights w;
  w.ops.resize(1);
  for (int c = 0; c < 3; ++c)
    for (int t = 0; t < 9; ++t) w.ops[0].weight.push_back(t == 8 ? 1.0f : 0.0f); // only the last tap
  const QuantizedModel q = quantize(g, w, {FloatImage(48, 1.0f)});
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(q.ops[0].weights[static_cast<std::size_t>(8 * 3 + c)], 127); // [ky=2][kx=2][c]
    EXPECT_EQ(q.ops[0].weights[static_cast<std::size_t>(c)], 0);
  }
}

TEST(Quantize, BatchNormIsFoldedIntoWeightsAndBias) {
  const Graph g = test::one_op(OpType::kPointwiseConv, {2, 2, 1}, 1, 1, 1, false);
  FloatWeights plain, with_bn;
  plain.ops.resize(1);
  with_bn.ops.resize(1);
  with_bn.ops[0].weight = {2.0f};
  with_bn.ops[0].bn_gamma = {3.0f};
  with_bn.ops[0].bn_beta = {0.5f};
  with_bn.ops[0].bn_mean = {1.0f};
  with_bn.ops[0].bn_var = {4.0f - 1e-5f};
  // folded: w = 2 * 3 / 2 = 3, b = 0.5 - 1 * 3 / 2 = -1
  plain.ops[0].weight = {3.0f};
  plain.ops[0].bias = {-1.0f};
  const FloatImage x = {1.0f, -2.0f, 0.25f, 4.0f};
  const auto a = float_forward(g, with_bn, x)[1];
  const auto b = float_forward(g, plain, x)[1];
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST(Quantize, MismatchedWeightsNameTheOp) {
  const Graph g = lower_to_graph(test::small_net());
  Rng rng(1);
  FloatWeights w = random_float_weights(g, rng);
  w.ops[4].weight.pop_back();
  try {
    quantize(g, w, random_images(g, 1, rng));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("op 4 (" + g.op_name(4) + ")"), std::string::npos) << e.what();
  }
}

TEST(Quantize, Relu6BecomesAClampAndPoolKeepsItsInputQuantisation) {
  const Graph g = lower_to_graph(test::small_net());
  Rng rng(2);
  const QuantizedModel q = quantize(g, random_float_weights(g, rng), random_images(g, 4, rng));
  for (std::size_t o = 0; o < g.ops.size(); ++o) {
    const Op& op = g.ops[o];
    const TensorQuant& out = q.tensors[static_cast<std::size_t>(op.output)];
    if (op.relu6) {
      EXPECT_EQ(q.ops[o].act_min, std::max(-128, out.zero_point)) << g.op_name(static_cast<int>(o));
      EXPECT_EQ(q.ops[o].act_max, std::min(127L, out.zero_point + std::lround(6.0 / out.scale)));
    }
    if (op.type == OpType::kAvgPool) {
      EXPECT_EQ(out.scale, q.tensors[static_cast<std::size_t>(op.input)].scale);
      EXPECT_EQ(out.zero_point, q.tensors[static_cast<std::size_t>(op.input)].zero_point);
    }
  }
}

// The int8 network computes what the float one does, to within quantisation error: on inputs inside the
// calibrated ranges (the calibration images; others may be clipped), the dequantised logits of the host
// runtime stay within a few output steps of the float logits.
TEST(Quantize, Int8OutputFollowsTheFloatNetwork) {
  const Graph g = lower_to_graph(test::small_net());
  Rng rng(3);
  const FloatWeights w = random_float_weights(g, rng);
  const std::vector<FloatImage> images = random_images(g, 8, rng);
  const QuantizedModel q = quantize(g, w, images);
  const ModelBlob blob = write_model_blob(g, q);
  const TensorQuant& oq = q.tensors[static_cast<std::size_t>(g.output)];
  double worst = 0, range = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::vector<float> expected = float_forward(g, w, images[i])[static_cast<std::size_t>(g.output)];
    const HostRunResult r = run_blob_on_host(blob.bytes, quantize_image(q, g, images[i]));
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const double got = double{oq.scale} * (r.output[k] - oq.zero_point);
      worst = std::max(worst, std::fabs(got - expected[k]));
      range = std::max(range, static_cast<double>(std::fabs(expected[k])));
    }
  }
  EXPECT_LT(worst, 0.05 * range + 4 * oq.scale) << "worst |int8 - float| " << worst << " of range " << range;
}

} // namespace
} // namespace tinynas

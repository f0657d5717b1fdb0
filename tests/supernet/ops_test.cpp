// Every op of the engine: forward against a naive double-precision reference written in PyTorch's
// NCHW terms (independent of the engine's [C][H][W][N] layout and kernels), backward against
// finite differences.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradient_check.hpp"
#include "ops/batch_norm.hpp"
#include "ops/conv2d.hpp"
#include "ops/depthwise.hpp"
#include "ops/elementwise.hpp"
#include "ops/linear.hpp"
#include "ops/pointwise.hpp"
#include "ops/pooling.hpp"
#include "ops/resize.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace tinynas::engine {
namespace {

using test::expect_gradient;
using test::random_values;
using test::weighted_sum;

// Index of (c, h, w, n) in the engine's layout and of (n, c, h, w) in NCHW.
std::size_t chwn(int c, int h, int w, int n, int H, int W, int N) {
  return ((static_cast<std::size_t>(c) * H + h) * W + w) * N + n;
}

// Naive conv, groups = 1 or C, in double: out[n][co][ho][wo].
std::vector<double> reference_conv(const ConvShape& s, const std::vector<float>& in, const std::vector<float>& w,
                                   bool depthwise) {
  std::vector<double> out(static_cast<std::size_t>(s.out_channels) * s.out_h * s.out_w * s.batch, 0.0);
  const int cin_per_group = depthwise ? 1 : s.in_channels;
  for (int n = 0; n < s.batch; ++n)
    for (int co = 0; co < s.out_channels; ++co)
      for (int ho = 0; ho < s.out_h; ++ho)
        for (int wo = 0; wo < s.out_w; ++wo) {
          double acc = 0;
          for (int g = 0; g < cin_per_group; ++g) {
            const int ci = depthwise ? co : g;
            for (int ky = 0; ky < s.kernel; ++ky)
              for (int kx = 0; kx < s.kernel; ++kx) {
                const int hi = ho * s.stride - s.pad + ky, wi = wo * s.stride - s.pad + kx;
                if (hi < 0 || hi >= s.in_h || wi < 0 || wi >= s.in_w) continue;
                const double x = in[chwn(ci, hi, wi, n, s.in_h, s.in_w, s.batch)];
                const double k =
                    w[((static_cast<std::size_t>(co) * cin_per_group + g) * s.kernel + ky) * s.kernel + kx];
                acc += x * k;
              }
          }
          out[chwn(co, ho, wo, n, s.out_h, s.out_w, s.batch)] = acc;
        }
  return out;
}

void expect_near_all(const std::vector<double>& want, const float* got, double tol, const std::string& what) {
  int bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (std::abs(want[i] - got[i]) > tol * (1 + std::abs(want[i])) && ++bad <= 5)
      ADD_FAILURE() << what << "[" << i << "]: " << got[i] << " != " << want[i];
  EXPECT_EQ(bad, 0);
}

struct ConvCase {
  int channels_in, channels_out, size, kernel, stride, batch;
};

class DepthwiseTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(DepthwiseTest, ForwardMatchesNaiveAndBackwardMatchesFiniteDifferences) {
  const ConvCase c = GetParam();
  const ConvShape s = same_conv(c.channels_in, c.channels_in, c.size, c.kernel, c.stride, c.batch);
  std::vector<float> x = random_values(static_cast<std::size_t>(c.channels_in) * s.in_plane(), 1);
  std::vector<float> w = random_values(static_cast<std::size_t>(c.channels_in) * c.kernel * c.kernel, 2);
  std::vector<float> y(static_cast<std::size_t>(c.channels_in) * s.out_plane());
  depthwise_forward(s, x.data(), w.data(), y.data());
  expect_near_all(reference_conv(s, x, w, true), y.data(), 1e-5, "depthwise");

  const std::vector<float> r = random_values(y.size(), 3);
  std::vector<float> dx(x.size()), dw(w.size(), 0.0f);
  depthwise_backward(s, x.data(), w.data(), r.data(), dx.data(), dw.data());
  auto loss = [&] {
    depthwise_forward(s, x.data(), w.data(), y.data());
    return weighted_sum(y.data(), r);
  };
  expect_gradient("dx", loss, x.data(), x.size(), dx.data(), 1e-2, 1e-3, 1e-3);
  expect_gradient("dw", loss, w.data(), w.size(), dw.data(), 1e-2, 1e-3, 1e-3);
}

// Batches of 3, 8, 13, 19 and 70 cover the scalar tail, the 8- and 16-lane tiles and their mixes;
// widths of 5, 7 and 14 outputs cover full and partial 4-output tiles.
INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseTest,
                         ::testing::Values(ConvCase{3, 3, 5, 3, 1, 3}, ConvCase{2, 2, 7, 7, 2, 8},
                                           ConvCase{4, 4, 6, 5, 2, 13}, ConvCase{2, 2, 4, 7, 1, 70},
                                           ConvCase{2, 2, 9, 3, 2, 8}, ConvCase{3, 3, 14, 5, 1, 19},
                                           // kernel 9 takes the generic (untiled) path
                                           ConvCase{2, 2, 6, 9, 1, 8}, ConvCase{2, 2, 8, 9, 2, 5}));

class DenseConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(DenseConvTest, ForwardMatchesNaiveAndBackwardMatchesFiniteDifferences) {
  const ConvCase c = GetParam();
  const ConvShape s = same_conv(c.channels_in, c.channels_out, c.size, c.kernel, c.stride, c.batch);
  std::vector<float> x = random_values(static_cast<std::size_t>(c.channels_in) * s.in_plane(), 4);
  std::vector<float> w =
      random_values(static_cast<std::size_t>(c.channels_out) * c.channels_in * c.kernel * c.kernel, 5);
  std::vector<float> y(static_cast<std::size_t>(c.channels_out) * s.out_plane());
  std::vector<float> scratch(static_cast<std::size_t>(conv2d_scratch_floats(s)));
  conv2d_forward(s, x.data(), w.data(), y.data(), scratch.data());
  expect_near_all(reference_conv(s, x, w, false), y.data(), 1e-5, "conv2d");

  const std::vector<float> r = random_values(y.size(), 6);
  std::vector<float> dx(x.size()), dw(w.size(), 0.0f);
  conv2d_backward(s, x.data(), w.data(), r.data(), dx.data(), dw.data(), scratch.data());
  auto loss = [&] {
    conv2d_forward(s, x.data(), w.data(), y.data(), scratch.data());
    return weighted_sum(y.data(), r);
  };
  expect_gradient("dx", loss, x.data(), x.size(), dx.data(), 1e-2, 1e-3, 1e-3);
  expect_gradient("dw", loss, w.data(), w.size(), dw.data(), 1e-2, 1e-3, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseConvTest,
                         ::testing::Values(ConvCase{1, 4, 6, 3, 1, 5}, ConvCase{3, 5, 7, 3, 2, 4},
                                           ConvCase{2, 3, 5, 5, 1, 9}));

TEST(PointwiseTest, SlicedWeightsForwardAndBackward) {
  // A 3x4 slice of a stored 6x7 matrix: only that block is read, only that block's gradient moves.
  const int cin = 4, cout = 3, ld = 7;
  const std::int64_t pixels = 2 * 3 * 5;
  PointwiseShape s{cin, cout, pixels, ld};
  std::vector<float> x = random_values(static_cast<std::size_t>(cin * pixels), 7);
  std::vector<float> w = random_values(6 * ld, 8);
  std::vector<float> y(static_cast<std::size_t>(cout * pixels));
  pointwise_forward(s, x.data(), w.data(), y.data());
  for (int o = 0; o < cout; ++o)
    for (std::int64_t p = 0; p < pixels; ++p) {
      double want = 0;
      for (int i = 0; i < cin; ++i) want += static_cast<double>(w[o * ld + i]) * x[i * pixels + p];
      EXPECT_NEAR(y[o * pixels + p], want, 1e-5);
    }
  const std::vector<float> r = random_values(y.size(), 9);
  std::vector<float> dx(x.size()), dw(w.size(), 0.0f);
  std::vector<float> scratch(static_cast<std::size_t>(pointwise_scratch_floats(s)));
  pointwise_backward(s, x.data(), w.data(), r.data(), dx.data(), dw.data(), scratch.data());
  auto loss = [&] {
    pointwise_forward(s, x.data(), w.data(), y.data());
    return weighted_sum(y.data(), r);
  };
  expect_gradient("dx", loss, x.data(), x.size(), dx.data(), 1e-2, 1e-3, 1e-3);
  expect_gradient("dw", loss, w.data(), w.size(), dw.data(), 1e-2, 1e-3, 1e-3);
  for (int o = 0; o < 6; ++o)
    for (int i = 0; i < ld; ++i)
      if (o >= cout || i >= cin) {
        EXPECT_EQ(dw[o * ld + i], 0.0f) << "outside the slice";
      }
}

TEST(PointwiseTest, LargeReductionIsChunkedAndStillExact) {
  // 40000 pixels: the weight gradient is reduced in several fixed chunks.
  const int cin = 5, cout = 4;
  const std::int64_t pixels = 40000;
  PointwiseShape s{cin, cout, pixels, cin};
  std::vector<float> x = random_values(static_cast<std::size_t>(cin * pixels), 10);
  std::vector<float> w = random_values(static_cast<std::size_t>(cout * cin), 11);
  std::vector<float> dy = random_values(static_cast<std::size_t>(cout * pixels), 12);
  std::vector<float> dw(w.size(), 0.0f), scratch(static_cast<std::size_t>(pointwise_scratch_floats(s)));
  pointwise_backward(s, x.data(), w.data(), dy.data(), nullptr, dw.data(), scratch.data());
  for (int o = 0; o < cout; ++o)
    for (int i = 0; i < cin; ++i) {
      double want = 0;
      for (std::int64_t p = 0; p < pixels; ++p) want += static_cast<double>(dy[o * pixels + p]) * x[i * pixels + p];
      EXPECT_NEAR(dw[o * cin + i], want, 1e-3 * (1 + std::abs(want)));
    }
}

struct BnCase {
  Activation act;
  int batch;
};

class BatchNormTest : public ::testing::TestWithParam<BnCase> {};

TEST_P(BatchNormTest, TrainingModeMatchesFormulaAndFiniteDifferences) {
  const BnCase c = GetParam();
  const int channels = 3;
  const std::int64_t plane = 4 * 4 * c.batch;
  BatchNormShape s{channels, plane, 1e-5f, c.act};
  std::vector<float> z = random_values(static_cast<std::size_t>(channels * plane), 13, -2.0f, 3.0f);
  std::vector<float> gamma = {1.5f, 0.7f, 2.0f}, beta = {2.0f, 0.1f, 3.5f};
  std::vector<float> y(z.size()), mean(3), var(3), invstd(3);
  batch_norm_train_forward(s, z.data(), gamma.data(), beta.data(), y.data(), mean.data(), var.data(), invstd.data());
  for (int ch = 0; ch < channels; ++ch) {
    double m = 0, v = 0;
    for (std::int64_t i = 0; i < plane; ++i) m += z[ch * plane + i];
    m /= static_cast<double>(plane);
    for (std::int64_t i = 0; i < plane; ++i) v += (z[ch * plane + i] - m) * (z[ch * plane + i] - m);
    v /= static_cast<double>(plane);
    EXPECT_NEAR(mean[ch], m, 1e-5);
    EXPECT_NEAR(var[ch], v, 1e-4);
    for (std::int64_t i = 0; i < plane; ++i) {
      double want = gamma[ch] * (z[ch * plane + i] - m) / std::sqrt(v + 1e-5) + beta[ch];
      if (c.act == Activation::kRelu6) want = std::min(std::max(want, 0.0), 6.0);
      ASSERT_NEAR(y[ch * plane + i], want, 1e-4);
    }
  }
  // Inference mode with the batch's own statistics reproduces training mode.
  std::vector<float> y2(z.size());
  batch_norm_inference_forward(s, z.data(), gamma.data(), beta.data(), mean.data(), var.data(), y2.data());
  for (std::size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y2[i], y[i], 1e-4);

  const std::vector<float> r = random_values(y.size(), 14);
  std::vector<float> dz(z.size()), dgamma(3, 0.0f), dbeta(3, 0.0f);
  batch_norm_backward(s, z.data(), y.data(), gamma.data(), mean.data(), invstd.data(), r.data(), dz.data(),
                      dgamma.data(), dbeta.data());
  auto loss = [&] {
    batch_norm_train_forward(s, z.data(), gamma.data(), beta.data(), y.data(), mean.data(), var.data(), invstd.data());
    return weighted_sum(y.data(), r);
  };
  // Entries whose own pre-activation lies within reach of a ReLU6 kink (0 or 6) are skipped: a
  // finite difference across a kink measures neither side's derivative.
  auto near_kink = [&](std::size_t i) {
    if (c.act != Activation::kRelu6) return false;
    const auto ch = static_cast<std::size_t>(static_cast<std::int64_t>(i) / plane);
    const double u = gamma[ch] * (z[i] - mean[ch]) * invstd[ch] + beta[ch];
    const double reach = 3e-2 * gamma[ch] * invstd[ch];
    return std::abs(u) < reach || std::abs(u - 6.0) < reach;
  };
  expect_gradient("dz", loss, z.data(), z.size(), dz.data(), 1e-2, 2e-2, 2e-3, 400, near_kink);
  expect_gradient("dgamma", loss, gamma.data(), 3, dgamma.data(), 1e-3, 2e-2, 2e-3);
  expect_gradient("dbeta", loss, beta.data(), 3, dbeta.data(), 1e-3, 2e-2, 2e-3);
}

INSTANTIATE_TEST_SUITE_P(Activations, BatchNormTest,
                         ::testing::Values(BnCase{Activation::kNone, 5}, BnCase{Activation::kRelu6, 5},
                                           BnCase{Activation::kRelu6, 16}));

TEST(ElementwiseTest, Relu6AndAdd) {
  std::vector<float> x = {-1.0f, 0.5f, 3.0f, 5.9f, 6.5f, 100.0f, -0.1f};
  std::vector<float> y(x.size());
  relu6_forward(static_cast<std::int64_t>(x.size()), x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{0.0f, 0.5f, 3.0f, 5.9f, 6.0f, 6.0f, 0.0f}));
  std::vector<float> dy(x.size(), 2.0f), dx(x.size());
  relu6_backward(static_cast<std::int64_t>(x.size()), x.data(), dy.data(), dx.data());
  EXPECT_EQ(dx, (std::vector<float>{0.0f, 2.0f, 2.0f, 2.0f, 0.0f, 0.0f, 0.0f}));
  // Finite differences away from the kinks.
  std::vector<float> v = random_values(50, 15, 0.1f, 5.9f);
  std::vector<float> r = random_values(50, 16), out(50), g(50);
  relu6_backward(50, v.data(), r.data(), g.data());
  auto loss = [&] {
    relu6_forward(50, v.data(), out.data());
    return weighted_sum(out.data(), r);
  };
  expect_gradient("relu6", loss, v.data(), 50, g.data(), 1e-3, 1e-3, 1e-4);

  std::vector<float> a = {1, 2, 3}, b = {10, 20, 30}, sum(3);
  add_forward(3, a.data(), b.data(), sum.data());
  EXPECT_EQ(sum, (std::vector<float>{11, 22, 33}));
  accumulate(3, a.data(), sum.data());
  EXPECT_EQ(sum, (std::vector<float>{12, 24, 36}));
}

TEST(PoolingTest, GlobalAveragePool) {
  // 2 channels, 2x2 pixels, batch 3: out[c][n] = mean over pixels.
  const int c = 2, px = 4, n = 3;
  std::vector<float> x(static_cast<std::size_t>(c * px * n));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  std::vector<float> y(static_cast<std::size_t>(c * n));
  global_avg_pool_forward(c, px, n, x.data(), y.data());
  // channel 0, image 0: x[0], x[3], x[6], x[9] -> 4.5; channel 1, image 2: 14, 17, 20, 23 -> 18.5
  EXPECT_FLOAT_EQ(y[0], 4.5f);
  EXPECT_FLOAT_EQ(y[5], 18.5f);
  std::vector<float> r = random_values(y.size(), 17), g(x.size());
  global_avg_pool_backward(c, px, n, r.data(), g.data());
  auto loss = [&] {
    global_avg_pool_forward(c, px, n, x.data(), y.data());
    return weighted_sum(y.data(), r);
  };
  expect_gradient("pool", loss, x.data(), x.size(), g.data(), 1e-2, 1e-3, 1e-4);
}

TEST(LinearTest, ForwardAndBackward) {
  LinearShape s{5, 3, 4, 6}; // W is 3 x 5 inside rows of 6
  std::vector<float> x = random_values(20, 18), w = random_values(18, 19), b = {0.5f, -1.0f, 2.0f};
  std::vector<float> y(12);
  linear_forward(s, x.data(), w.data(), b.data(), y.data());
  for (int o = 0; o < 3; ++o)
    for (int n = 0; n < 4; ++n) {
      double want = b[o];
      for (int i = 0; i < 5; ++i) want += static_cast<double>(w[o * 6 + i]) * x[i * 4 + n];
      EXPECT_NEAR(y[o * 4 + n], want, 1e-5);
    }
  std::vector<float> r = random_values(12, 20), dx(20), dw(18, 0.0f), db(3, 0.0f);
  linear_backward(s, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data());
  auto loss = [&] {
    linear_forward(s, x.data(), w.data(), b.data(), y.data());
    return weighted_sum(y.data(), r);
  };
  expect_gradient("dx", loss, x.data(), 20, dx.data(), 1e-2, 1e-3, 1e-4);
  expect_gradient("dw", loss, w.data(), 18, dw.data(), 1e-2, 1e-3, 1e-4);
  expect_gradient("db", loss, b.data(), 3, db.data(), 1e-2, 1e-3, 1e-4);
}

TEST(SoftmaxCrossEntropyTest, HandComputedValuesAndGradient) {
  // One image, logits (0, ln 2, ln 3): softmax (1/6, 2/6, 3/6); label 2 -> loss ln 2.
  std::vector<float> logits = {0.0f, std::log(2.0f), std::log(3.0f)};
  std::vector<std::uint8_t> label = {2};
  std::vector<float> target(3), d(3);
  one_hot_targets(3, 1, label.data(), 0.0f, target.data());
  EXPECT_NEAR(softmax_cross_entropy(3, 1, logits.data(), target.data(), 1.0f, d.data()), std::log(2.0), 1e-6);
  EXPECT_NEAR(d[0], 1.0 / 6, 1e-6);
  EXPECT_NEAR(d[1], 2.0 / 6, 1e-6);
  EXPECT_NEAR(d[2], 3.0 / 6 - 1, 1e-6);
  // Label smoothing 0.3 over 3 classes: targets 0.1, 0.1, 0.8.
  one_hot_targets(3, 1, label.data(), 0.3f, target.data());
  EXPECT_NEAR(target[0], 0.1f, 1e-7);
  EXPECT_NEAR(target[2], 0.8f, 1e-7);
  EXPECT_EQ(count_correct(3, 1, logits.data(), label.data()), 1);

  // Soft targets (distillation), batch of 4 in [K][N] layout, against finite differences.
  const int k = 5, n = 4;
  std::vector<float> z = random_values(20, 21, -3.0f, 3.0f), teacher_logits = random_values(20, 22), t(20), g(20);
  softmax(k, n, teacher_logits.data(), t.data());
  for (int j = 0; j < n; ++j) {
    double col = 0;
    for (int c = 0; c < k; ++c) col += t[c * n + j];
    EXPECT_NEAR(col, 1.0, 1e-6);
  }
  softmax_cross_entropy(k, n, z.data(), t.data(), 0.5f, g.data());
  auto loss = [&] { return 0.5 * softmax_cross_entropy(k, n, z.data(), t.data(), 1.0f, nullptr); };
  expect_gradient("dlogits", loss, z.data(), 20, g.data(), 1e-3, 1e-3, 1e-5);
}

TEST(ResizeTest, BilinearMatchesPyTorchHalfPixelRule) {
  // 1 channel 2x2 -> 4x4, batch 1, align_corners=False: PyTorch gives rows
  // [0, .25, .75, 1] * (1 0; 0 0)... checked on the first row: x = [0, 1; 2, 3].
  std::vector<float> in = {0, 1, 2, 3}, out(16);
  resize_bilinear(1, 2, 2, 1, in.data(), 4, 4, out.data());
  // F.interpolate(torch.tensor([[[[0.,1.],[2.,3.]]]]), size=4, mode='bilinear', align_corners=False)
  const std::vector<float> want = {0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,
                                   1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f};
  for (int i = 0; i < 16; ++i)
    EXPECT_NEAR(out[static_cast<std::size_t>(i)], want[static_cast<std::size_t>(i)], 1e-6) << i;
  // Downscaling 4x4 -> 2x2 averages the 2x2 blocks' centres: value at (0.5, 0.5) of each block.
  std::vector<float> big(16), small(4);
  for (int i = 0; i < 16; ++i) big[static_cast<std::size_t>(i)] = static_cast<float>(i);
  resize_bilinear(1, 4, 4, 1, big.data(), 2, 2, small.data());
  EXPECT_NEAR(small[0], 2.5f, 1e-6);  // mean of 0, 1, 4, 5
  EXPECT_NEAR(small[3], 12.5f, 1e-6); // mean of 10, 11, 14, 15
}

} // namespace
} // namespace tinynas::engine

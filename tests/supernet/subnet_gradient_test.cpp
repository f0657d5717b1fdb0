// Whole subnets of the tiny space against finite differences: the gradient of the training loss
// (BN in training mode, softmax cross-entropy) with respect to every kind of parameter, through
// residual blocks, stride 2, sliced expand ratios, cropped kernels and (OFA mode) the kernel
// transform matrices.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "executor.hpp"
#include "gradient_check.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "supernet_impl.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::engine {
namespace {

// Loss of `arch` on a fixed batch, and its analytic gradient.
struct Problem {
  Supernet supernet;
  Arch arch;
  int batch = 4;
  std::vector<float> input;
  std::vector<std::uint8_t> labels;
  Workspace ws;
  std::vector<float> target;

  Problem(KernelTransform mode, Arch a) : supernet(test::tiny_space(), 1.0, 5, mode), arch(std::move(a)) {
    input = test::random_values(static_cast<std::size_t>(arch.resolution * arch.resolution * batch), 31);
    labels = {0, 2, 1, 2};
    target.resize(static_cast<std::size_t>(3 * batch));
    one_hot_targets(3, batch, labels.data(), 0.1f, target.data());
  }
  Supernet::Impl& net() { return supernet.impl(); }

  double loss() {
    build_plan(net().layout, arch, batch, ws.plan);
    ws.prepare(ws.plan, RunMode::kTrain);
    const float* logits = run_forward(net().layout, net().params.data(), input.data(), ws);
    return softmax_cross_entropy(3, batch, logits, target.data(), 1.0f, ws.dlogits);
  }
  std::vector<float> gradient() {
    loss();
    std::vector<float> g(static_cast<std::size_t>(net().layout.total), 0.0f);
    run_backward(net().layout, net().params.data(), ws, g.data());
    return g;
  }
};

Arch mixed_arch(const SearchSpace& space) {
  // Stage 0: 2 blocks (stride 2, then residual), kernel 5 then 3, expand 3 then 2;
  // stage 1: 3 residual blocks with kernels 7, 3, 5 and expands 4, 2, 4.
  Arch a = largest_arch(space, 1.0, 8);
  a.stages[0] = {2, {5, 3}, {3, 2}};
  a.stages[1] = {3, {7, 3, 5}, {4, 2, 4}};
  return a;
}

void check_all_parameters(Problem& p, const char* what) {
  const std::vector<float> g = p.gradient();
  float* params = p.net().params.data();
  // Every parameter array, a few entries each (all of the small ones).
  for (const ParamInfo& info : p.net().layout.params)
    test::expect_gradient_piecewise(
        std::string(what) + " " + info.name, [&] { return p.loss(); }, params + info.offset,
        static_cast<std::size_t>(info.size), g.data() + info.offset, 1e-3, 3e-2, 5e-4, 12);
}

TEST(SubnetGradientTest, MixedSubnetMatchesFiniteDifferences) {
  Problem p(KernelTransform::kCentreCrop, mixed_arch(test::tiny_space()));
  check_all_parameters(p, "centre");
}

TEST(SubnetGradientTest, OfaKernelTransformMatricesMatchFiniteDifferences) {
  Problem p(KernelTransform::kOfaMatrix, mixed_arch(test::tiny_space()));
  // Move the matrices away from the identity so the chain 7 -> 5 -> 3 really mixes taps.
  Rng rng(9);
  for (const ParamInfo& info : p.net().layout.params)
    if (info.name.find("transform") != std::string::npos)
      for (std::int64_t i = 0; i < info.size; ++i)
        p.net().params[info.offset + i] += static_cast<float>(0.2 * (rng.uniform() - 0.5));
  check_all_parameters(p, "ofa");
}

TEST(SubnetGradientTest, UnusedSlicesGetNoGradient) {
  const SearchSpace space = test::tiny_space();
  Problem p(KernelTransform::kCentreCrop, smallest_arch(space, 1.0, 6));
  const std::vector<float> g = p.gradient();
  const SupernetLayout& L = p.net().layout;
  // Blocks past the depth are untouched.
  const BlockSlot& skipped = L.stages[1][2];
  for (std::int64_t i = 0; i < skipped.expand.out_channels * skipped.in_channels; ++i)
    EXPECT_EQ(g[static_cast<std::size_t>(skipped.expand.weight + i)], 0.0f);
  // Kernel 3 of a 5x5 slot: only the centre 3x3 of each channel moves; mid channels past expand 2
  // get nothing.
  const BlockSlot& s = L.stages[0][0];
  const int mid = s.mid_for_expand(2);
  for (int c = 0; c < s.max_mid(); ++c)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 5; ++x) {
        const float v = g[static_cast<std::size_t>(s.depthwise.weight + (c * 5 + y) * 5 + x)];
        const bool centre = y >= 1 && y <= 3 && x >= 1 && x <= 3;
        if (c >= mid || !centre) {
          EXPECT_EQ(v, 0.0f) << "channel " << c << " tap " << y << "," << x;
        }
      }
  bool any_centre = false;
  for (int c = 0; c < mid; ++c)
    any_centre |= g[static_cast<std::size_t>(s.depthwise.weight + (c * 5 + 2) * 5 + 2)] != 0.0f;
  EXPECT_TRUE(any_centre);
}

} // namespace
} // namespace tinynas::engine

// Weight sharing means what the issue says, checked against networks built another way: a kernel-3
// subnet is the kernel-7 subnet with the outer taps zeroed; a small expand ratio is the large one
// with the extra channels cut off at the project conv; a shallow stage is a deep one whose extra
// blocks are identities. Plus: sorting channels by importance changes no function, plans never
// outgrow the buffers planned for the largest subnet, and arch ids survive the supernet.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "channel_sort.hpp"
#include "executor.hpp"
#include "gradient_check.hpp"
#include "supernet_impl.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::engine {
namespace {

constexpr int kBatch = 5;

// Inference logits with unit statistics (mean 0, variance 1 - eps: BN is gamma x + beta), so two
// archs with different channel counts can be compared layer for layer.
std::vector<float> logits(const Supernet& s, const Arch& arch, const std::vector<float>& input) {
  const Supernet::Impl& net = s.impl();
  Workspace ws;
  build_plan(net.layout, arch, kBatch, ws.plan);
  ws.prepare(ws.plan, RunMode::kInference);
  std::vector<float> mean(static_cast<std::size_t>(ws.plan.bn_channels()), 0.0f), var(mean.size(), 1.0f - 1e-5f);
  const float* out = run_forward(net.layout, net.params.data(), input.data(), ws, {mean.data(), var.data()});
  return {out, out + ws.plan.classes * kBatch};
}

// Training-mode logits (batch statistics): invariant under permutations of channels.
std::vector<float> train_logits(const Supernet& s, const Arch& arch, const std::vector<float>& input) {
  const Supernet::Impl& net = s.impl();
  Workspace ws;
  build_plan(net.layout, arch, kBatch, ws.plan);
  ws.prepare(ws.plan, RunMode::kTrain);
  const float* out = run_forward(net.layout, net.params.data(), input.data(), ws);
  return {out, out + ws.plan.classes * kBatch};
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, float tol = 1e-4f) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol * (1 + std::abs(b[i]))) << i;
}

class ElasticTest : public ::testing::Test {
protected:
  SearchSpace space = test::tiny_space();
  Supernet supernet{space, 1.0, 3};
  std::vector<float> input = test::random_values(8 * 8 * kBatch, 41);
  SupernetLayout& layout() { return supernet.impl().layout; }
  float* params() { return supernet.impl().params.data(); }
};

TEST_F(ElasticTest, SmallKernelIsTheCentreOfTheLargest) {
  Arch k3 = supernet.largest(8);
  k3.stages[1].kernels = {3, 3, 3};
  const std::vector<float> small = logits(supernet, k3, input);
  // Zero every tap outside the centre 3x3 of the 7x7 kernels of stage 1; kernel 7 must then agree.
  for (const BlockSlot& s : layout().stages[1])
    for (int c = 0; c < s.max_mid(); ++c)
      for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x)
          if (y < 2 || y > 4 || x < 2 || x > 4) params()[s.depthwise.weight + (c * 7 + y) * 7 + x] = 0.0f;
  expect_close(logits(supernet, supernet.largest(8), input), small);
}

TEST_F(ElasticTest, SmallExpandUsesTheFirstChannels) {
  Arch e2 = supernet.largest(8);
  e2.stages[0].expands = {2, 2};
  const std::vector<float> small = logits(supernet, e2, input);
  // Cut the channels past expand 2 at the project conv; the expand-3 net must then agree.
  for (const BlockSlot& s : layout().stages[0]) {
    const int keep = s.mid_for_expand(2);
    ASSERT_LT(keep, s.max_mid());
    for (int o = 0; o < s.out_channels; ++o)
      for (int j = keep; j < s.max_mid(); ++j) params()[s.project.weight + o * s.max_mid() + j] = 0.0f;
  }
  expect_close(logits(supernet, supernet.largest(8), input), small);
}

TEST_F(ElasticTest, ShallowStageIsTheDeepOneWithIdentityBlocks) {
  Arch shallow = supernet.largest(8);
  shallow.stages[1].depth = 1;
  const std::vector<float> small = logits(supernet, shallow, input);
  // Blocks 2 and 3 of stage 1 are residual: zero project weights and BN shift make them identities.
  for (int b = 1; b < 3; ++b) {
    const BlockSlot& s = layout().stages[1][static_cast<std::size_t>(b)];
    std::fill(params() + s.project.weight, params() + s.project.weight + s.out_channels * s.max_mid(), 0.0f);
    std::fill(params() + s.project_bn.beta, params() + s.project_bn.beta + s.out_channels, 0.0f);
  }
  expect_close(logits(supernet, supernet.largest(8), input), small);
}

TEST_F(ElasticTest, IdentityTransformMatricesEqualCentreCrop) {
  Supernet ofa(space, 1.0, 3, KernelTransform::kOfaMatrix);
  Arch a = supernet.largest(8);
  a.stages[0].kernels = {3, 5};
  a.stages[1].kernels = {5, 3, 7};
  // Same seed, same stored kernels (the matrices come after them in the layout but draw no random
  // numbers), identity matrices: the same function.
  expect_close(logits(ofa, a, input), logits(supernet, a, input), 1e-5f);
}

TEST_F(ElasticTest, SortingChannelsByImportanceKeepsTheFunction) {
  const std::vector<float> before = train_logits(supernet, supernet.largest(8), input);
  sort_mid_channels(layout(), params(), nullptr);
  expect_close(train_logits(supernet, supernet.largest(8), input), before);
  for (const auto& stage : layout().stages)
    for (const BlockSlot& s : stage) {
      std::vector<double> l1(static_cast<std::size_t>(s.max_mid()), 0.0);
      for (int o = 0; o < s.out_channels; ++o)
        for (int j = 0; j < s.max_mid(); ++j)
          l1[static_cast<std::size_t>(j)] += std::abs(params()[s.project.weight + o * s.max_mid() + j]);
      EXPECT_TRUE(std::is_sorted(l1.rbegin(), l1.rend())) << s.name << ": importance not descending";
    }
}

TEST_F(ElasticTest, BuffersPlannedForTheLargestServeEverySubnet) {
  Workspace ws;
  build_plan(layout(), supernet.largest(), 16, ws.plan);
  ws.prepare(ws.plan, RunMode::kTrain);
  const std::int64_t train_capacity = ws.capacity();
  Rng rng(5);
  for (int i = 0; i < 50; ++i) {
    build_plan(layout(), sample_arch(space, rng, 1.0, 0), 1 + static_cast<int>(rng.index(16)), ws.plan);
    ws.prepare(ws.plan, i % 2 ? RunMode::kTrain : RunMode::kInference);
    EXPECT_EQ(ws.capacity(), train_capacity) << "the arena grew: a later batch would allocate";
  }
}

TEST_F(ElasticTest, ArchsOfOtherWidthsOrOutsideTheSpaceAreRejected) {
  Arch a = supernet.largest();
  a.width = 0.5;
  try {
    supernet.validate(a, "a.json");
    FAIL() << "width 0.5 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfSpace);
    EXPECT_NE(std::string(e.what()).find("a.json"), std::string::npos);
  }
  Arch b = supernet.largest();
  b.stages[0].kernels[0] = 7; // stage 0 offers 3 and 5
  EXPECT_THROW(supernet.validate(b), Error);
  EXPECT_THROW(Supernet(space, 0.75, 0), Error); // not one of the space's widths
}

TEST_F(ElasticTest, ExpandRatioOneCannotBeElastic) {
  SearchSpace s = space;
  s.stages[0].expands = {1, 3};
  try {
    Supernet bad(s, 1.0, 0);
    FAIL() << "expand 1 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "/stages/0/expands");
  }
}

TEST_F(ElasticTest, LayoutMatchesTheSpaceLowering) {
  // The supernet's largest subnet has the channels lower_to_net gives the largest arch.
  const NetSpec net = lower_to_net(space, supernet.largest());
  ASSERT_EQ(net.blocks.size(), 1 + 2 + 3u);
  EXPECT_EQ(layout().first_conv.out_channels, net.first_conv.out_channels);
  std::size_t b = 1;
  for (const auto& stage : layout().stages)
    for (const BlockSlot& s : stage) {
      EXPECT_EQ(s.max_mid(), net.blocks[b].mid_channels) << s.name;
      EXPECT_EQ(s.out_channels, net.blocks[b].out_channels) << s.name;
      ++b;
    }
  EXPECT_EQ(layout().feature_mix_channels, 8);
}

} // namespace
} // namespace tinynas::engine

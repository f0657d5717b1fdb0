#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {
namespace {

// A network small enough to work out by hand: 8x8x1 input,
//   first conv 3x3 s2 1->4          -> 4x4x4
//   block 0: expand 1, dw 3x3, 4->8 -> 4x4x8
//   block 1: 8 -> 24 -> 8, dw 5x5, residual
//   block 2: 8 -> 16 -> 16, dw 3x3 s2 -> 2x2x16
//   avgpool -> 1x1x16, fc -> 10
NetSpec tiny_net(int feature_mix = 0) {
  NetSpec net;
  net.name = "tiny";
  net.resolution = 8;
  net.input_channels = 1;
  net.first_conv = {1, 4, 3, 2};
  net.blocks = {{4, 4, 8, 3, 1, 1, false}, {8, 24, 8, 5, 1, 3, true}, {8, 16, 16, 3, 2, 2, false}};
  net.feature_mix_channels = feature_mix;
  net.num_classes = 10;
  return net;
}

struct ExpectedOp {
  std::string name;
  OpType type;
  TensorShape out;
  int kernel;
  int stride;
  std::int64_t macs;
  std::int64_t params;
};

TEST(LowerToGraph, TinyNetShapesMacsAndParamsByHand) {
  NetSpec net = tiny_net();
  ASSERT_NO_THROW(validate_net(net));
  Graph g = lower_to_graph(net);
  // MACs = weights x output pixels; params = weights + 2 per BN channel (+ bias for the FC).
  const std::vector<ExpectedOp> expected = {
      {"first_conv", OpType::kConv, {4, 4, 4}, 3, 2, 9 * 1 * 4 * 16, 36 + 8},
      {"blocks.0.depthwise", OpType::kDepthwiseConv, {4, 4, 4}, 3, 1, 9 * 4 * 16, 36 + 8},
      {"blocks.0.project", OpType::kPointwiseConv, {4, 4, 8}, 1, 1, 4 * 8 * 16, 32 + 16},
      {"blocks.1.expand", OpType::kPointwiseConv, {4, 4, 24}, 1, 1, 8 * 24 * 16, 192 + 48},
      {"blocks.1.depthwise", OpType::kDepthwiseConv, {4, 4, 24}, 5, 1, 25 * 24 * 16, 600 + 48},
      {"blocks.1.project", OpType::kPointwiseConv, {4, 4, 8}, 1, 1, 24 * 8 * 16, 192 + 16},
      {"blocks.1.add", OpType::kAdd, {4, 4, 8}, 1, 1, 0, 0},
      {"blocks.2.expand", OpType::kPointwiseConv, {4, 4, 16}, 1, 1, 8 * 16 * 16, 128 + 32},
      {"blocks.2.depthwise", OpType::kDepthwiseConv, {2, 2, 16}, 3, 2, 9 * 16 * 4, 144 + 32},
      {"blocks.2.project", OpType::kPointwiseConv, {2, 2, 16}, 1, 1, 16 * 16 * 4, 256 + 32},
      {"avgpool", OpType::kAvgPool, {1, 1, 16}, 2, 1, 0, 0},
      {"classifier", OpType::kFullyConnected, {1, 1, 10}, 1, 1, 160, 160 + 10},
  };
  ASSERT_EQ(g.ops.size(), expected.size());
  ASSERT_EQ(g.tensors.size(), expected.size() + 1);
  EXPECT_EQ(g.input, 0);
  EXPECT_EQ(g.output, static_cast<int>(expected.size()));
  EXPECT_EQ(g.tensors[0].h, 8);
  EXPECT_EQ(g.tensors[0].c, 1);
  std::int64_t macs = 0, params = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ExpectedOp& e = expected[i];
    const Op& op = g.ops[i];
    SCOPED_TRACE(e.name);
    EXPECT_EQ(g.op_name(static_cast<int>(i)), e.name);
    EXPECT_EQ(op.type, e.type);
    EXPECT_EQ(op.output, static_cast<int>(i) + 1);
    const TensorShape& out = g.tensors[static_cast<std::size_t>(op.output)];
    EXPECT_EQ(out.h, e.out.h);
    EXPECT_EQ(out.w, e.out.w);
    EXPECT_EQ(out.c, e.out.c);
    EXPECT_EQ(op.kernel, e.kernel);
    EXPECT_EQ(op.stride, e.stride);
    EXPECT_EQ(op.macs(g.tensors), e.macs);
    EXPECT_EQ(op.params(g.tensors), e.params);
    macs += op.macs(g.tensors);
    params += op.params(g.tensors);
  }
  EXPECT_EQ(macs, 21216);
  EXPECT_EQ(params, 2026);
}

TEST(LowerToGraph, OpsChainAndTheResidualAddReadsTheBlockInput) {
  Graph g = lower_to_graph(tiny_net());
  // Every op but the add reads the previous op's output.
  for (std::size_t i = 0; i < g.ops.size(); ++i) EXPECT_EQ(g.ops[i].input, static_cast<int>(i)) << i;
  const Op& add = g.ops[6];
  ASSERT_EQ(add.type, OpType::kAdd);
  EXPECT_EQ(add.role, OpRole::kResidualAdd);
  EXPECT_EQ(add.block, 1);
  EXPECT_EQ(add.input, 6);  // blocks.1.project's output
  EXPECT_EQ(add.input2, 3); // blocks.0.project's output: block 1's input
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    if (i != 6) {
      EXPECT_EQ(g.ops[i].input2, -1) << i;
    }
  }
}

TEST(LowerToGraph, FusedActivationsPaddingAndBias) {
  Graph g = lower_to_graph(tiny_net());
  const std::vector<bool> relu6 = {true, true, false, true, true, false, false, true, true, false, false, false};
  ASSERT_EQ(g.ops.size(), relu6.size());
  for (std::size_t i = 0; i < relu6.size(); ++i) {
    SCOPED_TRACE(g.op_name(static_cast<int>(i)));
    const Op& op = g.ops[i];
    EXPECT_EQ(op.relu6, relu6[i]); // project convs are linear
    bool is_conv = op.type == OpType::kConv || op.type == OpType::kDepthwiseConv || op.type == OpType::kPointwiseConv;
    EXPECT_EQ(op.has_bn, is_conv);
    EXPECT_EQ(op.has_bias, op.type == OpType::kFullyConnected);
    if (is_conv) {
      EXPECT_EQ(op.pad, op.kernel / 2);
    }
  }
  EXPECT_EQ(g.ops[4].pad, 2); // the 5x5 depthwise
  EXPECT_EQ(g.ops[0].weights(g.tensors), 36);
  EXPECT_EQ(g.ops[0].out_channels(g.tensors), 4);
  EXPECT_EQ(g.ops[6].out_channels(g.tensors), 0);  // add
  EXPECT_EQ(g.ops[10].out_channels(g.tensors), 0); // pool
  EXPECT_EQ(g.ops[11].out_channels(g.tensors), 10);
}

TEST(LowerToGraph, FeatureMixIsAPointwiseConvBeforeThePool) {
  Graph g = lower_to_graph(tiny_net(32));
  ASSERT_EQ(g.ops.size(), 13u);
  const Op& mix = g.ops[10];
  EXPECT_EQ(g.op_name(10), "feature_mix");
  EXPECT_EQ(mix.type, OpType::kPointwiseConv);
  EXPECT_EQ(mix.role, OpRole::kFeatureMix);
  EXPECT_TRUE(mix.relu6);
  EXPECT_EQ(mix.macs(g.tensors), 16 * 32 * 4);
  EXPECT_EQ(mix.params(g.tensors), 512 + 64);
  EXPECT_EQ(g.ops[12].macs(g.tensors), 320);
  EXPECT_EQ(g.ops[12].params(g.tensors), 330);
}

TEST(LowerToGraph, OddSizesRoundAsSamePaddedConvs) {
  NetSpec net = tiny_net();
  net.resolution = 7; // (7 + 2 - 3) / 2 + 1 = 4, then (4 + 2 - 3) / 2 + 1 = 2
  Graph g = lower_to_graph(net);
  EXPECT_EQ(g.tensors[1].h, 4);
  EXPECT_EQ(g.tensors[9].h, 2);
  net.resolution = 9; // (9 + 2 - 3) / 2 + 1 = 5, then 3
  g = lower_to_graph(net);
  EXPECT_EQ(g.tensors[1].h, 5);
  EXPECT_EQ(g.tensors[9].w, 3);
}

TEST(LowerToGraph, TypeAndRoleNames) {
  EXPECT_STREQ(op_type_name(OpType::kConv), "conv");
  EXPECT_STREQ(op_type_name(OpType::kDepthwiseConv), "depthwise");
  EXPECT_STREQ(op_type_name(OpType::kPointwiseConv), "pointwise");
  EXPECT_STREQ(op_type_name(OpType::kAdd), "add");
  EXPECT_STREQ(op_type_name(OpType::kAvgPool), "avgpool");
  EXPECT_STREQ(op_type_name(OpType::kFullyConnected), "fc");
  EXPECT_STREQ(op_role_name(OpRole::kExpand), "expand");
  EXPECT_STREQ(op_role_name(OpRole::kClassifier), "classifier");
}

TEST(ValidateNet, RejectsInconsistentSpecs) {
  NetSpec net = tiny_net();
  net.blocks[2].in_channels = 9;
  EXPECT_THROW(validate_net(net, "x"), Error);
  net = tiny_net();
  net.blocks[2].residual = true; // stride 2
  EXPECT_THROW(validate_net(net, "x"), Error);
  net = tiny_net();
  net.blocks[0].mid_channels = 8; // expand 1 must keep the input width
  EXPECT_THROW(validate_net(net, "x"), Error);
  net = tiny_net();
  net.num_classes = 0;
  EXPECT_THROW(validate_net(net, "x"), Error);
}

} // namespace
} // namespace tinynas

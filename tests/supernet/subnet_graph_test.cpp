// A subnet's inherited weights as an op Graph with FloatWeights: run by the profiler's float reference, they give
// the engine's logits (so the quantiser sees exactly the trained network); network_inputs() is the engine's own
// preprocessing; statistics of another arch are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "batch_builder.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/subnet_graph.hpp"

namespace tinynas {
namespace {

class SubnetGraphTest : public ::testing::Test {
protected:
  SearchSpace space = test::tiny_space();
  Supernet supernet{space, 1.0, 5};
  ImageSet train = test::pattern_images(96, 3, 1);
  ImageSet val = test::pattern_images(12, 3, 2);
  std::vector<Arch> archs = test::largest_smallest_and_four(supernet, space, 17);
  SubnetEvaluator evaluator{supernet, train, val, [] {
                              EvaluatorOptions o;
                              o.calibration_batches = 2;
                              o.calibration_batch_size = 32;
                              return o;
                            }()};
};

TEST_F(SubnetGraphTest, FloatReferenceReproducesTheEngine) {
  for (const Arch& arch : archs) {
    const SubnetBnStats stats = evaluator.recalibrate(arch);
    const SubnetGraph subnet = subnet_graph(supernet, arch, stats);
    ASSERT_EQ(subnet.weights.ops.size(), subnet.graph.ops.size());
    const int n = val.size(), r = arch.resolution;
    const std::vector<std::vector<float>> inputs = network_inputs(supernet, val, 0, n, r);
    ASSERT_EQ(inputs.size(), static_cast<std::size_t>(n));
    std::vector<float> nchw; // one channel: NCHW is the images one after another
    for (const auto& image : inputs) nchw.insert(nchw.end(), image.begin(), image.end());
    const std::vector<float> engine = subnet_logits(supernet, arch, stats, nchw.data(), n);
    for (int i = 0; i < n; ++i) {
      const std::vector<float> logits =
          float_forward(subnet.graph, subnet.weights,
                        inputs[static_cast<std::size_t>(i)])[static_cast<std::size_t>(subnet.graph.output)];
      ASSERT_EQ(logits.size(), 3u);
      for (int k = 0; k < 3; ++k) {
        const float want = engine[static_cast<std::size_t>(i * 3 + k)];
        EXPECT_NEAR(logits[static_cast<std::size_t>(k)], want, 1e-4 + 1e-4 * std::fabs(want))
            << arch.id() << " image " << i << " class " << k;
      }
    }
  }
}

TEST_F(SubnetGraphTest, NetworkInputsAreTheEnginesBatches) {
  const int r = 6, n = 5;
  engine::BatchBuilder builder(28, 28, 1, n, {r});
  const std::vector<int> indices = {3, 4, 5, 6, 7};
  builder.load(val, indices.data(), n, supernet.input_normalization());
  const float* batch = builder.at(r); // [1][R][R][n]
  const std::vector<std::vector<float>> inputs = network_inputs(supernet, val, 3, n, r);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < r * r; ++p)
      EXPECT_EQ(inputs[static_cast<std::size_t>(i)][static_cast<std::size_t>(p)], batch[p * n + i]);
  // The identity at the source size: normalised pixels.
  const std::vector<std::vector<float>> full = network_inputs(supernet, val, 0, 1, 28);
  EXPECT_FLOAT_EQ(full[0][100], (val.image(0)[100] / 255.0f - supernet.input_normalization().mean[0]) /
                                    supernet.input_normalization().std[0]);
}

TEST_F(SubnetGraphTest, BadArgumentsAreRefused) {
  const SubnetBnStats small = evaluator.recalibrate(supernet.smallest());
  try {
    subnet_graph(supernet, supernet.largest(), small);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("recalibrate this arch first"), std::string::npos) << e.what();
  }
  EXPECT_THROW(network_inputs(supernet, val, 10, 5, 8), Error);
  EXPECT_THROW(network_inputs(supernet, val, -1, 1, 8), Error);
  EXPECT_THROW(network_inputs(supernet, val, 0, 1, 0), Error);
  EXPECT_TRUE(network_inputs(supernet, val, 12, 0, 8).empty());
}

} // namespace
} // namespace tinynas

// The evaluator behind the `supernet` estimator: an arch's accuracy does not depend on the batch
// it comes in, its position or the thread count; recalibrated statistics are the batch
// statistics (one calibration batch reproduces training mode on the same images exactly).

#include <gtest/gtest.h>

#include <cmath>

#include "batch_builder.hpp"
#include "executor.hpp"
#include "supernet_impl.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"

namespace tinynas {
namespace {

class EvaluatorTest : public ::testing::Test {
protected:
  SearchSpace space = test::tiny_space();
  Supernet supernet{space, 1.0, 21};
  ImageSet train = test::pattern_images(200, 3, 3);
  ImageSet val = test::pattern_images(120, 3, 4);
  std::vector<Arch> archs = test::largest_smallest_and_four(supernet, space, 6);
};

TEST_F(EvaluatorTest, AccuracyDependsOnTheArchOnly) {
  EvaluatorOptions o;
  o.calibration_batches = 3;
  o.calibration_batch_size = 16;
  o.batch_size = 50;
  SubnetEvaluator ev(supernet, train, val, o);
  EXPECT_EQ(ev.evaluation_images(), 120);
  int calls = 0;
  const std::vector<double> all = ev.evaluate(archs, [&](int done, int total) {
    ++calls;
    EXPECT_LE(done, total);
    EXPECT_EQ(total, 6);
  });
  EXPECT_GE(calls, 1);
  for (double a : all) {
    EXPECT_GE(a, 0.0);
    EXPECT_LE(a, 1.0);
    // Accuracies are counts over 120 images.
    EXPECT_NEAR(a * 120, std::round(a * 120), 1e-9);
  }
  std::vector<Arch> reversed(archs.rbegin(), archs.rend());
  const std::vector<double> back = ev.evaluate(reversed);
  for (std::size_t i = 0; i < archs.size(); ++i) EXPECT_EQ(back[archs.size() - 1 - i], all[i]);
  EXPECT_EQ(ev.evaluate(archs[3]), all[3]);
  {
    ParallelismLimit one(1);
    SubnetEvaluator single(supernet, train, val, o);
    EXPECT_EQ(single.evaluate(archs), all);
  }
  // The seed picks other calibration images: statistics (and usually accuracies) change, but the
  // result is again reproducible.
  o.seed = 99;
  SubnetEvaluator other(supernet, train, val, o);
  EXPECT_EQ(other.evaluate(archs), other.evaluate(archs));
}

TEST_F(EvaluatorTest, OneCalibrationBatchReproducesTrainingModeOnThoseImages) {
  // Calibrate on exactly the 16 images we then run: recalibrated inference == batch statistics.
  const ImageSet batch = val.slice(0, 16);
  EvaluatorOptions o;
  o.calibration_batches = 1;
  o.calibration_batch_size = 16;
  SubnetEvaluator ev(supernet, batch, batch, o);
  const Arch arch = archs[2];
  const SubnetBnStats stats = ev.recalibrate(arch);
  EXPECT_EQ(stats.arch_id, arch.id());

  const int r = arch.resolution, n = 16;
  // Normalised, resized input in NCHW (the engine's BatchBuilder path is what training uses; build
  // it with the same pieces here).
  engine::BatchBuilder builder(28, 28, 1, n, space.resolutions);
  std::vector<int> idx(16);
  for (int i = 0; i < 16; ++i) idx[static_cast<std::size_t>(i)] = i;
  builder.load(batch, idx.data(), n, supernet.input_normalization());
  const float* chwn = builder.at(r);
  std::vector<float> nchw(static_cast<std::size_t>(n * r * r));
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < r * r; ++p) nchw[static_cast<std::size_t>(i * r * r + p)] = chwn[p * n + i];
  const std::vector<float> inferred = subnet_logits(supernet, arch, stats, nchw.data(), n);

  engine::Workspace ws;
  engine::build_plan(supernet.impl().layout, arch, n, ws.plan);
  ws.prepare(ws.plan, engine::RunMode::kTrain);
  const float* trained = engine::run_forward(supernet.impl().layout, supernet.impl().params.data(), chwn, ws);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 3; ++k)
      EXPECT_NEAR(inferred[static_cast<std::size_t>(i * 3 + k)], trained[k * n + i], 2e-4) << i << "," << k;
}

TEST_F(EvaluatorTest, BadInputsAreRejected) {
  EXPECT_THROW(SubnetEvaluator(supernet, ImageSet{}, val), Error);
  EXPECT_THROW(SubnetEvaluator(supernet, train, ImageSet{}), Error);
  try {
    SubnetEvaluator(supernet, train, test::pattern_images(30, 3, 5, 20, 20));
    FAIL() << "splits of two image sizes";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("the calibration images (training split) are 28x28 and the evaluated ones 20x20"),
              std::string::npos)
        << e.what();
  }
  SubnetEvaluator ev(supernet, train, val);
  Arch wide = supernet.largest();
  wide.width = 2.0;
  EXPECT_THROW(ev.evaluate({supernet.largest(), wide}), Error);
  SubnetBnStats wrong = ev.recalibrate(supernet.smallest());
  std::vector<float> img(static_cast<std::size_t>(8 * 8), 0.0f);
  EXPECT_THROW(subnet_logits(supernet, supernet.largest(), wrong, img.data(), 1), Error);
}

} // namespace
} // namespace tinynas

// The float-vs-int8 accuracy comparison: labels that are the float network's own predictions make the float
// accuracy exactly 1 and the int8 accuracy exactly the agreement; the count does not depend on the thread count;
// ties resolve to the first class; mismatched inputs are refused with a message.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "../test_networks.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/deploy/quantized_accuracy.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"

namespace tinynas {
namespace {

TEST(QuantizedAccuracy, TopOneTakesTheFirstOfEqualMaxima) {
  const float f[] = {0.5f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(top1(f, 4), 1);
  const std::int8_t q[] = {-128, -3, 7, 7, 6};
  EXPECT_EQ(top1(q, 5), 2);
  EXPECT_EQ(top1(q, 1), 0);
}

class QuantizedAccuracyTest : public ::testing::Test {
protected:
  Graph graph = lower_to_graph(test::small_net());
  Rng rng{8};
  FloatWeights weights = random_float_weights(graph, rng);
  std::vector<FloatImage> images = random_images(graph, 40, rng);
  QuantizedModel model = quantize(graph, weights, images);

  std::vector<int> float_predictions() const {
    std::vector<int> labels;
    for (const FloatImage& image : images) {
      const std::vector<float> logits = float_forward(graph, weights, image)[static_cast<std::size_t>(graph.output)];
      labels.push_back(top1(logits.data(), static_cast<int>(logits.size())));
    }
    return labels;
  }
};

TEST_F(QuantizedAccuracyTest, FloatPredictionsAsLabelsGiveTheAgreement) {
  const std::vector<int> labels = float_predictions();
  int reports = 0;
  const QuantizedAccuracy a =
      measure_quantized_accuracy(graph, weights, model, images, labels, [&](int done, int total) {
        ++reports;
        EXPECT_EQ(total, 40);
        EXPECT_LE(done, total);
      });
  EXPECT_GE(reports, 1);
  EXPECT_EQ(a.images, 40);
  EXPECT_EQ(a.float_correct, 40);
  EXPECT_DOUBLE_EQ(a.float_accuracy(), 1.0);
  EXPECT_EQ(a.int8_correct, a.agreements);
  // Random weights still quantise well: most images keep their class (ten near-equal logits make a few flip).
  EXPECT_GE(a.agreements, 30);

  // Each label moved to another class: nothing is right for the float side, and the int8 side is right exactly
  // where it disagreed with the float side and chose the moved label.
  std::vector<int> shifted = labels;
  for (int& l : shifted) l = (l + 1) % 10;
  const QuantizedAccuracy b = measure_quantized_accuracy(graph, weights, model, images, shifted);
  EXPECT_EQ(b.float_correct, 0);
  EXPECT_EQ(b.agreements, a.agreements);
  EXPECT_LE(b.int8_correct, 40 - a.agreements);
}

TEST_F(QuantizedAccuracyTest, SameCountsOnOneThread) {
  const std::vector<int> labels = float_predictions();
  const QuantizedAccuracy all = measure_quantized_accuracy(graph, weights, model, images, labels);
  const ParallelismLimit one(1);
  const QuantizedAccuracy single = measure_quantized_accuracy(graph, weights, model, images, labels);
  EXPECT_EQ(single.int8_correct, all.int8_correct);
  EXPECT_EQ(single.agreements, all.agreements);
}

TEST_F(QuantizedAccuracyTest, MismatchedInputsAreRefused) {
  std::vector<int> labels = float_predictions();
  labels.pop_back();
  try {
    measure_quantized_accuracy(graph, weights, model, images, labels);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("40 images but 39 labels"), std::string::npos) << e.what();
  }
  labels.push_back(10);
  try {
    measure_quantized_accuracy(graph, weights, model, images, labels);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label 10 of image 39"), std::string::npos) << e.what();
  }
  labels.back() = 0;
  images[3].pop_back();
  EXPECT_THROW(measure_quantized_accuracy(graph, weights, model, images, labels), Error);
}

} // namespace
} // namespace tinynas

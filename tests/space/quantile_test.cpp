#include "tinynas/space/quantile.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace tinynas {
namespace {

TEST(Quantile, InterpolatesLikeNumpy) {
  // numpy.quantile([10, 20, 30, 40], p): 0.8 -> 34, 0.5 -> 25, 1 -> 40, 0 -> 10
  const std::vector<std::int64_t> v{10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 0.8), 34);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 0.5), 25);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 1.0), 40);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(v, 0.0), 10);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(std::vector<std::int64_t>{7}, 0.8), 7);
  EXPECT_DOUBLE_EQ(quantile_of_sorted(std::vector<double>{}, 0.5), 0);
  // numpy.quantile([0.1, 0.2, 0.4], 0.25) = 0.15
  EXPECT_NEAR(quantile_of_sorted(std::vector<double>{0.1, 0.2, 0.4}, 0.25), 0.15, 1e-15);
}

TEST(Quantile, MedianOfValuesInAnyOrder) {
  EXPECT_DOUBLE_EQ(median_of(std::vector<std::uint64_t>{9, 1, 5}), 5);
  EXPECT_DOUBLE_EQ(median_of(std::vector<std::uint64_t>{9, 1, 5, 2}), 3.5) << "the mean of the middle two";
  EXPECT_DOUBLE_EQ(median_of(std::vector<double>{0.3}), 0.3);
  EXPECT_DOUBLE_EQ(median_of(std::vector<int>{}), 0);
}

} // namespace
} // namespace tinynas

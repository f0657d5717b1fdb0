#include <gtest/gtest.h>

#include "tinynas/search/pareto.hpp"

namespace tinynas {
namespace {

TEST(Pareto, HandCheckedFront) {
  // score (max), latency (min), peak SRAM (min)
  const std::vector<ParetoPoint> points{
      {0.70, 100, 200}, // 0: front (best latency and SRAM among the accurate ones)
      {0.75, 150, 250}, // 1: front (most accurate)
      {0.70, 120, 200}, // 2: dominated by 0 (same score and SRAM, slower)
      {0.60, 90, 300},  // 3: front (fastest)
      {0.60, 95, 310},  // 4: dominated by 3
      {0.50, 200, 100}, // 5: front (smallest SRAM)
      {0.70, 100, 200}, // 6: identical to 0: kept too (neither dominates)
  };
  EXPECT_EQ(pareto_front(points), (std::vector<std::size_t>{0, 1, 3, 5, 6}));
  EXPECT_TRUE(dominates(points[0], points[2]));
  EXPECT_FALSE(dominates(points[0], points[6]));
  EXPECT_FALSE(dominates(points[1], points[0]));
}

TEST(Pareto, BruteForceAgreement) {
  // Every point off the front is dominated by a point on it; no front point is dominated.
  std::vector<ParetoPoint> points;
  for (int i = 0; i < 200; ++i)
    points.push_back({static_cast<double>((i * 37) % 101), static_cast<double>((i * 53) % 97), (i * 29) % 89});
  const auto front = pareto_front(points);
  std::vector<bool> on(points.size(), false);
  for (std::size_t i : front) on[i] = true;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j : front) dominated = dominated || dominates(points[j], points[i]);
    EXPECT_EQ(dominated, !on[i]) << i;
  }
  EXPECT_TRUE(pareto_front({}).empty());
}

} // namespace
} // namespace tinynas

#include <gtest/gtest.h>

#include "generation_pace.hpp"

namespace tinynas {
namespace {

// A fresh search of 30 generations: generation 0 (a whole random population) took 150 s, the next
// two (children only) 30 s each. Worked by hand below.
TEST(GenerationPace, FollowsTheGenerationsAfterThisProcesssFirst) {
  GenerationPace pace;
  EXPECT_DOUBLE_EQ(pace.seconds_left(0, 30, 150), 30 * 150.0) << "only generation 0 known: it stands for the rest";
  EXPECT_DOUBLE_EQ(pace.seconds_left(1, 30, 180), 29 * 30.0);
  EXPECT_DOUBLE_EQ(pace.seconds_left(2, 30, 210), 28 * 30.0);
  EXPECT_DOUBLE_EQ(pace.seconds_left(3, 30, 250), 27 * (100.0 / 3));
  EXPECT_DOUBLE_EQ(pace.seconds_left(30, 30, 1000), 0) << "the last generation leaves nothing";
}

// A resumed search's first report is a later generation, and its seconds count from the resume.
TEST(GenerationPace, AResumedSearchMeasuresFromItsFirstGeneration) {
  GenerationPace pace;
  EXPECT_DOUBLE_EQ(pace.seconds_left(12, 30, 40), 18 * 40.0);
  EXPECT_DOUBLE_EQ(pace.seconds_left(14, 30, 100), 16 * 30.0);
}

TEST(GenerationPace, WithinAGenerationTheRestGoesAtTheRateSoFar) {
  EXPECT_DOUBLE_EQ(seconds_left_in_generation(20, 100, 10), 40);
  EXPECT_DOUBLE_EQ(seconds_left_in_generation(100, 100, 50), 0);
  EXPECT_DOUBLE_EQ(seconds_left_in_generation(0, 100, 0), 0) << "nothing scored yet: no rate";
}

} // namespace
} // namespace tinynas

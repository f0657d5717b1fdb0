// The training's time left (supernet/src/training_pace.hpp), with values worked by hand: batches timed per
// cost, an unmeasured phase scaled from a measured one, validation counted per epoch, and a resumed run.

#include <gtest/gtest.h>

#include "training_pace.hpp"

namespace tinynas::engine {
namespace {

// Two epochs whose batches cost 1, then two whose batches cost 3 (a supernet's sandwich), 4 batches each.
TrainingPace pace() { return TrainingPace({1, 1, 3, 3}, 4); }

TEST(TrainingPace, SaysNothingUntilABatchWasTimed) {
  EXPECT_EQ(pace().seconds_left(1, 0), -1);
  EXPECT_EQ(pace().seconds_left(5, 0), 0) << "past the last epoch";
}

TEST(TrainingPace, ScalesTheLaterPhaseByItsCostUntilItIsTimed) {
  TrainingPace p = pace();
  p.batch_done(1, 2.0); // batches of 2, 1 and 1.5 s: 1.5 s each on average
  p.batch_done(1, 3.0);
  p.batch_done(1, 4.5);
  // 1 batch left in epoch 1 and 4 in epoch 2 at 1.5 s, then 8 batches at 3 x 1.5 s; no validation timed yet.
  EXPECT_DOUBLE_EQ(p.seconds_left(1, 3), 1.5 + 6 + 36);
  p.batch_done(1, 6.0);
  p.validation_took(2);
  // After epoch 1: epoch 2 at 4 x 1.5 s, epochs 3 and 4 at 4 x 4.5 s, each with a 2 s validation.
  EXPECT_DOUBLE_EQ(p.seconds_left(2, 0), 8 + 2 * 20);
  // Epoch 3's first batch, 5 s from the epoch's start, is its cost's own pace from then on.
  p.batch_done(3, 5.0);
  EXPECT_DOUBLE_EQ(p.seconds_left(3, 1), (3 * 5 + 2) + (4 * 5 + 2));
  EXPECT_DOUBLE_EQ(p.seconds_left(4, 4), 2) << "only the last validation";
}

TEST(TrainingPace, AResumedRunTimesFromItsFirstBatch) {
  TrainingPace p = pace();
  p.batch_done(3, 4.0); // resumed at epoch 3's batch 3: 4 s from the resume to its end
  p.batch_done(3, 7.0); // then 3 s
  EXPECT_DOUBLE_EQ(p.seconds_left(3, 4), 4 * 3.5);
  EXPECT_DOUBLE_EQ(p.seconds_left(4, 0), 4 * 3.5);
}

} // namespace
} // namespace tinynas::engine

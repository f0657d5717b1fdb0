// The time plan (pipeline/src/time_plan.hpp): each phase's predicted seconds worked out by hand from
// made-up speeds, the counts it picks for a budget, its file's round trip, and the budget's spelling.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "phase_speed_probe.hpp"
#include "time_plan.hpp"
#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

// 10 batches an epoch; a largest-subnet batch 1 s, a sandwich batch 2 s; scoring 1 s at 1M MACs and 3 s at
// 3M MACs (so 2 s at 2M); a single subnet's batch 1 s at the largest subnet's 4M MACs (0.5 s at 2M).
PhaseSpeeds speeds() {
  PhaseSpeeds s;
  s.batches_per_epoch = 10;
  s.largest_batch_seconds = 1;
  s.sandwich_batch_seconds = 2;
  s.largest_train_macs = 4e6;
  s.smallest_macs = 1000000;
  s.smallest_score_seconds = 1;
  s.largest_macs = 3000000;
  s.largest_score_seconds = 3;
  return s;
}

TimePlanInputs inputs(double budget) {
  TimePlanInputs in;
  in.budget_seconds = budget;
  in.spent_seconds = 5;
  in.most = {10, 20, 5};
  in.population = 10;
  in.mean_fitting_macs = 2e6;
  in.winner_macs = 2e6;
  return in;
}

TEST(TimePlan, PredictsEachPhaseFromTheSpeeds) {
  const PhaseSeconds p = predict_phase_seconds(inputs(0), speeds(), {10, 20, 5});
  // 3 largest-subnet epochs and 7 sandwich epochs of 10 batches, and each epoch validates the smallest
  // (1 s) and the largest (3 s): 10 x (3 x 1 + 7 x 2) + 10 x 4.
  EXPECT_DOUBLE_EQ(p.supernet, 210);
  // 10 subnets, then 10 generations of 10 children of which 70% are new, then 10 of which 45% are: 125
  // subnets of 2 s.
  EXPECT_DOUBLE_EQ(p.stage2, 250);
  // From scratch: 10 + 5 epochs of 10 batches of 0.5 s and one 2 s validation.
  EXPECT_DOUBLE_EQ(p.final_training, 105);
  EXPECT_DOUBLE_EQ(p.total(5), 5 + 210 + 250 + 105 + 90);

  TimePlanInputs finetune = inputs(0);
  finetune.final_from_scratch = false;
  finetune.supernet_trained = true;
  const PhaseSeconds q = predict_phase_seconds(finetune, speeds(), {10, 20, 5});
  EXPECT_DOUBLE_EQ(q.supernet, 0) << "a supernet already trained costs nothing more";
  EXPECT_DOUBLE_EQ(q.final_training, 35) << "5 fine-tuning epochs of 7 s";
}

TEST(TimePlan, ASubnetsBatchFollowsTheLineThroughTheSmallestAndTheLargest) {
  PhaseSpeeds s = speeds();
  EXPECT_DOUBLE_EQ(s.subnet_batch_seconds(2e6), 0.5) << "the largest's batch scaled by MACs, without the smallest's";
  s.smallest_batch_seconds = 0.4; // at 1M MACs; the largest's 1 s at 4M
  EXPECT_DOUBLE_EQ(s.subnet_batch_seconds(2e6), 0.6);
  EXPECT_DOUBLE_EQ(predict_phase_seconds(inputs(0), s, {10, 20, 5}).final_training, 15 * (10 * 0.6 + 2));
}

// Stage 2's children climb from the fitting subnets' mean MACs (2M) to their largest (here 3M) over 8 generations:
// generation g's score 2 + min(1, g / 8) s. 10 subnets first (20 s); then 7 new children a generation up to the 10th:
// 7 x (8 x 2 + (1 + ... + 8) / 8) = 143.5 s for 1 to 8, 7 x 3 x 2 = 42 s for 9 and 10; 4.5 a generation after,
// 4.5 x 3 x 10 = 135 s. The final training at the largest, 3M MACs: a batch 0.75 s, a validation 3 s.
TEST(TimePlan, StageTwosChildrenClimbToTheLargestFittingSubnet) {
  TimePlanInputs in = inputs(0);
  in.winner_macs = 3e6;
  const PhaseSeconds p = predict_phase_seconds(in, speeds(), {10, 20, 5});
  EXPECT_DOUBLE_EQ(p.stage2, 20 + 143.5 + 42 + 135);
  EXPECT_DOUBLE_EQ(p.final_training, 15 * (10 * 0.75 + 3));
}

// The plan fills 90% of the budget (kPlanBudgetShare): these budgets leave it 666, 603 and 396.9 seconds.
TEST(TimePlan, KeepsTheCountsWhenTheyFit) {
  const TimePlan plan = plan_to_budget(inputs(740), speeds());
  EXPECT_EQ(plan.counts, (PlannedCounts{10, 20, 5}));
  EXPECT_TRUE(plan.fits);
  EXPECT_DOUBLE_EQ(plan.predicted.total(5), 660);
}

TEST(TimePlan, CutsGenerationsFirst) {
  // Each generation after the 10th costs 10 x 0.45 x 2 = 9 s: 660 - 9 x 7 = 597 is the first total within 603.
  const TimePlan plan = plan_to_budget(inputs(670), speeds());
  EXPECT_EQ(plan.counts, (PlannedCounts{10, 13, 5}));
  EXPECT_DOUBLE_EQ(plan.predicted.total(5), 597);
}

TEST(TimePlan, ThenShrinksEveryCountByOneFactor) {
  // At 65% the counts are 7, 7, 3 (431 s); at 64%, 6, 6, 3: supernet 10 x (1 + 5 x 2) + 6 x 4 = 134, stage 2
  // 10 x (1 + 6 x 0.7) x 2 = 104, final training 9 x 7 = 63: 5 + 134 + 104 + 63 + 90 = 396.
  const TimePlan plan = plan_to_budget(inputs(441), speeds());
  EXPECT_EQ(plan.counts, (PlannedCounts{6, 6, 3}));
  EXPECT_TRUE(plan.fits);
  EXPECT_DOUBLE_EQ(plan.predicted.total(5), 396);
}

TEST(TimePlan, GivesBackWhatTheFactorsStepsLeft) {
  // Within 420.3 s: 65% gives 7, 7, 3 (431 s), 64% 6, 6, 3 (396 s). Then one count at a time: a final epoch (7 s:
  // 403), a generation (14 s: 417); a supernet epoch (14 s and a final epoch: 438), a second final
  // epoch (424) and an eighth generation (431) would not fit.
  const TimePlan plan = plan_to_budget(inputs(467), speeds());
  EXPECT_EQ(plan.counts, (PlannedCounts{6, 7, 4}));
  EXPECT_TRUE(plan.fits);
  EXPECT_DOUBLE_EQ(plan.predicted.total(5), 417);
}

// What a probe of a timed 96 KB / 256 KB run on Fashion-MNIST measured (docs/SEARCH.md).
struct ProbedSeconds {
  double largest_batch, sandwich_batch, smallest_batch, smallest_score, largest_score;
};

PhaseSpeeds timed_96k_speeds(const ProbedSeconds& p) {
  PhaseSpeeds s;
  s.batches_per_epoch = 429;
  s.largest_batch_seconds = p.largest_batch;
  s.sandwich_batch_seconds = p.sandwich_batch;
  s.largest_train_macs = 21684600;
  s.smallest_macs = 2959368;
  s.smallest_batch_seconds = p.smallest_batch;
  s.smallest_score_seconds = p.smallest_score;
  s.largest_macs = 23751360;
  s.largest_score_seconds = p.largest_score;
  return s;
}

// The defaults' counts and the 45-minute budget, and stage 1's fitting subnets at 96 KB (mean 8.33M MACs, largest
// 14.47M).
TimePlanInputs timed_96k_inputs(double spent_seconds) {
  TimePlanInputs in;
  in.budget_seconds = kDefaultTimeBudgetSeconds;
  in.spent_seconds = spent_seconds;
  in.most = {10, 30, 5};
  in.population = 100;
  in.mean_fitting_macs = 8328351;
  in.winner_macs = 14470336;
  return in;
}

// The probe of the fourth timed 96 KB / 256 KB run on Fashion-MNIST (docs/SEARCH.md, 2 cores), and stage 1's
// fitting subnets (mean 8.33M MACs, largest 14.47M). With the default counts and the 45-minute budget it planned 5
// supernet epochs, 6 generations and 5 fine-tuning epochs, then took 938 s for the supernet (925 planned), 792 s for
// stage 2 (680 planned, with its children at stage 1's 80th percentile of 9.98M MACs where they climbed from 8.9 to
// 12.6M) and 691 s for the final training (634 planned). The children's climb now predicts 733 s of the 792; the
// rest is that 81% of its children were new, where the plan counts 70% (other searches: 62 to 78% over their first
// 10 generations).
TEST(TimePlan, AMeasuredRunsSpeedsPlanWithinTheBudget) {
  const PhaseSpeeds s = timed_96k_speeds({0.2073, 0.4768, 0.0410, 0.490, 3.026});
  const TimePlanInputs in = timed_96k_inputs(34.6);
  const PhaseSeconds run = predict_phase_seconds(in, s, {5, 6, 5});
  EXPECT_NEAR(run.supernet, 925, 1);
  EXPECT_NEAR(run.stage2, 733, 1) << "the children climbing from 8.33M to 14.47M MACs over 8 generations";
  EXPECT_NEAR(run.final_training, 634, 1);
  const TimePlan plan = plan_to_budget(in, s);
  EXPECT_EQ(plan.counts, (PlannedCounts{5, 6, 5}));
  EXPECT_TRUE(plan.fits);
  EXPECT_NEAR(plan.predicted.total(in.spent_seconds), 2416, 1);
  EXPECT_LE(plan.predicted.total(in.spent_seconds), kPlanBudgetShare * in.budget_seconds);
}

TEST(TimePlan, NeverGoesBelowTheFewestCountsNorAboveTheGivenOnes) {
  const TimePlan plan = plan_to_budget(inputs(100), speeds());
  EXPECT_EQ(plan.counts, kPlanFewest);
  EXPECT_FALSE(plan.fits);
  EXPECT_NE(describe_time_plan(plan).find("over it even at the fewest counts"), std::string::npos);

  TimePlanInputs few = inputs(100);
  few.most = {2, 1, 1}; // already below the fewest: kept
  EXPECT_EQ(plan_to_budget(few, speeds()).counts, (PlannedCounts{2, 1, 1}));
}

// When stage 2 ends, the final training is planned again from the time spent and the winner's MACs. From scratch
// (10 supernet epochs + f) at 2M MACs an epoch costs 10 x 0.5 s + a 2 s validation = 7 s; the phases after it 90 s.
// It fits when spent + ((10 + f) x 7 + 90) / 0.9 <= 740.
TEST(TimePlan, PlansTheFinalTrainingAgainFromTheTimeSpentAndTheWinner) {
  const TimePlan plan = plan_to_budget(inputs(740), speeds());
  ASSERT_EQ(plan.counts, (PlannedCounts{10, 20, 5}));
  FinalTrainingPlan f = plan_final_training(plan, 2e6, 500);
  EXPECT_EQ(f.finetune_epochs, 5) << "time left for 8: the options' 5 at most";
  EXPECT_DOUBLE_EQ(f.predicted_seconds, 15 * 7);
  EXPECT_TRUE(f.fits);
  f = plan_final_training(plan, 2e6, 530); // 4: 530 + 188 / 0.9 = 738.9; 5: 746.7
  EXPECT_EQ(f.finetune_epochs, 4);
  EXPECT_DOUBLE_EQ(f.predicted_seconds, 14 * 7);
  EXPECT_TRUE(f.fits);
  f = plan_final_training(plan, 2e6, 600);
  EXPECT_EQ(f.finetune_epochs, 1) << "over the budget: the fewest";
  EXPECT_FALSE(f.fits);
  // A larger winner: 3M MACs, a batch 0.75 s and a validation 3 s, 10.5 s an epoch. 3: 480 + 226.5 / 0.9 = 731.7;
  // 4: 743.3.
  f = plan_final_training(plan, 3e6, 480);
  EXPECT_EQ(f.finetune_epochs, 3);
  EXPECT_DOUBLE_EQ(f.predicted_seconds, 13 * 10.5);
  EXPECT_DOUBLE_EQ(f.winner_macs, 3e6);
  EXPECT_DOUBLE_EQ(f.spent_seconds, 480);

  // Training at 1.5 times the probe's time (the supernet took that over its plan): 10.5 s an epoch at 2M, as the
  // 3M winner above. A pace outside [0.5, 2] is held to it.
  f = plan_final_training(plan, 2e6, 480, 1.5);
  EXPECT_EQ(f.finetune_epochs, 3);
  EXPECT_DOUBLE_EQ(f.predicted_seconds, 13 * 10.5);
  EXPECT_DOUBLE_EQ(f.training_pace, 1.5);
  // The winner's batch measured at 0.8 s: taken as it is, the validation still at the pace: 10 x 0.8 + 1.5 x 2 = 11 s
  // an epoch. 3: 480 + (13 x 11 + 90) / 0.9 = 738.9; 4: 751.1.
  f = plan_final_training(plan, 2e6, 480, 1.5, 0.8);
  EXPECT_EQ(f.finetune_epochs, 3);
  EXPECT_DOUBLE_EQ(f.predicted_seconds, 13 * 11);
  EXPECT_DOUBLE_EQ(f.winner_batch_seconds, 0.8);
  EXPECT_DOUBLE_EQ(plan_final_training(plan, 2e6, 480, 5).training_pace, kMostPace);
  EXPECT_DOUBLE_EQ(plan_final_training(plan, 2e6, 480, 0).training_pace, kFewestPace);

  TimePlanInputs in = inputs(740);
  in.final_from_scratch = false; // fine-tuning: f x 7 s
  const TimePlan finetune = plan_to_budget(in, speeds());
  EXPECT_EQ(plan_final_training(finetune, 2e6, 600).finetune_epochs, 5) << "35 s + 90 s within 126 s";
  EXPECT_EQ(plan_final_training(finetune, 2e6, 610).finetune_epochs, 3) << "21 s + 90 s within 117 s";

  TimePlan replanned = plan;
  replanned.final_training = plan_final_training(plan, 3e6, 480);
  EXPECT_EQ(describe_final_training_plan(replanned),
            "planned again when stage 2 ended (~8 min spent, the winner 3.0M MACs, training at 1.00 times the probe's "
            "time): final training 13 epochs (~2 min)");
  replanned.final_training = plan_final_training(plan, 2e6, 600);
  EXPECT_NE(describe_final_training_plan(replanned).find("final training 11 epochs (~1 min), over the budget even at "
                                                         "the fewest"),
            std::string::npos)
      << describe_final_training_plan(replanned);
  replanned.final_training = plan_final_training(plan, 2e6, 480, 1.5, 0.8);
  EXPECT_EQ(describe_final_training_plan(replanned),
            "planned again when stage 2 ended (~8 min spent, the winner 2.0M MACs, a batch of it measured at 0.800 s, "
            "training at 1.50 times the probe's time): final training 13 epochs (~2 min)");
}

// When the supernet has trained, stage 2 and the final training are planned again from the time spent and the
// supernet's pace. From scratch with the supernet's 10 epochs: stage 2 20 s and 14 s a generation up to the 10th, 9 s
// after; the final training (10 + f) x 7 s; the phases after 90 s. It fits when
// spent + (pace x (stage 2 + final training) + 90) / 0.9 <= the budget.
TEST(TimePlan, PlansStageTwoAgainFromTheSupernetsTimeAndPace) {
  const TimePlan plan = plan_to_budget(inputs(740), speeds());
  ASSERT_EQ(plan.counts, (PlannedCounts{10, 20, 5}));
  // On plan (5 s + the supernet's 210): 250 + 105 at pace 1, 709.4 s in all.
  StageTwoPlan t = plan_stage2(plan, 215, 1);
  EXPECT_EQ(t.generations, 20);
  EXPECT_EQ(t.finetune_epochs, 5);
  EXPECT_DOUBLE_EQ(t.stage2_seconds, 250);
  EXPECT_DOUBLE_EQ(t.final_seconds, 105);
  EXPECT_TRUE(t.fits);
  // Late and slow (250 s, pace 1.2): generations are cut first, 12 s a generation after the 10th; at 13,
  // 250 + (1.2 x (187 + 105) + 90) / 0.9 = 739.3; at 14, 751.3.
  t = plan_stage2(plan, 250, 1.2);
  EXPECT_EQ(t.generations, 13);
  EXPECT_EQ(t.finetune_epochs, 5);
  EXPECT_DOUBLE_EQ(t.stage2_seconds, 1.2 * 187);
  EXPECT_DOUBLE_EQ(t.final_seconds, 1.2 * 105);
  EXPECT_DOUBLE_EQ(t.training_pace, 1.2);
  EXPECT_DOUBLE_EQ(t.spent_seconds, 250);
  // Later and slower (400 s, pace 1.5): within 340 s, 14 g + 7 f <= 54. From 10 generations and 5 epochs, shrunk by
  // 29%: 3 and 1 (49); giving back an epoch (56) or a generation (63) would not fit. The supernet's epochs stay.
  t = plan_stage2(plan, 400, 1.5);
  EXPECT_EQ(t.generations, 3);
  EXPECT_EQ(t.finetune_epochs, 1);
  EXPECT_DOUBLE_EQ(t.stage2_seconds, 1.5 * (20 + 3 * 14));
  EXPECT_DOUBLE_EQ(t.final_seconds, 1.5 * 11 * 7);
  EXPECT_TRUE(t.fits);
  t = plan_stage2(plan, 700, 1);
  EXPECT_EQ(t.generations, kPlanFewest.generations);
  EXPECT_EQ(t.finetune_epochs, kPlanFewest.finetune_epochs);
  EXPECT_FALSE(t.fits);
  EXPECT_DOUBLE_EQ(plan_stage2(plan, 215, 9).training_pace, kMostPace);

  // A machine faster than the probe gives back what the first plan cut: within 670 s it planned 13 generations; at
  // pace 0.8 on time, 215 + (0.8 x 355 + 90) / 0.9 = 630.6 s with all 20.
  const TimePlan tight = plan_to_budget(inputs(670), speeds());
  ASSERT_EQ(tight.counts, (PlannedCounts{10, 13, 5}));
  EXPECT_EQ(plan_stage2(tight, 215, 0.8).generations, 20);

  TimePlan replanned = plan;
  replanned.stage2 = plan_stage2(plan, 250, 1.2);
  EXPECT_EQ(replanned.counts_now(), (PlannedCounts{10, 13, 5}));
  EXPECT_DOUBLE_EQ(plan.seconds_now().stage2, plan.predicted.stage2) << "only the first plan made";
  EXPECT_DOUBLE_EQ(replanned.seconds_now().supernet, plan.predicted.supernet);
  EXPECT_DOUBLE_EQ(replanned.seconds_now().stage2, replanned.stage2->stage2_seconds);
  EXPECT_DOUBLE_EQ(replanned.seconds_now().final_training, replanned.stage2->final_seconds);
  EXPECT_EQ(describe_stage2_plan(replanned),
            "planned again when the supernet ended (~4 min spent, training at 1.20 times the probe's time): stage 2 13 "
            "generations (~4 min), final training 15 epochs (~2 min)");
  replanned.final_training = plan_final_training(replanned, 2e6, 530);
  EXPECT_EQ(replanned.counts_now(), (PlannedCounts{10, 13, 4})) << "the last plan's epochs";
  EXPECT_DOUBLE_EQ(replanned.seconds_now().final_training, replanned.final_training->predicted_seconds);
  EXPECT_DOUBLE_EQ(replanned.seconds_now().stage2, replanned.stage2->stage2_seconds);
}

// The fifth timed 96 KB run (docs/SEARCH.md): its probe read the machine about 15% fast, so the first plan gave 6
// supernet epochs, 6 generations and 5 fine-tuning epochs; the supernet took 1,143 s of the 999 planned and ended at
// 1,173 s; stage 2 then took 886 s and the final training, cut to 7 epochs, 570 s: 45.3 min in all. Planned again when
// the supernet ended, at its pace (1.14), a generation and a fine-tuning epoch go: 1,173 s + (633 + 632 + 90) / 0.9 =
// 2,679 s of the 2,700. (Its stage 2 ran 16% over even at the pace: 81% of its children were new, not 70%.)
TEST(TimePlan, TheFifthTimedRunPlannedAgainWhenItsSupernetEnded) {
  const TimePlan plan =
      plan_to_budget(timed_96k_inputs(30.6), timed_96k_speeds({0.17592, 0.42179, 0.04330, 0.40977, 2.79245}));
  ASSERT_EQ(plan.counts, (PlannedCounts{6, 6, 5}));
  EXPECT_NEAR(plan.predicted.supernet, 999.4, 0.5);
  const StageTwoPlan t = plan_stage2(plan, 1173.3, 1142.7 / 999.4);
  EXPECT_EQ(t.generations, 5);
  EXPECT_EQ(t.finetune_epochs, 4);
  EXPECT_NEAR(t.stage2_seconds, 633, 1);
  EXPECT_NEAR(t.final_seconds, 632, 1);
  EXPECT_TRUE(t.fits);
}

TEST(TimePlan, ItsFileReadsBackAndABadOneIsNamed) {
  const TimePlan plan = plan_to_budget(inputs(441), speeds());
  const TimePlan back = TimePlan::from_json(plan.to_json(), "time_plan.json");
  EXPECT_EQ(back.counts, plan.counts);
  EXPECT_EQ(back.inputs.most, plan.inputs.most);
  EXPECT_DOUBLE_EQ(back.predicted.total(5), 396);
  EXPECT_EQ(back.to_json(), plan.to_json());

  nlohmann::json j = nlohmann::json::parse(plan.to_json());
  j["child_macs"] = 2e6; // a plan made when children were predicted at one MACs figure: read, the figure unused
  EXPECT_EQ(TimePlan::from_json(j.dump(), "time_plan.json").to_json(), plan.to_json());
  j["counts"].erase("generations");
  try {
    TimePlan::from_json(j.dump(), "run/time_plan.json");
    FAIL() << "a plan without its generations was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_NE(std::string(e.what()).find("generations"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("run/time_plan.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TimePlan::from_json("{\"format\": \"tinynas-pipeline\"}", "x.json"), Error);

  // With stage 2 and the final training planned again.
  TimePlan replanned = plan;
  replanned.stage2 = plan_stage2(plan, 200, 1.1);
  replanned.stage2->taken_seconds = 41.5;
  replanned.final_training = plan_final_training(plan, 3e6, 300, 1.25, 0.6);
  const TimePlan again = TimePlan::from_json(replanned.to_json(), "time_plan.json");
  ASSERT_TRUE(again.stage2);
  ASSERT_TRUE(again.final_training);
  EXPECT_EQ(again.stage2->generations, replanned.stage2->generations);
  EXPECT_EQ(again.final_training->finetune_epochs, replanned.final_training->finetune_epochs);
  EXPECT_DOUBLE_EQ(again.stage2->taken_seconds, 41.5);
  EXPECT_EQ(again.to_json(), replanned.to_json());
  j = nlohmann::json::parse(replanned.to_json());
  j["stage2"].erase("taken_seconds"); // a plan from before stage 2's time was recorded
  EXPECT_DOUBLE_EQ(TimePlan::from_json(j.dump(), "time_plan.json").stage2->taken_seconds, 0);
  j["stage2"]["taken_seconds"] = -2;
  try {
    TimePlan::from_json(j.dump(), "run/time_plan.json");
    FAIL() << "a negative stage 2 time was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/stage2/taken_seconds"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(replanned.to_json());
  j["stage2"]["generations"] = -1;
  try {
    TimePlan::from_json(j.dump(), "run/time_plan.json");
    FAIL() << "a stage 2 of -1 generations was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stage2"), std::string::npos) << e.what();
  }
  j = nlohmann::json::parse(replanned.to_json());
  j["final_training"]["training_pace"] = 3;
  EXPECT_THROW(TimePlan::from_json(j.dump(), "run/time_plan.json"), Error) << "a pace out of its bounds";
  j["final_training"]["training_pace"] = 1.25;
  j["final_training"].erase("winner_batch_seconds"); // a plan from before the winner's batch was measured
  EXPECT_DOUBLE_EQ(TimePlan::from_json(j.dump(), "time_plan.json").final_training->winner_batch_seconds, 0);
  j["final_training"]["winner_batch_seconds"] = -1;
  EXPECT_THROW(TimePlan::from_json(j.dump(), "run/time_plan.json"), Error) << "a negative batch time";
  j["final_training"]["winner_batch_seconds"] = 0.6;
  j["final_training"]["finetune_epochs"] = 0;
  try {
    TimePlan::from_json(j.dump(), "run/time_plan.json");
    FAIL() << "a final training of no epochs was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("final_training"), std::string::npos) << e.what();
  }
}

TEST(PhaseSpeedProbe, ATypicalBatchIsTheMeanWithoutFirstTouches) {
  // Batches at two resolutions, 0.2 s and 0.3 s: their median is one of them (here 0.2), their mean what an
  // epoch costs. The 1.5 s batch, above 3 x the median, touched memory for the first time and is left out.
  EXPECT_NEAR(typical_batch_seconds({0.3, 0.2, 1.5, 0.2, 0.3, 0.2, 0.2}), 1.4 / 6, 1e-12);
  EXPECT_DOUBLE_EQ(typical_batch_seconds({0.2, 0.6}), 0.4) << "0.6 is within 3 x the median of 0.4";
  EXPECT_DOUBLE_EQ(typical_batch_seconds({0.25}), 0.25);
  EXPECT_DOUBLE_EQ(typical_batch_seconds({}), 0);
}

TEST(TimeBudget, ReadsAsUsersWriteIt) {
  EXPECT_DOUBLE_EQ(parse_time_budget("45min"), 2700);
  EXPECT_DOUBLE_EQ(parse_time_budget("45m"), 2700);
  EXPECT_DOUBLE_EQ(parse_time_budget("45"), 2700) << "a number alone is minutes";
  EXPECT_DOUBLE_EQ(parse_time_budget("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(parse_time_budget("2700s"), 2700);
  EXPECT_DOUBLE_EQ(parse_time_budget("none"), 0);
  EXPECT_DOUBLE_EQ(parse_time_budget("0"), 0);
  for (const char* bad : {"45 minutes", "-5min", "abc", "", "1e999h", "45minx"}) {
    try {
      parse_time_budget(bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("time_budget"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("is not a time budget ("), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("; use e.g. 45min, 1.5h, 2700s, or none)"), std::string::npos)
          << "says how to write one: " << e.what();
    }
  }
  try {
    parse_time_budget("soon");
    FAIL();
  } catch (const Error& e) { // the parser's reason, worded as a budget that also takes "none"
    EXPECT_EQ(std::string(e.what()),
              "time_budget: \"soon\" is not a time budget (no number; use e.g. 45min, 1.5h, 2700s, or none)");
  }
  EXPECT_EQ(format_time_budget(2700), "45min");
  EXPECT_EQ(format_time_budget(90), "90s");
  EXPECT_EQ(format_time_budget(0), "none");
  EXPECT_DOUBLE_EQ(parse_time_budget(format_time_budget(kDefaultTimeBudgetSeconds)), kDefaultTimeBudgetSeconds);
}

} // namespace
} // namespace tinynas

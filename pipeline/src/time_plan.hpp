#pragma once
// The pipeline's counts sized to a time budget (`tinynas search --data ... --time-budget 45min`): from
// what one training batch and one subnet's score cost on this machine (phase_speed_probe.hpp) and
// what stage 1 says of the subnets that fit, the supernet epochs, stage 2's generations and the final
// training's epochs whose predicted total stays within the budget. The options' counts are the most
// the plan gives. RUN/time_plan.json records the plan, so a continued run keeps it.

#include <cstdint>
#include <optional>
#include <string>

namespace tinynas {

// Measured on this machine, for the chosen space, by training and scoring a few batches.
struct PhaseSpeeds {
  int batches_per_epoch = 0;         // of the whole training split at the supernet's batch size
  double largest_batch_seconds = 0;  // supernet phase 1: the largest subnet at a random resolution
  double sandwich_batch_seconds = 0; // supernet phase 2: the sandwich rule's subnets
  double largest_train_macs = 0;     // the largest subnet's MACs, averaged over the resolutions phase 1 draws
  std::int64_t smallest_macs = 0;    // the smallest subnet at the smallest resolution ...
  double smallest_batch_seconds = 0; // ... a training batch of it alone (0: not measured) ...
  double smallest_score_seconds = 0; // ... and its BN recalibration plus validation, as stage 2 scores it
  std::int64_t largest_macs = 0;     // the largest subnet at the largest resolution ...
  double largest_score_seconds = 0;  // ... and its score
  double probe_seconds = 0;          // what measuring all this took

  // Seconds to score one subnet of `macs` MACs (the line through the two measured scores).
  double score_seconds(double macs) const;
  // Seconds of one training batch of a single subnet of `macs` MACs (the line through the smallest subnet's
  // batch and phase 1's; phase 1's scaled by MACs when the smallest's was not measured).
  double subnet_batch_seconds(double macs) const;
};

struct PlannedCounts {
  int supernet_epochs = 0;
  int generations = 0;
  int finetune_epochs = 0;
  bool operator==(const PlannedCounts&) const = default;
};

struct TimePlanInputs {
  double budget_seconds = 0;      // the whole run, stage 1 included
  double spent_seconds = 0;       // already spent when planning: stage 1 and the probe
  PlannedCounts most;             // the options' counts: the plan gives at most these
  int population = 0;             // stage 2's subnets per generation
  bool final_from_scratch = true; // final training: supernet + fine-tuning epochs from scratch, else fine-tuning's
  bool supernet_trained = false;  // a supernet already in RUN: it costs nothing more and keeps its epochs
  // Stage 1's fitting subnets of the chosen pair: their mean MACs (stage 2's first subnets) and their largest (the
  // winner, for its final training; stage 2's children climb from the mean to it over the first generations).
  double mean_fitting_macs = 0;
  double winner_macs = 0;
};

// The phases' predicted seconds for some counts.
struct PhaseSeconds {
  double supernet = 0, stage2 = 0, final_training = 0, rest = 0;
  double total(double spent) const { return spent + supernet + stage2 + final_training + rest; }
};

// The final training planned again when stage 2 ends: the earlier phases' time is then measured, not predicted
// (in timed 96 KB runs they took 14% and 24% over), and the winner's MACs are known where the first plan assumed
// the largest of stage 1's fitting sample (the winner had up to 15% more).
struct FinalTrainingPlan {
  double spent_seconds = 0;        // the run's time when stage 2 ended
  double winner_macs = 0;          // stage 2's winner
  double training_pace = 1;        // the supernet's training, taken over planned seconds (1: not measured)
  double winner_batch_seconds = 0; // a training batch of the winner alone, measured (0: not measured)
  int finetune_epochs = 0;         // the fine-tuning epochs, or from scratch the epochs beyond the supernet's
  double predicted_seconds = 0;    // the final training's, at finetune_epochs
  bool fits = true; // false: even the fewest epochs (one more than the supernet's from scratch, else one)
                    // are predicted over the budget; the run does them
};

// Stage 2 and the final training planned again when the supernet has trained: the time spent is then measured, and
// so is the pace of this machine's training over a whole phase, where the first plan had the probe's few seconds
// (two of three timed 96 KB probes read the machine 15% fast; every phase after ran over). Cutting generations then
// costs less accuracy than cutting the final training at the end: stage 2 finds nearly all it will by generation 10.
struct StageTwoPlan {
  double spent_seconds = 0;  // the run's time when the supernet ended
  double training_pace = 1;  // the supernet's taken over planned seconds, held to [kFewestPace, kMostPace]
  int generations = 0;       // stage 2's
  int finetune_epochs = 0;   // the final training's, until it is planned again when stage 2 ends
  double stage2_seconds = 0; // predicted at the pace
  double final_seconds = 0;  // predicted at the pace, at the first plan's winner MACs
  bool fits = true;          // false: even the fewest are predicted over the budget; the run does them
  // Stage 2's time so far over every process that worked on it (not the time between them), recorded as it goes,
  // after every chunk of subnets scored: what a run continued in stage 2 counts when it plans the final training.
  double taken_seconds = 0;
};

struct TimePlan {
  TimePlanInputs inputs;
  PhaseSpeeds speeds;
  PlannedCounts counts;               // the first plan's (made before the supernet)
  PhaseSeconds predicted;             // for `counts`
  bool fits = true;                   // false: even the fewest counts are predicted over the budget (the run uses them)
  std::optional<StageTwoPlan> stage2; // planned again when the supernet ended
  std::optional<FinalTrainingPlan> final_training; // planned again when stage 2 ended

  // What the run does: the first plan's counts, with the later plans' in their place once made.
  PlannedCounts counts_now() const;
  // The phases' predicted seconds for counts_now(): each phase's from the last plan that predicted it (the supernet's
  // from the first plan only; stage 2's from the second when made; the final training's from the third, else the
  // second).
  PhaseSeconds seconds_now() const;

  std::string to_json() const;
  // Error(kInvalidFile) naming `file` and the field.
  static TimePlan from_json(const std::string& text, const std::string& file);
};

// Stage 2 keeps at least this many generations while other counts are cut, before all shrink together:
// the bench's full-scale searches were within 0.14 points of their best after generation 10 (docs/SEARCH.md).
inline constexpr int kPlanGenerationsFirstCut = 10;
// The least the plan gives each count.
inline constexpr PlannedCounts kPlanFewest{4, 3, 1};

// The phases' time for `counts` (pure: the same inputs give the same seconds).
PhaseSeconds predict_phase_seconds(const TimePlanInputs& in, const PhaseSpeeds& speeds, const PlannedCounts& counts);

// The share of the budget the plan fills: in a 96 KB run the phases took 11% (supernet) to 34% (stage 2) longer
// than predicted before the children and the final training had their own MACs, partly what the predictions leave
// out (stage 2's work around the scores), partly a low-priority build that shared the machine.
inline constexpr double kPlanBudgetShare = 0.9;

// The largest counts predicted within kPlanBudgetShare of the budget: first stage 2's generations down to
// kPlanGenerationsFirstCut, then all three counts shrunk by one factor (in steps of 1%) and raised back one at a
// time into what the factor's coarse steps left, never below kPlanFewest nor above in.most.
TimePlan plan_to_budget(const TimePlanInputs& in, const PhaseSpeeds& speeds);

// The most fine-tuning epochs (at most the options', at least kPlanFewest's) whose final training and the phases
// after it are predicted to end within what is left of the budget after `spent_seconds`, at `winner_macs`. The
// margin kPlanBudgetShare leaves is taken on the predicted time only: what was spent is known. The final training
// is predicted at `training_pace` times the probe's speed: the supernet's epochs are training batches too, and
// over a whole phase they show what the probe's few seconds misread (in a timed 96 KB run, batches 15% slower
// than probed). The pace is held within [kFewestPace, kMostPace].
// The winner's batch is `winner_batch_seconds` when measured (> 0: measure_subnet_batch_seconds), which needs no pace.
FinalTrainingPlan plan_final_training(const TimePlan& plan, double winner_macs, double spent_seconds,
                                      double training_pace = 1, double winner_batch_seconds = 0);
inline constexpr double kFewestPace = 0.5, kMostPace = 2;

// The most generations and fine-tuning epochs (at most the options', at least kPlanFewest's, cut as plan_to_budget
// cuts them) whose stage 2, final training and the phases after them are predicted to end within what is left of the
// budget after `spent_seconds`, at `training_pace` times the probe's speed (held within [kFewestPace, kMostPace]).
// Scoring a subnet is BN recalibration and validation, forward passes as training's are: the supernet's pace is
// taken for both. As in plan_final_training the margin is on the predicted time only. The supernet's epochs stay.
StageTwoPlan plan_stage2(const TimePlan& plan, double spent_seconds, double training_pace);

// "supernet 7 epochs (~12 min), stage 2 10 generations (~14 min), final training 11 epochs (~9 min)".
std::string describe_time_plan(const TimePlan& plan);
// "planned again when the supernet ended (~17 min spent, training at 1.14 times the probe's time): stage 2 5
// generations (~12 min), final training 11 epochs (~10 min)".
std::string describe_stage2_plan(const TimePlan& plan);
// "planned again when stage 2 ended (~31 min spent, the winner 16.7M MACs): final training 9 epochs (~9 min)".
std::string describe_final_training_plan(const TimePlan& plan);

} // namespace tinynas

#include "time_plan.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/supernet/training_config.hpp"

namespace tinynas {

namespace {

// Of each generation's children, the share not scored before (a subnet already scored is not scored again), in
// the bench's full-scale searches at 40 KB and 96 KB: 0.67 to 0.78 over generations 1 to 10, 0.29 to 0.55 after.
constexpr double kNewChildShareEarly = 0.7;
constexpr int kEarlyGenerations = 10;
constexpr double kNewChildShareLate = 0.45;
// Evolution's children climb from the fitting subnets' mean MACs to about their largest, evenly over the first 8
// generations, then stay there: in 96 KB searches (mean 8.3M, largest of stage 1's sample 14.5M) 8.9, 9.7, 10.2,
// 11.1, 11.9 and 12.6M over generations 1 to 6; in another 10.0M at generation 1, 14.8M at 8, 14.0 to 15.2M after.
constexpr int kChildClimbGenerations = 8;
// Test accuracy (10,000 images, float and int8), export and the board: under a minute at 40 KB and about one
// at 96 KB (docs/SEARCH.md).
constexpr double kRestSeconds = 90;

// The final training's epochs: from scratch the supernet's and the fine-tuning's, else the fine-tuning's.
int final_epochs(const TimePlanInputs& in, int supernet_epochs, int finetune_epochs) {
  return in.final_from_scratch ? supernet_epochs + finetune_epochs : finetune_epochs;
}

// One epoch of the final training: its batches, of `batch_seconds` each, and a validation of the winner, predicted
// at `score_pace` times the probe's time.
double final_epoch_seconds(const PhaseSpeeds& s, double winner_macs, double batch_seconds, double score_pace) {
  return s.batches_per_epoch * batch_seconds + score_pace * s.score_seconds(winner_macs);
}

// The MACs of generation `generation`'s children (1 = the first children).
double child_macs(const TimePlanInputs& in, int generation) {
  const double climbed = std::min(1.0, static_cast<double>(generation) / kChildClimbGenerations);
  return in.mean_fitting_macs + (in.winner_macs - in.mean_fitting_macs) * climbed;
}

PlannedCounts shrunk(const PlannedCounts& c, const PlannedCounts& fewest, double factor) {
  const auto scale = [&](int count, int least) {
    return std::max(std::min(count, least), static_cast<int>(std::lround(count * factor)));
  };
  return {scale(c.supernet_epochs, fewest.supernet_epochs), scale(c.generations, fewest.generations),
          scale(c.finetune_epochs, fewest.finetune_epochs)};
}

// The factor's steps are coarse (a supernet epoch is a tenth of the default count and a fifth of the run), so
// the counts it gives can leave minutes of the budget unused: they go back one count at a time, the final
// training's first (it trains the model deployed), then stage 2's, then the supernet's, while the plan fits.
template <typename Fits>
PlannedCounts refilled(PlannedCounts c, const PlannedCounts& most, const Fits& fits) {
  const PlannedCounts cap{most.supernet_epochs, std::min(most.generations, kPlanGenerationsFirstCut),
                          most.finetune_epochs};
  for (bool grew = true; grew;) {
    grew = false;
    for (int PlannedCounts::*count :
         {&PlannedCounts::finetune_epochs, &PlannedCounts::generations, &PlannedCounts::supernet_epochs}) {
      PlannedCounts more = c;
      if (++(more.*count) > cap.*count || !fits(more)) continue;
      c = more;
      grew = true;
    }
  }
  return c;
}

struct FittingCounts {
  PlannedCounts counts;
  bool fits = true;
};

// The largest counts `fits` takes, never above `most` nor below `fewest`: first stage 2's generations down to
// kPlanGenerationsFirstCut (stage 2 has found nearly all it will by then), then all three counts shrunk by one factor
// (in steps of 1%) and raised back one at a time into what the factor's coarse steps left.
template <typename Fits>
FittingCounts largest_fitting(const PlannedCounts& most, const PlannedCounts& fewest, const Fits& fits) {
  PlannedCounts c = most;
  while (!fits(c) && c.generations > std::min(most.generations, kPlanGenerationsFirstCut)) --c.generations;
  if (fits(c)) return {c, true};
  const PlannedCounts cut = c;
  for (int percent = 99; percent >= 1 && !fits(c); --percent) c = shrunk(cut, fewest, percent / 100.0);
  if (!fits(c)) return {c, false};
  return {refilled(c, most, fits), true};
}

nlohmann::json counts_json(const PlannedCounts& c) {
  return {
      {"supernet_epochs", c.supernet_epochs}, {"generations", c.generations}, {"finetune_epochs", c.finetune_epochs}};
}

PlannedCounts counts_from(const json_util::Field& f) {
  return {f.get_int("supernet_epochs"), f.get_int("generations"), f.get_int("finetune_epochs")};
}

// A later plan's pace (1 in plans from before it was measured) and fine-tuning epochs.
double read_pace(const json_util::Field& t) {
  const double pace = t.get_double("training_pace", 1);
  if (!(pace >= kFewestPace && pace <= kMostPace))
    t.fail(fmt::format("training_pace must be in [{:g}, {:g}]", kFewestPace, kMostPace));
  return pace;
}

int read_epochs(const json_util::Field& t) {
  const int epochs = t.get_int("finetune_epochs");
  if (epochs < 1) t.fail("finetune_epochs must be at least 1");
  return epochs;
}

std::string minutes(double seconds) { return fmt::format("~{:.0f} min", seconds / 60); }

} // namespace

double PhaseSpeeds::score_seconds(double macs) const {
  if (largest_macs <= smallest_macs) return largest_score_seconds;
  const double slope =
      (largest_score_seconds - smallest_score_seconds) / static_cast<double>(largest_macs - smallest_macs);
  return std::max(0.0, smallest_score_seconds + slope * (macs - static_cast<double>(smallest_macs)));
}

double PhaseSpeeds::subnet_batch_seconds(double macs) const {
  const double low = static_cast<double>(smallest_macs);
  if (smallest_batch_seconds > 0 && largest_train_macs > low) {
    const double slope = (largest_batch_seconds - smallest_batch_seconds) / (largest_train_macs - low);
    return std::max(0.0, smallest_batch_seconds + slope * (macs - low));
  }
  return largest_train_macs > 0 ? largest_batch_seconds * macs / largest_train_macs : largest_batch_seconds;
}

PhaseSeconds predict_phase_seconds(const TimePlanInputs& in, const PhaseSpeeds& s, const PlannedCounts& c) {
  PhaseSeconds p;
  const double batches = s.batches_per_epoch;
  if (!in.supernet_trained) {
    // The split between the phases is training's own (30% on the largest subnet); each epoch ends with the
    // largest and the smallest subnet validated.
    const TrainingConfig t = make_training_config(1.0, c.supernet_epochs, std::nullopt, 0, 0);
    p.supernet = batches * (t.largest_epochs * s.largest_batch_seconds + t.elastic_epochs * s.sandwich_batch_seconds) +
                 c.supernet_epochs * (s.smallest_score_seconds + s.largest_score_seconds);
  }
  p.stage2 = in.population * s.score_seconds(in.mean_fitting_macs);
  for (int g = 1; g <= c.generations; ++g) {
    const double new_children = in.population * (g <= kEarlyGenerations ? kNewChildShareEarly : kNewChildShareLate);
    p.stage2 += new_children * s.score_seconds(child_macs(in, g));
  }
  p.final_training = final_epochs(in, c.supernet_epochs, c.finetune_epochs) *
                     final_epoch_seconds(s, in.winner_macs, s.subnet_batch_seconds(in.winner_macs), 1);
  p.rest = kRestSeconds;
  return p;
}

TimePlan plan_to_budget(const TimePlanInputs& in, const PhaseSpeeds& speeds) {
  const auto fits = [&](const PlannedCounts& c) {
    return predict_phase_seconds(in, speeds, c).total(in.spent_seconds) <= kPlanBudgetShare * in.budget_seconds;
  };
  const FittingCounts f = largest_fitting(in.most, kPlanFewest, fits);
  TimePlan plan;
  plan.inputs = in;
  plan.speeds = speeds;
  plan.counts = f.counts;
  plan.predicted = predict_phase_seconds(in, speeds, f.counts);
  plan.fits = f.fits;
  return plan;
}

PlannedCounts TimePlan::counts_now() const {
  PlannedCounts c = counts;
  if (stage2) c.generations = stage2->generations, c.finetune_epochs = stage2->finetune_epochs;
  if (final_training) c.finetune_epochs = final_training->finetune_epochs;
  return c;
}

PhaseSeconds TimePlan::seconds_now() const {
  PhaseSeconds p = predicted;
  if (stage2) p.stage2 = stage2->stage2_seconds, p.final_training = stage2->final_seconds;
  if (final_training) p.final_training = final_training->predicted_seconds;
  return p;
}

StageTwoPlan plan_stage2(const TimePlan& plan, double spent_seconds, double training_pace) {
  const double pace = std::clamp(training_pace, kFewestPace, kMostPace);
  const int supernet_epochs = plan.counts.supernet_epochs; // trained: only the final training from scratch reads it
  const PlannedCounts most{supernet_epochs, plan.inputs.most.generations, plan.inputs.most.finetune_epochs};
  const PlannedCounts fewest{supernet_epochs, kPlanFewest.generations, kPlanFewest.finetune_epochs};
  const auto predicted = [&](const PlannedCounts& c) { return predict_phase_seconds(plan.inputs, plan.speeds, c); };
  const auto fits = [&](const PlannedCounts& c) {
    const PhaseSeconds p = predicted(c);
    return spent_seconds + (pace * (p.stage2 + p.final_training) + p.rest) / kPlanBudgetShare <=
           plan.inputs.budget_seconds;
  };
  const FittingCounts f = largest_fitting(most, fewest, fits);
  const PhaseSeconds p = predicted(f.counts);
  return {spent_seconds,           pace,  f.counts.generations, f.counts.finetune_epochs, pace * p.stage2,
          pace * p.final_training, f.fits};
}

FinalTrainingPlan plan_final_training(const TimePlan& plan, double winner_macs, double spent_seconds,
                                      double training_pace, double winner_batch_seconds) {
  const TimePlanInputs& in = plan.inputs;
  const double pace = std::clamp(training_pace, kFewestPace, kMostPace);
  const double batch =
      winner_batch_seconds > 0 ? winner_batch_seconds : pace * plan.speeds.subnet_batch_seconds(winner_macs);
  const double epoch = final_epoch_seconds(plan.speeds, winner_macs, batch, pace);
  const auto final_seconds = [&](int finetune_epochs) {
    return final_epochs(in, plan.counts.supernet_epochs, finetune_epochs) * epoch;
  };
  const auto fits = [&](int finetune_epochs) {
    return spent_seconds + (final_seconds(finetune_epochs) + kRestSeconds) / kPlanBudgetShare <= in.budget_seconds;
  };
  const int fewest = std::min(kPlanFewest.finetune_epochs, in.most.finetune_epochs);
  int epochs = in.most.finetune_epochs;
  while (epochs > fewest && !fits(epochs)) --epochs;
  return {spent_seconds, winner_macs,           pace,        std::max(0.0, winner_batch_seconds),
          epochs,        final_seconds(epochs), fits(epochs)};
}

std::string describe_time_plan(const TimePlan& plan) {
  const PlannedCounts& c = plan.counts;
  const PhaseSeconds& p = plan.predicted;
  std::string supernet = plan.inputs.supernet_trained
                             ? std::string("supernet already trained")
                             : fmt::format("supernet {} epochs ({})", c.supernet_epochs, minutes(p.supernet));
  return fmt::format(
      "{}, stage 2 {} generations ({}), final training {} epochs ({}); {} in all, planned within {:.0f}% of the {} "
      "budget{}",
      supernet, c.generations, minutes(p.stage2), final_epochs(plan.inputs, c.supernet_epochs, c.finetune_epochs),
      minutes(p.final_training), minutes(p.total(plan.inputs.spent_seconds)), 100 * kPlanBudgetShare,
      minutes(plan.inputs.budget_seconds), plan.fits ? "" : " (over it even at the fewest counts)");
}

std::string describe_stage2_plan(const TimePlan& plan) {
  const StageTwoPlan& t = *plan.stage2;
  return fmt::format("planned again when the supernet ended ({} spent, training at {:.2f} times the probe's time): "
                     "stage 2 {} generations ({}), final training {} epochs ({}){}",
                     minutes(t.spent_seconds), t.training_pace, t.generations, minutes(t.stage2_seconds),
                     final_epochs(plan.inputs, plan.counts.supernet_epochs, t.finetune_epochs),
                     minutes(t.final_seconds), t.fits ? "" : ", over the budget even at the fewest");
}

std::string describe_final_training_plan(const TimePlan& plan) {
  const FinalTrainingPlan& f = *plan.final_training;
  const std::string batch = f.winner_batch_seconds > 0
                                ? fmt::format(", a batch of it measured at {:.3f} s", f.winner_batch_seconds)
                                : std::string();
  return fmt::format("planned again when stage 2 ended ({} spent, the winner {:.1f}M MACs{}, training at {:.2f} times "
                     "the probe's time): final training {} epochs ({}){}",
                     minutes(f.spent_seconds), f.winner_macs / 1e6, batch, f.training_pace,
                     final_epochs(plan.inputs, plan.counts.supernet_epochs, f.finetune_epochs),
                     minutes(f.predicted_seconds), f.fits ? "" : ", over the budget even at the fewest");
}

std::string TimePlan::to_json() const {
  const PhaseSpeeds& s = speeds;
  nlohmann::json j = {{"format", "tinynas-time-plan"},
                      {"version", 1},
                      {"budget_seconds", inputs.budget_seconds},
                      {"spent_seconds", inputs.spent_seconds},
                      {"most", counts_json(inputs.most)},
                      {"population", inputs.population},
                      {"final_from_scratch", inputs.final_from_scratch},
                      {"supernet_trained", inputs.supernet_trained},
                      {"mean_fitting_macs", inputs.mean_fitting_macs},
                      {"winner_macs", inputs.winner_macs},
                      {"speeds",
                       {{"batches_per_epoch", s.batches_per_epoch},
                        {"largest_batch_seconds", s.largest_batch_seconds},
                        {"sandwich_batch_seconds", s.sandwich_batch_seconds},
                        {"largest_train_macs", s.largest_train_macs},
                        {"smallest_macs", s.smallest_macs},
                        {"smallest_batch_seconds", s.smallest_batch_seconds},
                        {"smallest_score_seconds", s.smallest_score_seconds},
                        {"largest_macs", s.largest_macs},
                        {"largest_score_seconds", s.largest_score_seconds},
                        {"probe_seconds", s.probe_seconds}}},
                      {"counts", counts_json(counts)},
                      {"predicted_seconds",
                       {{"supernet", predicted.supernet},
                        {"stage2", predicted.stage2},
                        {"final_training", predicted.final_training},
                        {"rest", predicted.rest},
                        {"total", predicted.total(inputs.spent_seconds)}}},
                      {"fits", fits}};
  if (stage2)
    j["stage2"] = {{"spent_seconds", stage2->spent_seconds},
                   {"training_pace", stage2->training_pace},
                   {"generations", stage2->generations},
                   {"finetune_epochs", stage2->finetune_epochs},
                   {"stage2_seconds", stage2->stage2_seconds},
                   {"final_seconds", stage2->final_seconds},
                   {"fits", stage2->fits},
                   {"taken_seconds", stage2->taken_seconds}};
  if (final_training)
    j["final_training"] = {{"spent_seconds", final_training->spent_seconds},
                           {"winner_macs", final_training->winner_macs},
                           {"training_pace", final_training->training_pace},
                           {"finetune_epochs", final_training->finetune_epochs},
                           {"winner_batch_seconds", final_training->winner_batch_seconds},
                           {"predicted_seconds", final_training->predicted_seconds},
                           {"fits", final_training->fits}};
  return j.dump(2) + "\n";
}

TimePlan TimePlan::from_json(const std::string& text, const std::string& file) {
  const nlohmann::json doc = json_util::parse(text, file);
  const json_util::Field f(doc, file);
  if (f.get_string("format", "") != "tinynas-time-plan") f.fail("not a time plan (format \"tinynas-time-plan\")");
  TimePlan p;
  TimePlanInputs& in = p.inputs;
  in.budget_seconds = f.get_double("budget_seconds");
  in.spent_seconds = f.get_double("spent_seconds");
  in.most = counts_from(f.at("most"));
  in.population = f.get_int("population");
  in.final_from_scratch = f.at("final_from_scratch").as_bool();
  in.supernet_trained = f.at("supernet_trained").as_bool();
  in.mean_fitting_macs = f.get_double("mean_fitting_macs");
  in.winner_macs = f.get_double("winner_macs");
  const json_util::Field s = f.at("speeds");
  PhaseSpeeds& v = p.speeds;
  v.batches_per_epoch = s.get_int("batches_per_epoch");
  v.largest_batch_seconds = s.get_double("largest_batch_seconds");
  v.sandwich_batch_seconds = s.get_double("sandwich_batch_seconds");
  v.largest_train_macs = s.get_double("largest_train_macs");
  v.smallest_macs = s.at("smallest_macs").as_int64();
  v.smallest_batch_seconds = s.get_double("smallest_batch_seconds");
  v.smallest_score_seconds = s.get_double("smallest_score_seconds");
  v.largest_macs = s.at("largest_macs").as_int64();
  v.largest_score_seconds = s.get_double("largest_score_seconds");
  v.probe_seconds = s.get_double("probe_seconds");
  p.counts = counts_from(f.at("counts"));
  if (p.counts.supernet_epochs < 1 || p.counts.generations < 0 || p.counts.finetune_epochs < 1)
    f.at("counts").fail("a count out of range");
  p.predicted = predict_phase_seconds(in, p.speeds, p.counts);
  p.fits = f.at("fits").as_bool();
  if (f.has("stage2")) { // from when the supernet ended
    const json_util::Field t = f.at("stage2");
    StageTwoPlan& st = p.stage2.emplace();
    st.spent_seconds = t.get_double("spent_seconds");
    st.training_pace = read_pace(t);
    st.generations = t.get_int("generations");
    if (st.generations < 0) t.fail("generations must not be negative");
    st.finetune_epochs = read_epochs(t);
    st.stage2_seconds = t.get_double("stage2_seconds");
    st.final_seconds = t.get_double("final_seconds");
    st.fits = t.at("fits").as_bool();
    st.taken_seconds = t.get_double("taken_seconds", 0); // 0 in a plan from before it was recorded
    if (!(st.taken_seconds >= 0)) t.at("taken_seconds").fail("must not be negative");
  }
  if (f.has("final_training")) { // from when stage 2 ended
    const json_util::Field t = f.at("final_training");
    FinalTrainingPlan& ft = p.final_training.emplace();
    ft.spent_seconds = t.get_double("spent_seconds");
    ft.winner_macs = t.get_double("winner_macs");
    ft.training_pace = read_pace(t);
    ft.winner_batch_seconds = t.get_double("winner_batch_seconds", 0);
    if (!(ft.winner_batch_seconds >= 0)) t.fail("winner_batch_seconds must not be negative");
    ft.finetune_epochs = read_epochs(t);
    ft.predicted_seconds = t.get_double("predicted_seconds");
    ft.fits = t.at("fits").as_bool();
  }
  return p;
}

} // namespace tinynas

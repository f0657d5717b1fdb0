#include "phase_speed_probe.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/quantile.hpp"
#include "tinynas/space/stopwatch.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

namespace {

using Clock = std::chrono::steady_clock;

// Each epoch's batch times during a training: the intervals between consecutive progress reports within it (an
// epoch's first batch is left out, its interval holding what came before it).
class BatchIntervals {
public:
  TrainCallbacks callbacks() {
    TrainCallbacks c;
    c.on_batch = [this](const BatchProgress& p) {
      const auto now = Clock::now();
      if (per_epoch_.size() < static_cast<std::size_t>(p.epoch)) per_epoch_.resize(static_cast<std::size_t>(p.epoch));
      if (p.batch > 1) per_epoch_[static_cast<std::size_t>(p.epoch - 1)].push_back(seconds_between(last_, now));
      last_ = now;
    };
    return c;
  }
  // Epoch `epoch`'s (1-based) typical batch; `fallback` when it had a single batch.
  double typical_of(int epoch, double fallback) const {
    const auto e = static_cast<std::size_t>(epoch - 1);
    return e < per_epoch_.size() && !per_epoch_[e].empty() ? typical_batch_seconds(per_epoch_[e]) : fallback;
  }

private:
  static double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }
  std::vector<std::vector<double>> per_epoch_;
  Clock::time_point last_ = Clock::now();
};

// Seconds to recalibrate and validate `arch` as stage 2 scores its subnets, as many at once as the evaluator runs:
// a group of copies of it, the group's time over its size (at least two, so the mean of two: one alone varied by
// 10% between probes).
double score_seconds(SubnetEvaluator& evaluator, const Arch& arch) {
  const std::vector<Arch> group(static_cast<std::size_t>(std::max(2, SubnetEvaluator::archs_at_once())), arch);
  const auto started = Clock::now();
  evaluator.evaluate(group);
  return seconds_since(started) / static_cast<double>(group.size());
}

} // namespace

double typical_batch_seconds(std::vector<double> intervals) {
  if (intervals.empty()) return 0;
  std::sort(intervals.begin(), intervals.end());
  const double median = quantile_of_sorted(intervals, 0.5);
  double sum = 0;
  int kept = 0;
  for (double t : intervals) {
    if (t > kFirstTouchFactor * median) break;
    sum += t;
    ++kept;
  }
  return sum / kept;
}

double measure_subnet_batch_seconds(Supernet& supernet, const Arch& arch, const ImageSet& train,
                                    const TrainingConfig& config, int batches) {
  const int batch_size = std::max(1, std::min(config.batch_size, train.size()));
  const ImageSet few = train.slice(0, std::min(train.size(), batches * batch_size));
  BatchIntervals alone;
  finetune_subnet(supernet, arch, few, 1, config.largest_lr, config, alone.callbacks());
  return alone.typical_of(1, 0);
}

PhaseSpeeds measure_phase_speeds(const SearchSpace& space, const TrainingConfig& config, const DatasetSplits& data,
                                 const EstimatorOptions& scoring, const std::string& scratch, int batches) {
  const auto started = Clock::now();
  PhaseSpeeds s;
  const int batch_size = std::min(config.batch_size, data.train.size());
  s.batches_per_epoch = std::max(1, data.train.size() / std::max(1, batch_size));

  // One epoch of each phase over `batches` batches, without validation. A batch's time is the interval
  // between its progress report and the one before, so each epoch's first batch is left out; the phase's is
  // typical_batch_seconds of the others.
  TrainingConfig probe = config;
  probe.largest_epochs = 1;
  probe.elastic_epochs = 1;
  probe.validate_each_epoch = false;
  // The probe's data: the first batches of the training split, and what describes the data (class names,
  // normalisation, flips). Not a copy of every split: a user's dataset can be gigabytes.
  const int trained = std::min(batches, s.batches_per_epoch);
  DatasetSplits few;
  few.train = data.train.slice(0, std::min(data.train.size(), trained * batch_size));
  few.class_names = data.class_names;
  few.description = data.description;
  BatchIntervals phases;
  const TrainResult r = train_supernet(space, probe, few, scratch, phases.callbacks());
  // Data of one batch: that batch's time, first one included.
  s.largest_batch_seconds = phases.typical_of(1, r.epochs.at(0).seconds / trained);
  s.sandwich_batch_seconds = phases.typical_of(2, r.epochs.at(1).seconds / trained);

  Supernet supernet = Supernet::load(scratch);
  std::filesystem::remove(scratch);
  const auto [low, high] = std::minmax_element(space.resolutions.begin(), space.resolutions.end());
  double sum = 0;
  for (int resolution : space.resolutions) sum += static_cast<double>(subnet_macs(space, supernet.largest(resolution)));
  s.largest_train_macs = sum / static_cast<double>(space.resolutions.size());

  EvaluatorOptions eo;
  eo.max_images = scoring.eval_images;
  eo.calibration_batches = scoring.calibration_batches;
  SubnetEvaluator evaluator(supernet, data.train, data.val, eo);
  const Arch smallest = supernet.smallest(*low), largest = supernet.largest(*high);
  // The first call allocates the workspaces and a larger subnet grows them, which stage 2 does once: untimed. (The
  // largest's first score, timed, read 2.8 to 4.1 s in timed 96 KB runs; stage 2 then scored as fast as in others.)
  evaluator.evaluate(std::vector<Arch>(static_cast<std::size_t>(SubnetEvaluator::archs_at_once()), largest));
  s.smallest_macs = subnet_macs(space, smallest);
  s.smallest_score_seconds = score_seconds(evaluator, smallest);
  s.largest_macs = subnet_macs(space, largest);
  s.largest_score_seconds = score_seconds(evaluator, largest);

  // The smallest subnet trained alone, as the final training trains the winner (on the probe's supernet, which
  // nothing reads afterwards).
  s.smallest_batch_seconds = measure_subnet_batch_seconds(supernet, smallest, few.train, config, trained);
  s.probe_seconds = seconds_since(started);
  return s;
}

} // namespace tinynas

#pragma once
// What the pipeline's phases cost on this machine, for a time plan (time_plan.hpp): a few batches of
// each supernet training phase and of the smallest subnet alone, and the score of the smallest and the largest
// subnet, timed on a supernet trained by the probe alone. It takes seconds; nothing of it reaches the run's results.

#include <string>
#include <vector>

#include "time_plan.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tinynas/supernet/training_config.hpp"

namespace tinynas {

// `space` is the chosen space (one width, the supernet's resolutions), `config` the supernet training's,
// `scoring` stage 2's (validation images and calibration batches). The probe's supernet is written to
// `scratch` and removed. `batches` per phase: a phase's batch time is typical_batch_seconds of all but its first.
PhaseSpeeds measure_phase_speeds(const SearchSpace& space, const TrainingConfig& config, const DatasetSplits& data,
                                 const EstimatorOptions& scoring, const std::string& scratch, int batches = 32);

// Seconds of one training batch of `arch` alone, as the final training trains it: one epoch of the first `batches`
// batches of `train` on `supernet`, which it changes (give one nothing reads afterwards), typical_batch_seconds of all
// but the first. The winner's, when stage 2 ends: in a timed 96 KB run the 16.7M-MAC winner trained at 0.182 s a
// batch where the line through the probe's smallest and largest subnets gave 0.140 s; 32 batches of it measured 0.18.
double measure_subnet_batch_seconds(Supernet& supernet, const Arch& arch, const ImageSet& train,
                                    const TrainingConfig& config, int batches = 32);

// A batch that takes this many times the median touches memory for the first time (the first batch at each
// resolution: 1.5 s against 0.19 s at 96 KB), which training does once.
inline constexpr double kFirstTouchFactor = 3;

// The mean of the batch times within kFirstTouchFactor of their median. The mean, not the median: batches
// train at a random resolution (the largest subnet's MACs differ by 31% between 28 and 32) and the sandwich's
// subnets are random, so an epoch costs the mean of its batches, which the median of a few misses.
double typical_batch_seconds(std::vector<double> intervals);

} // namespace tinynas

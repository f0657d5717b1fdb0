#pragma once
// Stage 1 of TinyNAS (MCUNet, NeurIPS 2020, section 3.1): optimise the search space. For every
// (width multiplier, resolution) pair of the space, sample m random subnets, keep those that fit
// the constraints, and look at the distribution of their MACs. A pair whose fitting subnets have
// more MACs is more likely to hold accurate ones, so stage 2 searches the pair with the largest
// mean MACs of its fitting subnets (MCUNet's rule), or, as an option, the largest p-th quantile.
//
// Eligibility and ties (select_pair):
//   - With a fixed width (Stage1Options::fixed_width), pairs of other widths are never eligible.
//   - A pair is eligible when at least 1 sample fits and its fit fraction is >= min_fit_fraction
//     (default 1%: with m = 1000, at least 10 fitting samples, so the mean is not one lucky draw and
//     stage 2 can sample its initial population without thousands of rejections).
//   - If no pair is eligible but some subnet fits, the pairs with any fitting subnet compete
//     instead and Stage1Result::fallback is set (a warning, not an error).
//   - If no subnet fits at all, run_stage1 throws Error(kInfeasible) naming the budgets and the
//     smallest SRAM, flash (and latency) it saw, and the cost of the space's smallest subnet.
//   - Ranking: higher rule value (mean, or quantile), then higher fit fraction, then smaller
//     width index, then smaller resolution index. Deterministic: no two pairs compare equal.
//
// Reproducibility: pair k (width-major index: width_index * resolutions + resolution_index) draws
// from Rng(stream_seed(seed, k)); its samples are cut in fixed chunks of kStage1ChunkSize, chunk c
// drawing from Rng(stream_seed(stream_seed(seed, k), c)). Chunks run in parallel (oneTBB) but
// their streams do not depend on the thread that runs them, so the result is bit-identical for a
// seed at any thread count.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinynas/search/constraints.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

enum class Stage1Rule {
  kMean,     // largest mean MACs of fitting subnets (MCUNet)
  kQuantile, // largest p-th quantile of the MACs of fitting subnets
};
const char* stage1_rule_name(Stage1Rule rule); // "mean", "quantile"
// Throws invalid_option(stage1_rule) listing the valid names.
Stage1Rule parse_stage1_rule(std::string_view name);

inline constexpr int kStage1ChunkSize = 50; // samples per random stream within a pair

struct Stage1Options {
  int samples = 1000; // m: subnets sampled per (width, resolution) pair
  std::uint64_t seed = 0;
  Stage1Rule rule = Stage1Rule::kMean;
  double quantile = 0.8;          // p of the quantile rule, in (0, 1]
  double min_fit_fraction = 0.01; // eligibility threshold, in [0, 1]
  // > 0: only pairs of this width multiplier may be chosen (all pairs are still scanned and
  // reported). Set from the estimator when it scores one width only (a supernet).
  double fixed_width = 0;
};

// Throws invalid_option naming the option of the first bad value (samples, stage1_quantile, min_fit).
void validate(const Stage1Options& options);

struct PairStats {
  int width_index = 0;
  int resolution_index = 0;
  double width = 0;
  int resolution = 0;
  int samples = 0;
  int fitting = 0;
  double fit_fraction = 0;
  bool eligible = false;
  // MACs of the fitting subnets (0 when none fits). Quantiles interpolate linearly between order
  // statistics, as numpy.quantile's default does, so a notebook recomputes the same values.
  double mean_macs = 0;
  double median_macs = 0;
  double p80_macs = 0;
  double quantile_macs = 0; // at Stage1Options::quantile
  // MACs of the fitting subnets, ascending: the CDF is (fitting_macs[i], (i + 1) / fitting).
  std::vector<std::int64_t> fitting_macs;
  // The smallest figures among all samples of the pair, fitting or not (for infeasibility messages
  // and to show how far a pair is from its budget).
  std::int64_t min_total_sram_bytes = 0;
  std::int64_t min_flash_bytes = 0;
  double min_latency_ms = 0;
};

// Index of the pair stage 2 should search, by the rules above; -1 when no pair has a fitting
// subnet. Sets `eligible` on every pair and `*fallback` when no pair reached min_fit_fraction.
int select_pair(std::vector<PairStats>& pairs, const Stage1Options& options, bool* fallback = nullptr);

struct Stage1Result {
  std::string space;
  Constraints constraints;
  Stage1Options options;
  std::vector<PairStats> pairs; // width-major: index = width_index * resolutions + resolution_index
  int chosen = -1;
  bool fallback = false;
  double seconds = 0; // wall time of the scan (not serialised: it would break reproducibility)

  const PairStats& chosen_pair() const { return pairs.at(static_cast<std::size_t>(chosen)); }

  // stage1.json: {"format":"tinynas-stage1","space":..,"rule":..,"quantile":..,"samples":..,"seed":..,
  //   "min_fit_fraction":..,"budgets":{..},"chosen":{"width":..,"resolution":..,..},"fallback":..,
  //   "pairs":[{"width":..,"resolution":..,"fit_fraction":..,"mean_macs":..,"median_macs":..,
  //             "p80_macs":..,"cdf_macs":[ascending MACs of fitting subnets],..}]}
  std::string to_json(int indent = 2) const;
};

// Runs the scan in parallel (oneTBB; the caller limits threads with tbb::global_control or
// ParallelismLimit). Throws Error(kInfeasible) when no sampled subnet of any pair fits.
Stage1Result run_stage1(const SearchSpace& space, const Constraints& constraints, const Stage1Options& options);

} // namespace tinynas

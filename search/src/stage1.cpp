#include "tinynas/search/stage1.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/quantile.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/stopwatch.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

const char* stage1_rule_name(Stage1Rule rule) {
  switch (rule) {
  case Stage1Rule::kMean: return "mean";
  case Stage1Rule::kQuantile: return "quantile";
  }
  return "?";
}

Stage1Rule parse_stage1_rule(std::string_view name) {
  if (name == "mean") return Stage1Rule::kMean;
  if (name == "quantile") return Stage1Rule::kQuantile;
  throw invalid_option("stage1_rule", "\"" + std::string(name) + "\" is not a stage-1 rule (use mean or quantile)");
}

void validate(const Stage1Options& options) {
  if (options.samples < 1)
    throw invalid_option("samples", fmt::format("must be at least 1, found {}", options.samples));
  if (!(options.quantile > 0 && options.quantile <= 1))
    throw invalid_option("stage1_quantile", fmt::format("must be in (0, 1], found {:g}", options.quantile));
  if (!(options.min_fit_fraction >= 0 && options.min_fit_fraction <= 1))
    throw invalid_option("min_fit", fmt::format("must be a fraction in [0, 1], found {:g}", options.min_fit_fraction));
}

namespace {

// What stage 1 keeps of one sample (40 bytes): 108 x 1000 of them fit in a few megabytes.
struct SampleFigures {
  std::int64_t macs = 0;
  std::int64_t total_sram_bytes = 0;
  std::int64_t flash_bytes = 0;
  double latency_ms = 0;
  bool fits = false;
};

PairStats pair_stats(const std::vector<SampleFigures>& samples, const Stage1Options& options) {
  PairStats s;
  s.samples = static_cast<int>(samples.size());
  s.min_total_sram_bytes = std::numeric_limits<std::int64_t>::max();
  s.min_flash_bytes = std::numeric_limits<std::int64_t>::max();
  s.min_latency_ms = std::numeric_limits<double>::infinity();
  for (const SampleFigures& f : samples) {
    s.min_total_sram_bytes = std::min(s.min_total_sram_bytes, f.total_sram_bytes);
    s.min_flash_bytes = std::min(s.min_flash_bytes, f.flash_bytes);
    s.min_latency_ms = std::min(s.min_latency_ms, f.latency_ms);
    if (f.fits) s.fitting_macs.push_back(f.macs);
  }
  s.fitting = static_cast<int>(s.fitting_macs.size());
  s.fit_fraction = static_cast<double>(s.fitting) / static_cast<double>(s.samples);
  if (s.fitting > 0) {
    std::sort(s.fitting_macs.begin(), s.fitting_macs.end());
    // An integer sum is exact and order-independent; the one division rounds the same way always.
    const std::int64_t sum = std::accumulate(s.fitting_macs.begin(), s.fitting_macs.end(), std::int64_t{0});
    s.mean_macs = static_cast<double>(sum) / static_cast<double>(s.fitting);
    s.median_macs = quantile_of_sorted(s.fitting_macs, 0.5);
    s.p80_macs = quantile_of_sorted(s.fitting_macs, 0.8);
    s.quantile_macs = quantile_of_sorted(s.fitting_macs, options.quantile);
  }
  return s;
}

[[noreturn]] void throw_infeasible(const SearchSpace& space, const Constraints& constraints,
                                   const std::vector<PairStats>& pairs, const Stage1Options& options) {
  std::int64_t min_sram = std::numeric_limits<std::int64_t>::max();
  std::int64_t min_flash = std::numeric_limits<std::int64_t>::max();
  double min_latency = std::numeric_limits<double>::infinity();
  for (const PairStats& p : pairs) {
    min_sram = std::min(min_sram, p.min_total_sram_bytes);
    min_flash = std::min(min_flash, p.min_flash_bytes);
    min_latency = std::min(min_latency, p.min_latency_ms);
  }
  // The space's smallest subnet (smallest width, resolution and every gene) is the cheapest network
  // it holds in every figure: if even it does not fit, no amount of sampling will help.
  const Arch smallest = smallest_arch(space, space.width_mults.front(), space.resolutions.front());
  const FitCheck floor = check_fit(space, smallest, constraints);
  std::string latency;
  if (constraints.latency_ms)
    latency = fmt::format(" and the least latency {:.1f} ms (smallest subnet: {:.1f} ms)", min_latency,
                          floor.cost.latency_ms);
  const std::string at_width =
      options.fixed_width > 0 ? fmt::format(" at width {:g} (the estimator's only width)", options.fixed_width) : "";
  throw Error(ErrorCode::kInfeasible,
              fmt::format("no subnet of space \"{}\"{} fits {}: among {} sampled subnets ({} per pair) the least "
                          "SRAM needed was {} and the least flash {}{}; the space's smallest subnet {} needs SRAM {} "
                          "and flash {}. Raise the budgets, or use a smaller space or a leaner schedule",
                          space.name, at_width, constraints.describe(),
                          static_cast<std::int64_t>(options.samples) * static_cast<std::int64_t>(pairs.size()),
                          options.samples, format_size(static_cast<std::uint64_t>(min_sram)),
                          format_size(static_cast<std::uint64_t>(min_flash)), latency, smallest.id(),
                          format_size(static_cast<std::uint64_t>(floor.cost.total_sram_bytes)),
                          format_size(static_cast<std::uint64_t>(floor.cost.flash_bytes))));
}

} // namespace

int select_pair(std::vector<PairStats>& pairs, const Stage1Options& options, bool* fallback) {
  auto allowed = [&](const PairStats& p) {
    return options.fixed_width <= 0 || std::abs(p.width - options.fixed_width) < 1e-9;
  };
  bool any_eligible = false;
  for (PairStats& p : pairs) {
    p.eligible = allowed(p) && p.fitting > 0 && p.fit_fraction >= options.min_fit_fraction;
    any_eligible = any_eligible || p.eligible;
  }
  if (fallback) *fallback = !any_eligible;
  auto candidate = [&](const PairStats& p) { return any_eligible ? p.eligible : allowed(p) && p.fitting > 0; };
  auto value = [&](const PairStats& p) { return options.rule == Stage1Rule::kMean ? p.mean_macs : p.quantile_macs; };
  auto better = [&](const PairStats& a, const PairStats& b) {
    if (value(a) != value(b)) return value(a) > value(b);
    if (a.fit_fraction != b.fit_fraction) return a.fit_fraction > b.fit_fraction;
    if (a.width_index != b.width_index) return a.width_index < b.width_index;
    return a.resolution_index < b.resolution_index;
  };
  int best = -1;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!candidate(pairs[i])) continue;
    if (best < 0 || better(pairs[i], pairs[static_cast<std::size_t>(best)])) best = static_cast<int>(i);
  }
  return best;
}

Stage1Result run_stage1(const SearchSpace& space, const Constraints& constraints, const Stage1Options& options) {
  validate(options);
  if (options.fixed_width > 0 && std::none_of(space.width_mults.begin(), space.width_mults.end(),
                                              [&](double w) { return std::abs(w - options.fixed_width) < 1e-9; }))
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("stage 1: width {:g} is not one of space \"{}\"'s width multipliers", options.fixed_width,
                            space.name));
  const auto start = std::chrono::steady_clock::now();
  const std::size_t resolutions = space.resolutions.size();
  const std::size_t pair_count = space.width_mults.size() * resolutions;
  const auto samples = static_cast<std::size_t>(options.samples);
  const std::size_t chunks_per_pair = (samples + kStage1ChunkSize - 1) / kStage1ChunkSize;

  std::vector<std::vector<SampleFigures>> figures(pair_count, std::vector<SampleFigures>(samples));
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pair_count * chunks_per_pair),
                    [&](const tbb::blocked_range<std::size_t>& tasks) {
                      for (std::size_t task = tasks.begin(); task != tasks.end(); ++task) {
                        const std::size_t pair = task / chunks_per_pair;
                        const std::size_t chunk = task % chunks_per_pair;
                        const double width = space.width_mults[pair / resolutions];
                        const int resolution = space.resolutions[pair % resolutions];
                        Rng rng(stream_seed(stream_seed(options.seed, pair), chunk));
                        const std::size_t end = std::min(samples, (chunk + 1) * kStage1ChunkSize);
                        for (std::size_t i = chunk * kStage1ChunkSize; i < end; ++i) {
                          const FitCheck check =
                              check_fit(space, sample_arch(space, rng, width, resolution), constraints);
                          figures[pair][i] = {check.cost.macs, check.cost.total_sram_bytes, check.cost.flash_bytes,
                                              check.cost.latency_ms, check.fits};
                        }
                      }
                    });

  Stage1Result result;
  result.space = space.name;
  result.constraints = constraints;
  result.options = options;
  result.pairs.resize(pair_count);
  tbb::parallel_for(std::size_t{0}, pair_count, [&](std::size_t pair) {
    PairStats s = pair_stats(figures[pair], options);
    s.width_index = static_cast<int>(pair / resolutions);
    s.resolution_index = static_cast<int>(pair % resolutions);
    s.width = space.width_mults[pair / resolutions];
    s.resolution = space.resolutions[pair % resolutions];
    result.pairs[pair] = std::move(s);
  });
  result.chosen = select_pair(result.pairs, options, &result.fallback);
  if (result.chosen < 0) throw_infeasible(space, constraints, result.pairs, options);
  result.seconds = seconds_since(start);

  const PairStats& c = result.chosen_pair();
  if (result.fallback)
    spdlog::warn("stage 1: no (width, resolution) pair reaches the minimum fit fraction {:g}; choosing among "
                 "pairs with any fitting subnet",
                 options.min_fit_fraction);
  spdlog::info("stage 1: {} pairs x {} samples in {:.3f} s; chosen width {:g}, resolution {} ({} rule: mean "
               "{:.1f}M MACs, p{:g} {:.1f}M, {:.1f}% of samples fit)",
               pair_count, samples, result.seconds, c.width, c.resolution, stage1_rule_name(options.rule),
               c.mean_macs / 1e6, options.quantile * 100, c.quantile_macs / 1e6, c.fit_fraction * 100);
  return result;
}

} // namespace tinynas

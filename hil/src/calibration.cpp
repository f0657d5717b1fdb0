#include "tinynas/hil/calibration.hpp"

#include <chrono>
#include <cmath>

#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

CalibrationReport calibrate(const Board& board, const CalibrationOptions& options) {
  if (options.subnets < 2 || options.holdout < 1 || options.holdout >= options.subnets)
    throw Error(ErrorCode::kInvalidArgument,
                "calibration needs at least 2 subnets and 1 to " + std::to_string(options.subnets - 1) + " held out");
  const auto t0 = std::chrono::steady_clock::now();
  const SearchSpace space = SearchSpace::load(options.space);
  HilProfiler profiler(board, options.profile);
  Rng rng(options.seed);
  CostOptions cost;
  cost.schedule = Schedule::kInplaceDw;
  cost.per_layer = false;

  struct Sample {
    std::string id;
    Graph graph;
    ProfileResult result;
  };
  std::vector<Sample> samples;
  const int max_tries = options.subnets * 50;
  for (int tries = 0; static_cast<int>(samples.size()) < options.subnets; ++tries) {
    if (tries >= max_tries)
      throw Error(ErrorCode::kInfeasible, "only " + std::to_string(samples.size()) + " of " +
                                              std::to_string(max_tries) + " subnets of space " + space.name + " fit " +
                                              board.name);
    const Arch arch = sample_arch(space, rng);
    Graph g = lower_to_graph(lower_to_net(space, arch));
    const CostReport r = analyze(g, board, cost);
    if (!r.fits) continue;
    bool seen = false;
    for (const Sample& s : samples) seen = seen || s.id == arch.id();
    if (seen) continue;
    Sample s{arch.id(), std::move(g), {}};
    s.result = profiler.profile(s.graph);
    samples.push_back(std::move(s));
    if (options.progress) options.progress(static_cast<int>(samples.size()), options.subnets);
  }

  std::vector<MeasuredModel> models;
  for (Sample& s : samples) {
    MeasuredModel m{s.id,
                    std::move(s.graph),
                    {},
                    s.result.latency.value,
                    s.result.latency.unit,
                    latency_source_name(s.result.latency.source),
                    s.result.ticks_per_instruction};
    for (const LayerTiming& l : s.result.layers) m.layer_ticks.push_back(static_cast<double>(l.ticks));
    models.push_back(std::move(m));
  }
  CalibrationReport report = fit_calibration(board, space.name, models, options.holdout);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

CalibrationReport fit_calibration(const Board& board, const std::string& space,
                                  const std::vector<MeasuredModel>& models, int holdout) {
  if (holdout < 1 || static_cast<std::size_t>(holdout) >= models.size())
    throw Error(ErrorCode::kInvalidArgument, "calibration needs at least 2 measured models and 1 to " +
                                                 std::to_string(static_cast<int>(models.size()) - 1) +
                                                 " held out; found " + std::to_string(models.size()) + " models");
  for (const MeasuredModel& m : models) {
    if (m.unit != models.front().unit)
      throw Error(ErrorCode::kInvalidArgument, "measurements in " + models.front().unit + " and " + m.unit +
                                                   " cannot make one table (" + m.id + ")");
    if (m.layer_ticks.size() != m.graph.ops.size())
      throw Error(ErrorCode::kInvalidArgument, m.id + ": " + std::to_string(m.layer_ticks.size()) +
                                                   " layer timings for a graph of " +
                                                   std::to_string(m.graph.ops.size()) + " ops");
  }
  CalibrationReport report;
  LatencyTable& table = report.table;
  table.board = board.name;
  table.space = space;
  table.clock_hz = board.clock_hz;
  table.unit = models.front().unit;
  table.source = models.front().source;
  table.ticks_per_instruction = models.front().ticks_per_instruction;
  const std::size_t fit_count = models.size() - static_cast<std::size_t>(holdout);
  std::vector<OpMeasurement> measurements;
  for (std::size_t i = 0; i < fit_count; ++i)
    for (int o = 0; o < static_cast<int>(models[i].graph.ops.size()); ++o) {
      OpMeasurement m = describe_op(models[i].graph, o);
      m.ticks = models[i].layer_ticks[static_cast<std::size_t>(o)];
      measurements.push_back(std::move(m));
    }
  report.layers_measured = static_cast<int>(measurements.size());
  fit_latency_table(table, measurements);
  double sum = 0, worst = 0;
  for (std::size_t i = fit_count; i < models.size(); ++i) {
    const LatencyTable::Prediction p = table.predict(models[i].graph);
    HeldOutError h;
    h.arch_id = models[i].id;
    h.measured = models[i].latency;
    h.predicted = p.ticks;
    h.error_pct = 100.0 * (h.predicted - h.measured) / h.measured;
    h.table_coverage = static_cast<double>(p.from_table) / (p.from_table + p.from_fit);
    sum += std::fabs(h.error_pct);
    worst = std::max(worst, std::fabs(h.error_pct));
    table.holdout.push_back(std::move(h));
  }
  table.holdout_mean_abs_error_pct = sum / holdout;
  table.holdout_max_abs_error_pct = worst;
  return report;
}

} // namespace tinynas

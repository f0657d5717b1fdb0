#include "tinynas/hil/calibration.hpp"

#include <chrono>
#include <cmath>

#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/space/stopwatch.hpp"

namespace tinynas {

namespace {

// `graph` run in the cost model's patch plan on an n x n grid; nullopt for a net with no block to split.
std::optional<MeasuredModel::PatchRun> profile_patch_plan(HilProfiler& profiler, const Board& board, const Graph& graph,
                                                          int grid) {
  const PatchOptions plan = resolve_patch_split(graph, PatchOptions{grid, -1});
  if (plan.patches == 0) return std::nullopt;
  // A failure ends the calibration (and the profiler with it), so the schedule needs no restoring on that path.
  profiler.set_schedule(Schedule::kPatch, plan, std::nullopt);
  const ProfileResult result = profiler.profile(graph);
  profiler.set_schedule(Schedule::kInplaceDw, {}, std::nullopt);
  std::vector<double> layer_ticks;
  for (const LayerTiming& l : result.layers) layer_ticks.push_back(static_cast<double>(l.ticks));
  return measured_patch_run(graph, board, plan, std::move(layer_ticks), result.latency.value);
}

// Held-out errors as the table stores them: each measured vs predicted, and the mean and max of |error|.
struct HoldoutFigures {
  std::vector<HeldOutError> errors;
  double mean = 0, max = 0;
  void add(const std::string& id, double measured, const LatencyTable::Prediction& p) {
    HeldOutError h{id, measured, p.ticks, 100.0 * (p.ticks - measured) / measured,
                   static_cast<double>(p.from_table) / (p.from_table + p.from_fit)};
    max = std::max(max, std::fabs(h.error_pct));
    mean += (std::fabs(h.error_pct) - mean) / static_cast<double>(errors.size() + 1);
    errors.push_back(std::move(h));
  }
};

// Each patch-stage op of the model's patch run: its ticks beyond the in-place run's, scaled by the halo's MACs.
void add_patch_ops(const MeasuredModel& m, std::vector<PatchOpMeasurement>& out) {
  for (std::size_t o = 0; o < m.graph.ops.size(); ++o) {
    const OpRun& run = m.patch->runs[o];
    if (run.grid <= 1) continue;
    const std::int64_t whole = m.graph.ops[o].macs(m.graph.tensors);
    const double ratio = whole > 0 ? static_cast<double>(run.macs) / static_cast<double>(whole) : 1.0;
    out.push_back({op_type_name(m.graph.ops[o].type), patch_overhead_features(m.graph, static_cast<int>(o), run.grid),
                   m.patch->layer_ticks[o] - m.layer_ticks[o] * ratio});
  }
}

} // namespace

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
    std::optional<MeasuredModel::PatchRun> patch;
  };
  std::vector<Sample> samples;
  const int runs_total = options.subnets * (options.patch_grid > 1 ? 2 : 1);
  int runs_done = 0;
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
    Sample s{arch.id(), std::move(g), {}, {}};
    s.result = profiler.profile(s.graph);
    if (options.progress) options.progress(++runs_done, runs_total);
    if (options.patch_grid > 1) {
      s.patch = profile_patch_plan(profiler, board, s.graph, options.patch_grid);
      if (options.progress) options.progress(++runs_done, runs_total); // a net that cannot split counts too
    }
    samples.push_back(std::move(s));
  }

  std::vector<MeasuredModel> models;
  for (Sample& s : samples) {
    MeasuredModel m{s.id,
                    std::move(s.graph),
                    {},
                    s.result.latency.value,
                    s.result.latency.unit,
                    latency_source_name(s.result.latency.source),
                    s.result.ticks_per_instruction,
                    std::move(s.patch)};
    for (const LayerTiming& l : s.result.layers) m.layer_ticks.push_back(static_cast<double>(l.ticks));
    models.push_back(std::move(m));
  }
  CalibrationReport report = fit_calibration(board, space.name, models, options.holdout);
  report.seconds = seconds_since(t0);
  return report;
}

MeasuredModel::PatchRun measured_patch_run(const Graph& graph, const Board& board, const PatchOptions& plan,
                                           std::vector<double> layer_ticks, double latency) {
  CostOptions cost;
  cost.schedule = Schedule::kPatch;
  cost.patch = plan;
  return {op_runs(analyze(graph, board, cost)), std::move(layer_ticks), latency};
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
    if (m.patch && (m.patch->runs.size() != m.graph.ops.size() || m.patch->layer_ticks.size() != m.graph.ops.size()))
      throw Error(ErrorCode::kInvalidArgument, m.id + ": a patch run's " + std::to_string(m.patch->runs.size()) +
                                                   " op runs and " + std::to_string(m.patch->layer_ticks.size()) +
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
  std::vector<PatchOpMeasurement> patch_ops;
  for (std::size_t i = 0; i < fit_count; ++i)
    if (models[i].patch) add_patch_ops(models[i], patch_ops);
  if (!patch_ops.empty()) fit_patch_overhead(table, patch_ops);
  HoldoutFigures in_place, patch;
  for (std::size_t i = fit_count; i < models.size(); ++i) {
    in_place.add(models[i].id, models[i].latency, table.predict(models[i].graph));
    if (models[i].patch && !table.patch_overhead.empty())
      patch.add(models[i].id, models[i].patch->latency, table.predict(models[i].graph, models[i].patch->runs));
  }
  table.holdout = std::move(in_place.errors);
  table.holdout_mean_abs_error_pct = in_place.mean;
  table.holdout_max_abs_error_pct = in_place.max;
  table.patch_holdout = std::move(patch.errors);
  table.patch_holdout_mean_abs_error_pct = patch.mean;
  table.patch_holdout_max_abs_error_pct = patch.max;
  return report;
}

} // namespace tinynas

#pragma once
// Measured latency lookup table of one board, in the style of Once-for-All's latency_lookup_table: every op is
// keyed by a signature of its type and shapes, and a network's latency is the sum over its ops. Signatures the
// table has not seen fall back to a linear model fitted by least squares on the same measurements,
//   ticks = a * MACs + b * (input + output elements) + c * output channels + d,
// one per op kind ("depthwise:k=7,s=2", "pointwise", ...; kernel and stride matter for convs), and one per op type
// for kinds never measured. The channel term carries the per-channel work of depthwise kernels.
//
// `tinynas calibrate --board B` (hil/calibration.hpp) builds a table by profiling random subnets on the board, keeps
// some subnets out of the fit, and stores the predictor's error on those held-out subnets in the table. Its place
// is the board's (Board::latency_table; by default <config dir>/latency/<board>.json), where the search's latency
// constraint, profile and analyze find it.
//
// Patch plans: an op of a patch schedule's first stage runs once per patch. Its MACs grow by the halo (the table
// scales its ticks by them), and each extra run repeats set-up the MACs do not show (the depthwise kernels pad a
// plane per channel per run). `patch_overhead` is that extra time, fitted per op type on the same subnets run in a
// patch plan (calibration's patch runs):
//   extra ticks = p * (runs - 1) * channels + q * (runs - 1) + r * (grid - 1) * (in_h + in_w) * (kernel / 2) * channels
// (runs = grid^2; the last term is the padding border of the extra tiles). A table without it predicts the halo's
// MACs only.
//
// Units: the table's unit is the profiler's (cycles on a real board, QEMU icount ticks on an emulated one). QEMU
// ticks count instructions, not cycles; predict_ms() is only defined for cycle tables.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tinynas/profiler/board.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

// "depthwise:in=20x20x144,out=20x20x144,k=3,s=1"; add and pool carry their shapes only.
std::string op_signature(const Graph& graph, int op);

struct LatencyEntry {
  double ticks = 0; // mean of the measurements
  int samples = 0;
};

// How a schedule runs an op: the MACs it computes (the patch schedule's halo included) and the grid it runs in
// (1: once over the whole tensor; n: once per patch of an n x n grid).
struct OpRun {
  std::int64_t macs = 0;
  int grid = 1;
};

constexpr int kPatchOverheadFeatures = 3;
using PatchOverheadFeatures = std::array<double, kPatchOverheadFeatures>;
// The features of op `op`'s extra time when it runs on an n x n grid (zero for grid 1), in patch_overhead's order.
PatchOverheadFeatures patch_overhead_features(const Graph& graph, int op, int grid);

struct HeldOutError {
  std::string arch_id;
  double measured = 0;
  double predicted = 0;
  double error_pct = 0;      // 100 * (predicted - measured) / measured
  double table_coverage = 0; // fraction of the subnet's ops found in the table
};

class LatencyTable {
public:
  std::string board;
  std::string unit;                 // "cycles" or "ticks"
  std::string source;               // latency_source_name()
  double clock_hz = 0;              // the board's nominal clock, for predict_ms() on cycle tables
  double ticks_per_instruction = 0; // QEMU tables
  std::map<std::string, LatencyEntry> entries;
  // fit key -> {per MAC, per element, per channel, per op}; keys are fit_key() values and op type names
  std::map<std::string, std::array<double, 4>> fallback;
  std::vector<HeldOutError> holdout;
  double holdout_mean_abs_error_pct = 0;
  double holdout_max_abs_error_pct = 0;
  // op type name -> {per channel per extra run, per extra run, per channel per border row} (see the top)
  std::map<std::string, PatchOverheadFeatures> patch_overhead;
  std::vector<HeldOutError> patch_holdout; // the held-out subnets run in a patch plan, when calibration ran them
  double patch_holdout_mean_abs_error_pct = 0;
  double patch_holdout_max_abs_error_pct = 0;
  std::string space; // what was sampled

  struct Prediction {
    double ticks = 0;
    int from_table = 0;           // ops found by signature
    int from_fit = 0;             // ops estimated by the fallback model
    std::vector<double> op_ticks; // per op of the graph
  };
  // runs (optional, one per op): how the schedule runs each op (op_runs() of a CostReport). An op's ticks scale with
  // the MACs it computes over its whole tensor's, plus patch_overhead for a grid above 1.
  Prediction predict(const Graph& graph, const std::vector<OpRun>& runs = {}) const;
  // Milliseconds at the board's clock; throws Error(kInvalidArgument) for an instruction-count (QEMU) table.
  double predict_ms(const Graph& graph) const;
  // What a latency budget in ms is compared with, for ticks this table predicted (a graph's or one op's): ms at
  // the board's clock for a cycle table; for a QEMU table the instructions at the board's nominal clock, one per
  // cycle (the convention of the emulated boards' estimates).
  double budget_ms(double ticks) const;
  // How latency figures from this table are labelled: "calibrated table <path> (qemu-icount-ticks, held-out error
  // 1.2% mean / 3.7% max)".
  std::string describe(const std::string& path) const;

  std::string to_json(int indent = 2) const;
  static LatencyTable from_json(const std::string& text, const std::string& file = "<memory>");
  static LatencyTable load(const std::string& path);
  void save(const std::string& path) const;
  // The board's table (Board::latency_table), if one was calibrated.
  static std::optional<LatencyTable> load_for_board(const Board& board);
};

// One measured op, as calibration collects them.
struct OpMeasurement {
  std::string signature;
  std::string type;
  std::int64_t macs = 0;
  std::int64_t elements = 0; // input + output elements
  std::int64_t channels = 0; // output channels
  double ticks = 0;
  std::string kind; // fit key: "depthwise:k=7,s=2", "pointwise", ...
};

// Builds entries and the fallback fits from measurements (exposed for tests).
void fit_latency_table(LatencyTable& table, const std::vector<OpMeasurement>& measurements);

// One op of a patch run next to the same op run in place: its extra ticks beyond the halo's MACs.
struct PatchOpMeasurement {
  std::string type;
  PatchOverheadFeatures features{};
  double extra_ticks = 0; // patch-run ticks - in-place ticks * (patch MACs / whole MACs)
};
// Fits table.patch_overhead per op type by least squares (replacing any before).
void fit_patch_overhead(LatencyTable& table, const std::vector<PatchOpMeasurement>& measurements);
// The fallback model's features of op `op` of `graph`: MACs, input + output elements, output channels, and its kind.
OpMeasurement describe_op(const Graph& graph, int op);

// What the board's calibrated latency table (configs/latency/<board>.json, `tinynas calibrate`) predicts for the
// model: the number a search's latency budget is checked with, next to the measurement.
struct PredictedLatency {
  double value = 0;     // in the measurement's unit (cycles or QEMU ticks)
  std::string table;    // the table's path
  double error_pct = 0; // 100 * (predicted - measured) / measured
  int ops_from_table = 0;
  int ops_from_fit = 0; // ops whose signature the table lacks: its per-kind least-squares fit
};

// What the board's calibrated table (Board::latency_table) predicts for `graph`, next to a measurement of it
// (`measured` in `unit`: "cycles" or "ticks"); nullopt without a table or for a table in another unit. A table that
// cannot be read is logged and skipped, so a measurement is never lost to it.
std::optional<PredictedLatency> predicted_latency(const Board& board, const Graph& graph, double measured,
                                                  const std::string& unit, const std::vector<OpRun>& runs = {});

} // namespace tinynas

// `tinynas calibrate`: build and save a board's latency lookup table, report its held-out error.

#include "calibrate_command.hpp"

#include <iostream>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "farm_command.hpp"
#include "text_output.hpp"
#include "tinynas/hil/calibration.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::cli {

namespace {

void print_holdout(const std::vector<HeldOutError>& errors, double mean, double max, const std::string& what) {
  TextTable h;
  h.add_column("subnet", TextTable::Align::kLeft);
  h.add_column("measured");
  h.add_column("predicted");
  h.add_column("error");
  h.add_column("in table");
  for (const HeldOutError& e : errors)
    h.add_row({e.arch_id, format_grouped(static_cast<std::int64_t>(e.measured)),
               format_grouped(static_cast<std::int64_t>(e.predicted)), format_fixed(e.error_pct, 2) + "%",
               format_fixed(100 * e.table_coverage, 0) + "%"});
  std::cout << h.render("  ") << "\n"
            << "Error     mean |error| " << format_fixed(mean, 2) << "%, max " << format_fixed(max, 2) << "% over "
            << errors.size() << " " << what << "\n";
}

} // namespace

int run_calibrate(const CalibrateOptions& options) {
  if (options.from_farm) { // the farm's measurements are in its database: the Python farm reads them
    std::vector<std::string> args = {"calibrate", "--board-kind", options.board, "--holdout",
                                     std::to_string(options.holdout)};
    for (const auto& [flag, value] :
         {std::pair{"--out", options.out}, {"--farm", options.farm}, {"--results", options.results}})
      if (!value.empty()) args.insert(args.end(), {flag, value});
    if (options.json) args.push_back("--json");
    return run_farm(args);
  }
  if (options.board.empty()) throw Error(ErrorCode::kInvalidArgument, "--board is required");
  if (options.subnets < 2) throw Error(ErrorCode::kInvalidArgument, "--subnets must be at least 2");
  if (options.holdout < 1 || options.holdout >= options.subnets)
    throw Error(ErrorCode::kInvalidArgument, "--holdout must be between 1 and --subnets - 1");
  const Board board = Board::load(options.board);
  files::require_writable(options.out.empty() ? board.latency_table : options.out); // before the profiling
  CalibrationOptions co;
  co.space = options.space;
  co.subnets = options.subnets;
  co.holdout = options.holdout;
  co.seed = options.seed;
  co.profile.runs = options.runs;
  co.patch_grid = options.patch_grid;
  co.profile.firmware = options.firmware;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  co.progress = [tty](int done, int total) {
    if (tty)
      std::cerr << "\rcalibrate: " << done << "/" << total << " runs profiled (in place, then in patches)"
                << (done == total ? "\n" : "") << std::flush;
    else if (done == total || done % 8 == 0) std::cerr << "calibrate: " << done << "/" << total << " runs profiled\n";
  };
  spdlog::info("calibrating {} on {} subnets of {} ({} held out)", board.name, options.subnets, options.space,
               options.holdout);
  const CalibrationReport report = calibrate(board, co);
  const std::string path = options.out.empty() ? board.latency_table : options.out;
  report.table.save(path);

  if (options.json) {
    std::cout << report.table.to_json(2) << "\n";
    return 0;
  }
  const LatencyTable& t = report.table;
  std::cout << "Board     " << t.board << " (" << t.source << ", unit " << t.unit
            << (t.unit == "ticks" ? ": QEMU instruction counts, not cycles" : "") << ")\n"
            << "Table     " << t.entries.size() << " op signatures from " << report.layers_measured
            << " measured layers; " << t.fallback.size() << " per-type fits for unseen signatures\n"
            << "Saved     " << path << "\n\n"
            << "Held-out subnets (predicted = sum of table entries and fits)\n";
  print_holdout(t.holdout, t.holdout_mean_abs_error_pct, t.holdout_max_abs_error_pct, "held-out subnets");
  if (!t.patch_holdout.empty()) {
    std::cout << "\nThe same subnets in a patch plan (" << co.patch_grid << "x" << co.patch_grid
              << " grid, the cost model's split; predicted with the fitted per-patch overhead)\n";
    print_holdout(t.patch_holdout, t.patch_holdout_mean_abs_error_pct, t.patch_holdout_max_abs_error_pct,
                  "held-out patch runs");
  }
  std::cout << "Time      " << format_fixed(report.seconds, 1) << " s\n";
  return 0;
}

} // namespace tinynas::cli

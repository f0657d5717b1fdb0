// `tinynas profile`: one model on one board's profiling firmware; text report or the profiler's JSON.

#include "profile_command.hpp"

#include <chrono>
#include <cmath>
#include <iostream>

#include <spdlog/spdlog.h>

#include "subnet_source.hpp"
#include "text_output.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/latency_table.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/space/stopwatch.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::cli {

namespace {

std::string latency_text(const ProfileResult& r) {
  if (r.latency.source == LatencySource::kQemuIcountTicks)
    return format_grouped(static_cast<std::int64_t>(r.latency.value)) + " ticks (" +
           latency_source_name(r.latency.source) + ": about " +
           format_grouped(static_cast<std::int64_t>(r.instructions)) +
           " instructions; QEMU counts instructions, not cycles)";
  return format_grouped(static_cast<std::int64_t>(r.latency.value)) + " cycles (" +
         latency_source_name(r.latency.source) + ") = " + format_fixed(r.latency_ms, 2) + " ms at the board's clock";
}

std::string prediction_text(const ProfileResult& r) {
  if (!r.latency_predicted)
    return "predicted: no calibrated latency table for this board (tinynas calibrate --board " + r.board + ")";
  const PredictedLatency& p = *r.latency_predicted;
  return "predicted " + format_grouped(static_cast<std::int64_t>(std::llround(p.value))) + " " + r.latency.unit +
         " by " + p.table + " (" + (p.error_pct >= 0 ? "+" : "") + format_fixed(p.error_pct, 2) + "%)";
}

// The patch grid the firmware ran and the MACs it computed for it (halo recomputation included); the arena the
// SRAM line reports then holds tiles, not the input (read patch by patch from above the arena).
std::string schedule_text(const ProfileResult& r) {
  if (r.patches == 0) return "";
  return "Schedule  patch: " + std::to_string(r.patches) + "x" + std::to_string(r.patches) + " patches up to block " +
         std::to_string(r.patch_split_block) + ", " + format_grouped(r.macs_predicted) +
         " MACs with the halo; the input is read patch by patch from outside the arena\n";
}

void print_report(const ProfileResult& r, const std::string& model) {
  std::cout << "Model     " << model << "\n"
            << "Board     " << r.board << "\n"
            << "Firmware  " << r.firmware << "\n\n";
  TextTable t;
  t.add_column("#");
  t.add_column("layer", TextTable::Align::kLeft);
  t.add_column("type", TextTable::Align::kLeft);
  t.add_column("MACs");
  t.add_column(r.latency.unit);
  t.add_column("share");
  for (const LayerTiming& l : r.layers)
    t.add_row({std::to_string(l.op), l.name, l.type, format_grouped(l.macs),
               format_grouped(static_cast<std::int64_t>(l.ticks)),
               format_fixed(100.0 * static_cast<double>(l.ticks) / r.latency.value, 1) + "%"});
  std::cout << t.render() << "\n";
  std::cout << "Latency   " << latency_text(r) << "\n"
            << "          " << r.run_ticks.size() << " runs" << (r.runs_identical ? ", identical" : ", NOT identical")
            << "\n"
            << "          " << prediction_text(r) << "\n"
            << "SRAM      measured " << format_size(static_cast<std::uint64_t>(r.peak_sram_bytes_measured)) << " ("
            << format_grouped(r.peak_sram_bytes_measured) << " B), predicted "
            << format_size(static_cast<std::uint64_t>(r.peak_sram_bytes_predicted)) << " ("
            << format_grouped(r.peak_sram_bytes_predicted) << " B, " << r.schedule << "); stack "
            << format_grouped(r.stack_bytes_measured) << " B\n"
            << "Flash     " << format_size(static_cast<std::uint64_t>(r.flash_bytes)) << " (firmware + "
            << format_grouped(r.model_blob_bytes) << " B model blob); cost model "
            << format_size(static_cast<std::uint64_t>(r.flash_bytes_predicted)) << "\n"
            << schedule_text(r) << "Output    "
            << (r.bit_exact ? "bit-exact with the host runtime" : "DIFFERS from the host runtime") << "\n";
}

// The network to profile: a MODEL.json argument or the subnet of a --model file (one of the two).
LoadedModel profiled_model(const ProfileOptions& options) {
  if (options.model_file.empty()) {
    if (options.model.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  "no model given: an arch JSON or net config, or --model MODEL (tinynas finetune --out)");
    return model_argument(options.model, options.space);
  }
  if (!options.model.empty())
    throw Error(ErrorCode::kInvalidArgument, "give either a MODEL.json argument or --model MODEL, not both");
  const SubnetSource subnet = model_subnet(options.model_file);
  const SearchSpace space = Supernet::load(subnet.file).space();
  return {lower_to_net(space, subnet.arch), subnet.arch, space.name, subnet.file};
}

} // namespace

int run_profile(const ProfileOptions& options) {
  if (options.board.empty()) throw Error(ErrorCode::kInvalidArgument, "--board is required");
  if (options.runs < 1) throw Error(ErrorCode::kInvalidArgument, "--runs must be at least 1");
  if (options.timeout_ms < 1) throw Error(ErrorCode::kInvalidArgument, "--timeout must be positive");
  if (options.retries < 0) throw Error(ErrorCode::kInvalidArgument, "--retries must not be negative");
  if (schedule_cost_options(options.schedule).schedule != Schedule::kAuto && !options.schedule.auto_sram.empty())
    throw invalid_option("sram", "only with --schedule auto (the SRAM its plan must fit); profile measures the plan "
                                 "asked, whatever SRAM it takes");
  const Board board = Board::load(options.board);
  const LoadedModel model = profiled_model(options);
  const Graph graph = lower_to_graph(model.net);

  tinynas::ProfileOptions po;
  po.runs = options.runs;
  po.seed = options.seed;
  po.firmware = options.firmware;
  po.run_timeout = std::chrono::milliseconds(options.timeout_ms);
  po.retries = options.retries;
  const CostOptions schedule = schedule_cost_options(options.schedule, board);
  po.schedule = schedule.schedule;
  po.patch = schedule.patch;
  po.budgets = schedule.budgets;
  spdlog::info("profiling {} ({} ops) on {}", model.file, graph.ops.size(), board.name);
  const auto t0 = std::chrono::steady_clock::now();
  HilProfiler profiler(board, po);
  const ProfileResult result = profiler.profile(graph);
  spdlog::info("done in {:.2f} s (launch and boot {:.2f} s)", seconds_since(t0),
               std::chrono::duration<double>(profiler.startup_time()).count());

  if (options.json) std::cout << result.to_json(2) << "\n";
  else print_report(result, model.arch ? model.arch->id() : model.file);
  if (!result.bit_exact) {
    spdlog::error("the firmware's output differs from the host runtime's: a firmware or toolchain bug");
    return 1;
  }
  return 0;
}

} // namespace tinynas::cli

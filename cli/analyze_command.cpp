// `tinynas analyze`: the int8 cost of one model on one board under one memory schedule, as a
// per-layer table with totals and a fit verdict, or as the cost model's JSON report.

#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "schedule_flags.hpp"
#include "subnet_source.hpp"
#include "text_output.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/profiler/schedule.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/limits.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::cli {

namespace {

std::string shape_text(const TensorShape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

std::string kib(std::int64_t bytes) { return format_fixed(static_cast<double>(bytes) / 1024.0, 1); }

std::string verdict(bool fits) { return fits ? "fits" : "DOES NOT FIT"; }

void print_model(const LoadedModel& model, const std::string& space_name) {
  std::cout << "Model     " << model.file << "\n";
  if (model.arch) std::cout << "          arch " << model.arch->id() << " of space " << model.space_name << "\n";
  else std::cout << "          net config \"" << model.net.name << "\" (not a member of space " << space_name << ")\n";
  std::cout << "          resolution " << model.net.resolution << ", " << model.net.blocks.size() << " MBConv blocks, "
            << model.net.num_classes << " classes\n";
}

void print_board(const Board& board, const CostReport& report) {
  std::cout << "Board     " << board.name;
  if (!board.mcu.empty()) std::cout << ": " << board.mcu;
  std::cout << ", " << board.core << " @ " << format_fixed(board.clock_hz / 1e6, 0) << " MHz, "
            << format_size(board.sram_bytes) << " SRAM, " << format_size(board.flash_bytes) << " flash"
            << (board.emulated ? ", emulated" : "") << "\n";
  if (report.sram_budget_bytes != board.sram_bytes || report.flash_budget_bytes != board.flash_bytes ||
      report.latency_budget_ms)
    std::cout << "Budgets   " << format_size(report.sram_budget_bytes) << " SRAM, "
              << format_size(report.flash_budget_bytes) << " flash"
              << (report.latency_budget_ms ? ", " + format_fixed(*report.latency_budget_ms, 1) + " ms" : "")
              << " (--sram, --flash, --latency; the board's memory where not given)\n";
}

void print_layers(const CostReport& report) {
  TextTable table;
  table.add_column("#");
  table.add_column("layer", TextTable::Align::kLeft);
  table.add_column("type", TextTable::Align::kLeft);
  table.add_column("input", TextTable::Align::kLeft);
  table.add_column("output", TextTable::Align::kLeft);
  table.add_column("k/s");
  table.add_column("MACs");
  table.add_column("params");
  table.add_column("flash B");
  table.add_column("SRAM KiB");
  table.add_column("ms");
  table.add_column("", TextTable::Align::kLeft);
  for (const LayerCost& l : report.layers) {
    std::string note;
    if (l.in_patch_stage) note = "patch";
    if (l.op == report.peak_op) note += note.empty() ? "<- peak" : ", <- peak";
    table.add_row({std::to_string(l.op), l.name, op_type_name(l.type), shape_text(l.input), shape_text(l.output),
                   std::to_string(l.kernel) + "/" + std::to_string(l.stride), format_grouped(l.macs),
                   format_grouped(l.params), format_grouped(l.flash_bytes), kib(l.sram_bytes),
                   format_fixed(l.latency_ms, 2), note});
  }
  std::cout << table.render();
}

std::string size_text(std::int64_t bytes) { return format_size(static_cast<std::uint64_t>(bytes)); }

void print_totals(const CostReport& report, const Board& board) {
  const auto sram_budget = static_cast<std::int64_t>(report.sram_budget_bytes);
  const auto flash_budget = static_cast<std::int64_t>(report.flash_budget_bytes);
  const std::string peak_layer = report.layers.empty() ? std::to_string(report.peak_op)
                                                       : report.layers[static_cast<std::size_t>(report.peak_op)].name;
  std::cout << "\nTotals (" << report.schedule << (report.schedule_auto ? ", chosen by auto" : "") << ")\n"
            << "  MACs       " << format_count(report.macs) << "  (" << format_grouped(report.macs) << ")\n"
            << "  params     " << format_count(report.params) << "  (" << format_grouped(report.params) << ")\n"
            << "  flash      " << size_text(report.model_flash_bytes) << " model + "
            << format_size(board.runtime_flash_bytes) << " runtime = " << size_text(report.flash_bytes) << " of "
            << format_size(report.flash_budget_bytes) << ": " << verdict(report.fits_flash) << "\n"
            << "  SRAM       peak " << size_text(report.peak_sram_bytes) << " ("
            << format_grouped(report.peak_sram_bytes) << " B) at " << peak_layer << " + "
            << format_size(board.runtime_sram_bytes) << " runtime = " << size_text(report.total_sram_bytes) << " of "
            << format_size(report.sram_budget_bytes) << ": " << verdict(report.fits_sram) << "\n"
            << "  latency    " << format_fixed(report.latency_ms, 1) << " ms"
            << (report.latency_budget_ms
                    ? " of " + format_fixed(*report.latency_budget_ms, 1) + " ms: " + verdict(report.fits_latency)
                    : "")
            << "\n"
            << "             (" << report.latency_source << ")\n";
  if (report.schedule == schedule_name(Schedule::kPatch) && report.patches == 0)
    std::cout << "  patches    none: no block boundary has an output of at least n x n pixels within the halo "
                 "recomputation cap, so the network runs whole (as inplace-dw)\n";
  if (report.patches > 0) {
    const std::int64_t base = report.macs - report.patch_extra_macs;
    const double pct =
        base > 0 ? 100.0 * static_cast<double>(report.patch_extra_macs) / static_cast<double>(base) : 0.0;
    std::cout << "  patches    " << report.patches << "x" << report.patches << " up to block "
              << report.patch_split_block << ", halo recomputation +" << format_count(report.patch_extra_macs)
              << " MACs (+" << format_fixed(pct, 1) << "%)\n";
  }
  std::cout << "\n";
  if (report.fits) {
    std::cout << "Fits " << report.board << " under " << report.schedule << ".\n";
    return;
  }
  std::cout << "Does NOT fit " << report.board << " under " << report.schedule << ":";
  if (!report.fits_sram) std::cout << " SRAM over by " << size_text(report.total_sram_bytes - sram_budget);
  if (!report.fits_sram && !report.fits_flash) std::cout << ";";
  if (!report.fits_flash) std::cout << " flash over by " << size_text(report.flash_bytes - flash_budget);
  if (!report.fits_latency)
    std::cout << (report.fits_sram && report.fits_flash ? "" : ";") << " latency over by "
              << format_fixed(report.latency_ms - *report.latency_budget_ms, 1) << " ms";
  std::cout << ".\n";
}

// A model `tinynas search` found under its default schedule (auto) may fit only in patches; analyzed in place (this
// command's default) it does not fit, and the user should hear where it does rather than only that it does not.
void print_where_auto_fits(const Graph& graph, const Board& board, const CostOptions& asked, const CostReport& report) {
  if (report.fits || report.schedule_auto || !report.fits_flash) return;
  CostOptions automatic = asked;
  automatic.schedule = Schedule::kAuto;
  automatic.per_layer = false;
  const CostReport patched = analyze(graph, board, automatic);
  if (!patched.fits) return;
  if (patched.patches == 0) {
    std::cout << "It fits under --schedule auto (the search's default), which runs it in place (inplace-dw).\n";
    return;
  }
  std::cout << "It fits under --schedule auto (the search's default): patch " << patched.patches << "x"
            << patched.patches << " up to block " << patched.patch_split_block << ", SRAM "
            << size_text(patched.total_sram_bytes) << " with runtime, halo recomputation +"
            << format_count(patched.patch_extra_macs) << " MACs. Add --schedule auto for its table.\n";
}

} // namespace

int run_analyze(const AnalyzeOptions& options) {
  CostOptions cost = schedule_cost_options(options.schedule);
  const Board board = Board::load(options.board);
  // The budgets are an input of the fit check, as in `search`: the board stays what its file says.
  Budgets budgets = board_budgets(board);
  if (options.sram) budgets.sram_bytes = parse_size(*options.sram, "--sram");
  if (options.flash) budgets.flash_bytes = parse_size(*options.flash, "--flash");
  budgets.latency_ms = options.latency_ms;
  cost.budgets = budgets;
  cost.latency_table = board_latency_table(board);
  LoadedModel model = model_argument(options.model, options.space);
  spdlog::info("{}: {} ({} blocks, resolution {})", model.file, model.arch ? model.arch->id() : model.net.name,
               model.net.blocks.size(), model.net.resolution);

  Graph graph = lower_to_graph(model.net);
  CostReport report = analyze(graph, board, cost);
  spdlog::debug("{} ops, peak SRAM {} B at op {}", graph.ops.size(), report.peak_sram_bytes, report.peak_op);

  if (options.json) {
    std::cout << report.to_json(2) << "\n";
    return 0;
  }
  print_model(model, options.space);
  print_board(board, report);
  std::cout << "Schedule  " << report.schedule
            << (report.schedule_auto ? " (chosen by auto: it fits with the least latency)" : "") << "\n\n";
  print_layers(report);
  print_totals(report, board);
  print_where_auto_fits(graph, board, cost, report);
  return 0;
}

} // namespace tinynas::cli

#include "tinynas/search/constraints.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/limits.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

CostOptions Constraints::cost_options() const {
  CostOptions options;
  options.schedule = schedule;
  options.patch = patch;
  options.per_layer = false;
  options.budgets = budgets();
  options.latency_table = latency_table;
  return options;
}

std::string Constraints::describe() const {
  std::string latency = !latency_ms     ? "no latency budget"
                        : latency_table ? fmt::format("latency {:g} ms (calibrated table)", *latency_ms)
                                        : fmt::format("latency {:g} ms (estimate)", *latency_ms);
  return fmt::format("SRAM {}, flash {}, {} (board {}, schedule {})", format_size(sram_bytes), format_size(flash_bytes),
                     latency, board.name, schedule_name(schedule));
}

Constraints make_constraints(Board board, std::optional<std::uint64_t> sram_bytes,
                             std::optional<std::uint64_t> flash_bytes, std::optional<double> latency_ms,
                             Schedule schedule, PatchOptions patch) {
  Constraints c;
  c.sram_bytes = sram_bytes.value_or(board.sram_bytes);
  c.flash_bytes = flash_bytes.value_or(board.flash_bytes);
  if (c.sram_bytes == 0)
    throw invalid_option("sram", "the SRAM budget must be positive (board \"" + board.name + "\" declares none)");
  if (c.flash_bytes == 0)
    throw invalid_option("flash", "the flash budget must be positive (board \"" + board.name + "\" declares none)");
  if (latency_ms && !(std::isfinite(*latency_ms) && *latency_ms > 0))
    throw invalid_option("latency", fmt::format("must be positive, found {:g} ms", *latency_ms));
  c.latency_ms = latency_ms;
  c.latency_table = board_latency_table(board);
  // Whatever the schedule: a grid out of range is a mistake even where it is not used.
  if (patch.patches < 1 || patch.patches > limits::kMaxPatches)
    throw invalid_option("patches",
                         fmt::format("must be 1 to {} (an n x n grid), found {}", limits::kMaxPatches, patch.patches));
  c.schedule = schedule;
  c.patch = patch;
  c.board = std::move(board);
  return c;
}

bool fits(const CostSummary& cost, const Constraints& constraints) {
  return check_budgets(cost.total_sram_bytes, cost.flash_bytes, cost.latency_ms, constraints.budgets()).all();
}

FitCheck check_fit(const SearchSpace& space, const Arch& arch, const Constraints& constraints) {
  FitCheck check;
  const Graph graph = lower_to_graph(lower_to_net(space, arch));
  check.cost = summarize(graph, constraints.board, constraints.cost_options());
  check.fits = fits(check.cost, constraints);
  return check;
}

std::string run_plan_text(const CostSummary& cost, const Constraints& constraints) {
  const bool automatic = constraints.schedule == Schedule::kAuto;
  if (cost.patches > 0)
    return fmt::format("patch {0}x{0} up to block {1}{2}", cost.patches, cost.patch_split_block,
                       automatic ? " (auto's choice)" : "");
  if (automatic) return fmt::format("in place ({}, auto's choice)", schedule_name(Schedule::kInplaceDw));
  if (constraints.schedule == Schedule::kPatch) return "in place (no block boundary to split into patches)";
  return schedule_name(constraints.schedule);
}

std::int64_t recomputed_macs(const SearchSpace& space, const Arch& arch, const CostSummary& cost) {
  return cost.patches > 0 ? cost.macs - subnet_macs(space, arch) : 0;
}

std::string macs_text(const SearchSpace& space, const Arch& arch, const CostSummary& cost) {
  const std::int64_t recomputed = recomputed_macs(space, arch, cost);
  const std::string total = fmt::format("{:.2f}M", static_cast<double>(cost.macs) / 1e6);
  if (recomputed == 0) return total;
  return fmt::format("{} ({:.2f}M in the network + {:.2f}M recomputed in the patches' halos)", total,
                     static_cast<double>(cost.macs - recomputed) / 1e6, static_cast<double>(recomputed) / 1e6);
}

} // namespace tinynas

#include "tinynas/search/constraints.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

CostOptions Constraints::cost_options() const {
  CostOptions options;
  options.schedule = schedule;
  options.patch = patch;
  options.per_layer = false;
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
  if (latency_ms) {
    if (auto table = LatencyTable::load_for_board(board.name))
      c.latency_table = std::make_shared<const LatencyTable>(std::move(*table));
  }
  c.schedule = schedule;
  c.patch = patch;
  c.board = std::move(board);
  return c;
}

bool fits(const CostSummary& cost, const Constraints& constraints) {
  // Budgets are unsigned and costs signed: compare in the unsigned domain (costs are never negative).
  return static_cast<std::uint64_t>(cost.total_sram_bytes) <= constraints.sram_bytes &&
         static_cast<std::uint64_t>(cost.flash_bytes) <= constraints.flash_bytes &&
         (!constraints.latency_ms || cost.latency_ms <= *constraints.latency_ms);
}

FitCheck check_fit(const SearchSpace& space, const Arch& arch, const Constraints& constraints) {
  FitCheck check;
  const Graph graph = lower_to_graph(lower_to_net(space, arch));
  check.cost = summarize(graph, constraints.board, constraints.cost_options());
  if (constraints.latency_table) check.cost.latency_ms = constraints.latency_table->predict_budget_ms(graph);
  check.fits = fits(check.cost, constraints);
  return check;
}

} // namespace tinynas

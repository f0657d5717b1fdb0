#pragma once
// The budgets a subnet must meet on a board, and the one check the search applies to every
// candidate: lower the arch (arch -> NetSpec -> op Graph), compute its cost summary once under the
// chosen schedule, and compare it with the budgets.
//
// What is compared (units as the cost model reports them):
//   total SRAM   activations + kernel scratch under the schedule + the board's runtime SRAM  <= sram_bytes
//   flash        model weights and tables + the board's runtime code                         <= flash_bytes
//   latency      in ms (only when a latency budget is set), from the board's calibrated latency
//                table when `tinynas calibrate` made one (Board::latency_table), else the board's
//                per-op estimate, as everywhere (profiler/cost_model.hpp)                      <= latency_ms
// The comparison itself is the cost model's check_budgets(): "fits" means the same in analyze.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/profiler/latency_table.hpp"
#include "tinynas/profiler/schedule.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

struct Constraints {
  Board board;
  std::uint64_t sram_bytes = 0;     // budget for total SRAM (runtime included)
  std::uint64_t flash_bytes = 0;    // budget for flash (runtime code included)
  std::optional<double> latency_ms; // budget for the latency estimate; none: unconstrained
  // Per candidate, the cost model's choice: in place when that fits, else the patch plan that fits with the least
  // latency (MCUNetV2's larger resolutions under the same SRAM). The default of every front end's search.
  Schedule schedule = Schedule::kAuto;
  PatchOptions patch; // used by Schedule::kPatch only
  // The board's calibrated latency table, when there is one; shared because constraints are copied
  // into every stage-1 task. Every latency figure of the search comes from it.
  std::shared_ptr<const LatencyTable> latency_table;

  // sram_bytes, flash_bytes and latency_ms as the cost model's check takes them.
  Budgets budgets() const { return {sram_bytes, flash_bytes, latency_ms}; }
  // The options the search passes to summarize(): no per-layer rows, these budgets, the table.
  CostOptions cost_options() const;
  // "SRAM 320.0 KiB, flash 1.00 MiB, no latency budget (board stm32f746g-disco, schedule inplace-dw)"
  std::string describe() const;
};

// Budgets not given default to the board's SRAM and flash. The board's calibrated latency table is
// loaded when one exists. Throws invalid_option naming the option (sram, flash, latency) for a zero
// budget or a non-positive latency.
Constraints make_constraints(Board board, std::optional<std::uint64_t> sram_bytes,
                             std::optional<std::uint64_t> flash_bytes, std::optional<double> latency_ms,
                             Schedule schedule, PatchOptions patch = {});

// Whether already computed costs meet the budgets.
bool fits(const CostSummary& cost, const Constraints& constraints);

struct FitCheck {
  CostSummary cost;
  bool fits = false;
};

// Lowers `arch` (a valid arch of `space`) and summarises its cost once. Pure and thread-safe.
FitCheck check_fit(const SearchSpace& space, const Arch& arch, const Constraints& constraints);

// How a subnet with these costs runs, for people: "patch 4x4 up to block 5 (auto's choice)", "in place
// (inplace-dw, auto's choice)", "inplace-dw". A winner that fits only in patches must be deployed that way.
std::string run_plan_text(const CostSummary& cost, const Constraints& constraints);

// The MACs `cost` counts beyond the network's own: the patch schedule's halo, recomputed in every patch; 0 in place.
std::int64_t recomputed_macs(const SearchSpace& space, const Arch& arch, const CostSummary& cost);
// "14.57M" in place; under patches "300.48M (241.95M in the network + 58.53M recomputed in the patches' halos)".
std::string macs_text(const SearchSpace& space, const Arch& arch, const CostSummary& cost);

} // namespace tinynas

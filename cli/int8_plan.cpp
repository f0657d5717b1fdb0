#include "int8_plan.hpp"

#include <fmt/format.h>

#include "text_output.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::cli {

namespace {

void check_blob_fits(const QuantizedSubnet& q, const CostOptions& requested, const Board& board) {
  const std::int64_t needed = q.blob.arena_bytes + static_cast<std::int64_t>(board.runtime_sram_bytes);
  const auto budget = static_cast<std::int64_t>(requested.budgets.value_or(board_budgets(board)).sram_bytes);
  if (needed > budget)
    throw Error(ErrorCode::kInfeasible,
                fmt::format("{} needs {} of SRAM on {} (arena {} + runtime {}), over the {} it may take; {}", q.arch_id,
                            format_bytes(needed), board.name, format_bytes(q.blob.arena_bytes),
                            format_bytes(static_cast<std::int64_t>(board.runtime_sram_bytes)), format_bytes(budget),
                            requested.schedule == Schedule::kAuto
                                ? "no plan auto takes fits it (in place or in patches): a smaller subnet"
                                : "try --schedule auto (patches where in place does not fit) or a smaller subnet"));
}

} // namespace

PatchOptions plan_int8_blob(QuantizedSubnet& q, const ScheduleFlags& flags, const Board* board) {
  const CostOptions requested = board ? schedule_cost_options(flags, *board) : schedule_cost_options(flags);
  if (requested.schedule == Schedule::kAuto && !board) // the commands refuse it first, naming their flag
    throw Error(ErrorCode::kInternal, "the auto schedule needs a board to fit");
  const PatchOptions patch = board                                    ? resolve_patch_plan(q.graph, *board, requested)
                             : requested.schedule == Schedule::kPatch ? resolve_patch_split(q.graph, requested.patch)
                                                                      : PatchOptions{0, -1};
  warn_if_runs_in_place(q.arch_id, requested, patch);
  if (patch.patches > 0) q.blob = write_model_blob(q.graph, q.model, {patch.patches, patch.split_block});
  if (board) check_blob_fits(q, requested, *board);
  return patch;
}

} // namespace tinynas::cli

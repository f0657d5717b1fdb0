#pragma once
// --schedule, --patches and --split-block as `analyze`, `profile`, `export` and `deploy` take them (the last three
// with --sram): one parser (the library's), so every command and the Python bindings accept and refuse the same
// values with the same words.

#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::cli {

struct ScheduleFlags {
  std::string schedule = "inplace-dw";
  std::optional<int> patches;     // patch schedule only
  std::optional<int> split_block; // patch schedule only
  // --sram, e.g. the search's budget; "" = the board's. The SRAM `auto` fits its plan to (`profile`: only that), and
  // for `export` and `deploy` the SRAM any blob must fit.
  std::string auto_sram;
};

// The cost options the flags name (tinynas::schedule_options, which the Python bindings use too).
inline CostOptions schedule_cost_options(const ScheduleFlags& flags) {
  return schedule_options(flags.schedule, flags.patches, flags.split_block);
}

// The same with --sram as the budget `auto` fits, the board's flash beside it (as `search --sram` gives it).
inline CostOptions schedule_cost_options(const ScheduleFlags& flags, const Board& board) {
  CostOptions o = schedule_cost_options(flags);
  if (!flags.auto_sram.empty()) o.budgets = Budgets{parse_size(flags.auto_sram, "--sram"), board.flash_bytes, {}};
  return o;
}

// The patch plan `--schedule patch` asked for resolved to none (no block boundary of the net can be split): said, since
// the model then runs in place.
inline void warn_if_runs_in_place(const std::string& arch_id, const CostOptions& requested, const PatchOptions& plan) {
  if (requested.schedule == Schedule::kPatch && plan.patches == 0)
    spdlog::warn("{}: no block boundary can be split into {}x{} patches; the blob runs in place", arch_id,
                 requested.patch.patches, requested.patch.patches);
}

} // namespace tinynas::cli

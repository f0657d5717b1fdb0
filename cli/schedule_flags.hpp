#pragma once
// --schedule, --patches and --split-block, as `analyze` and `profile` take them: one parser (the library's), so
// both commands and the Python bindings accept and refuse the same values with the same words.

#include <optional>
#include <string>

#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::cli {

struct ScheduleFlags {
  std::string schedule = "inplace-dw";
  std::optional<int> patches;     // patch schedule only
  std::optional<int> split_block; // patch schedule only
  // `profile` and `deploy`: the SRAM `auto` must fit (--sram, e.g. the search's budget); "" = the board's.
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

} // namespace tinynas::cli

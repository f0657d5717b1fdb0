#pragma once
// --schedule, --patches and --split-block, as `analyze` and `profile` take them: one parser, so both commands
// accept and refuse the same values with the same words.

#include <optional>
#include <string>

#include "tinynas/profiler/cost_model.hpp"

namespace tinynas::cli {

struct ScheduleFlags {
  std::string schedule = "inplace-dw";
  std::optional<int> patches;     // patch schedule only
  std::optional<int> split_block; // patch schedule only
};

// The cost options the flags name; Error(kInvalidArgument) naming the flag for an unknown schedule, a grid out of
// range, a negative block, or --patches/--split-block without --schedule patch.
CostOptions schedule_cost_options(const ScheduleFlags& flags);

} // namespace tinynas::cli

#pragma once
// --schedule, --patches and --split-block, as `analyze` and `profile` take them: one parser (the library's), so
// both commands and the Python bindings accept and refuse the same values with the same words.

#include <optional>
#include <string>

#include "tinynas/profiler/cost_model.hpp"

namespace tinynas::cli {

struct ScheduleFlags {
  std::string schedule = "inplace-dw";
  std::optional<int> patches;     // patch schedule only
  std::optional<int> split_block; // patch schedule only
};

// The cost options the flags name (tinynas::schedule_options, which the Python bindings use too).
inline CostOptions schedule_cost_options(const ScheduleFlags& flags) {
  return schedule_options(flags.schedule, flags.patches, flags.split_block);
}

} // namespace tinynas::cli

#include "schedule_flags.hpp"

#include "tinynas/space/error.hpp"
#include "tinynas/space/limits.hpp"

namespace tinynas::cli {

CostOptions schedule_cost_options(const ScheduleFlags& flags) {
  CostOptions cost;
  cost.schedule = parse_schedule(flags.schedule);
  if ((flags.patches || flags.split_block) && cost.schedule != Schedule::kPatch)
    throw Error(ErrorCode::kInvalidArgument, "--patches and --split-block apply only to --schedule patch");
  if (flags.patches) {
    if (*flags.patches < 1 || *flags.patches > limits::kMaxPatches)
      throw Error(ErrorCode::kInvalidArgument, "--patches must be 1 to " + std::to_string(limits::kMaxPatches) +
                                                   " (an n x n grid), found " + std::to_string(*flags.patches));
    cost.patch.patches = *flags.patches;
  }
  if (flags.split_block) {
    if (*flags.split_block < 0)
      throw Error(ErrorCode::kInvalidArgument, "--split-block must be a block index (0 or more)");
    cost.patch.split_block = *flags.split_block;
  }
  return cost;
}

} // namespace tinynas::cli

#pragma once
// The memory plan an int8 blob carries, as `export` and `deploy` choose it from the schedule flags: the one place
// that turns --schedule (and, for auto, the board and --sram) into the blob's plan and checks that it fits the board.

#include "schedule_flags.hpp"
#include "tinynas/deploy/quantized_subnet.hpp"
#include "tinynas/profiler/board.hpp"

namespace tinynas::cli {

// Rewrites q.blob in the plan `flags` name: inplace-dw as quantised; patch with the grid given and the cost model's
// split where none is; auto (which needs `board`) in place when the arena fits the board's SRAM or --sram, else the
// patch plan the cost model takes, as the search costs it. Returns the plan (patches 0: in place). Auto without a
// board is the caller's to refuse (export names its --board flag).
// With a board: Error(kInfeasible) naming the model and the board when the blob's arena and the board's runtime
// exceed the SRAM the model may take (--sram, else the board's).
PatchOptions plan_int8_blob(QuantizedSubnet& q, const ScheduleFlags& flags, const Board* board);

} // namespace tinynas::cli

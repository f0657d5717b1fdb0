#pragma once
// `tinynas search --hil farm[:KIND] [--farm farm.json]`: the search's finalists (or the --data pipeline's trained
// winner) measured by the board farm, in parallel on every board of the kind (the search's board by default; without
// --farm, this host's QEMU boards), instead of one board in turn. The farm itself is the Python package (tinynas.farm);
// this is the hand-over.

#include <optional>
#include <string>

#include "tinynas/hil/hil_check.hpp"
#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/profiler/board.hpp"

namespace tinynas::cli {

struct FarmHil {
  Board kind;       // the board kind the finalists run on
  std::string farm; // farm.json; "" = this host's boards
};

// nullopt unless `hil` is "farm" or "farm:KIND". Error(kInvalidArgument) for an unknown kind or one without
// profiling firmware.
std::optional<FarmHil> parse_farm_hil(const std::optional<std::string>& hil, const std::string& farm,
                                      const Board& search_board);

// Before the search: the farm description is read and has a board of the kind (exit 2 otherwise).
void check_farm(const FarmHil& farm_hil, const std::string& work_dir);

// Measures through `tinynas farm measure`, its files in `work_dir` (the search's directory). Each finalist runs in
// the schedule `schedule` resolves to for it (auto: in place or its patch plan, as the search costed it).
FinalistMeasurer farm_measurer(const FarmHil& farm_hil, const std::string& work_dir, const CostOptions& schedule,
                               int runs = 3);

// The --data pipeline's trained winner, with its own int8 weights and its exported patch plan (a {"trained": MODEL}
// job), the same way.
std::function<ProfileResult(const TrainedWinner&)> farm_trained_measurer(const FarmHil& farm_hil,
                                                                         const std::string& work_dir, int runs = 3);

} // namespace tinynas::cli

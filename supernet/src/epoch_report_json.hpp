#pragma once
// Reading back EpochReport::to_json (tinynas/supernet/trainer.hpp) where it is embedded in a larger
// document (a checkpoint), so errors name the field's JSON Pointer in that document; the position
// inside an epoch that a checkpoint written there records; and how far a checkpointed training loop
// got (EpochLoopProgress).

#include <nlohmann/json.hpp>

#include "epoch_loop_progress.hpp"
#include "epoch_start.hpp"
#include "json_util.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

// `total_epochs` stands in for the "epochs" key, which checkpoints written before it existed lack.
EpochReport epoch_report_from_json(const json_util::Field& report, int total_epochs);

// A training state's "epoch_start": set in `state` for a checkpoint inside an epoch (batch > 0); read
// back as batch 0 when absent (written between epochs, or before checkpoints inside epochs existed).
// `unfinished`: the run has epochs left (a position inside one is refused otherwise).
void put_epoch_start(nlohmann::json& state, const engine::EpochStart& start);
engine::EpochStart epoch_start_from_json(const json_util::Field& state, bool unfinished);

// The fields of EpochLoopProgress in (and from) a training state's JSON object.
void put_epoch_loop(nlohmann::json& state, const EpochLoopProgress& progress);
EpochLoopProgress epoch_loop_from_json(const json_util::Field& state, int total_epochs);

} // namespace tinynas

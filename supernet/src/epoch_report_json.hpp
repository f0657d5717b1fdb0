#pragma once
// Reading back EpochReport::to_json (tinynas/supernet/trainer.hpp) where it is embedded in a larger
// document (a checkpoint), so errors name the field's JSON Pointer in that document.

#include "json_util.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

// `total_epochs` stands in for the "epochs" key, which checkpoints written before it existed lack.
EpochReport epoch_report_from_json(const json_util::Field& report, int total_epochs);

} // namespace tinynas

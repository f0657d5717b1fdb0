#pragma once
// PipelineOptions as pipeline.json's "options": every option that defines the run, as the user
// spelled it, so `--resume RUN` continues it without repeating them. Not recorded: where and how it
// runs (out, threads) and the board it is measured on (pipeline.json's "hil").

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tinynas/pipeline/pipeline.hpp"

namespace tinynas {

nlohmann::json pipeline_options_json(const PipelineOptions& options);

// Error(kInvalidFile) naming `file` and the field for a missing or mistyped value.
PipelineOptions pipeline_options_from_json(std::string_view text, const std::string& file);

} // namespace tinynas

// A pipeline run's record (RUN/pipeline.json, read by `search --resume RUN`): anything accepted writes back to a
// record that reads as the same options.
#include <nlohmann/json.hpp>

#include "fuzz_target.hpp"
#include "pipeline_options_json.hpp"

namespace {

// The record as the pipeline writes it: the options, and the board the winner is measured on.
std::string record_of(const tinynas::PipelineOptions& o) {
  return nlohmann::json{{"options", tinynas::pipeline_options_json(o)},
                        {"hil", o.hil_board ? nlohmann::json(*o.hil_board) : nlohmann::json()},
                        {"hil_farm", o.hil_farm}}
      .dump();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept([&] {
    const std::string written = record_of(pipeline_options_from_json(fuzz::text_of(data, size), "pipeline.json"));
    if (record_of(pipeline_options_from_json(written, "rewritten.json")) != written)
      fuzz::finding("a pipeline record does not survive pipeline_options_json -> pipeline_options_from_json");
  });
  return 0;
}

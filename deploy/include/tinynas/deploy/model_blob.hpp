#pragma once
// The model blob the firmware runs (format: firmware/include/tn/tn_model_format.h): op records, int8 weights,
// int32 biases and requantisation tables, and the memory plan. The plan is the cost model's inplace-dw schedule
// (profiler/arena_plan.hpp's plan_arena, the same call analyze() makes), so the arena the firmware uses is exactly
// the peak SRAM the cost model predicts.
//
// run_blob_on_host() runs a blob with the host build of the same C runtime: the bit-exact reference for the
// firmware's output.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct ModelBlob {
  std::vector<std::uint8_t> bytes;
  std::int64_t arena_bytes = 0;             // the plan's arena: inplace-dw peak SRAM
  std::vector<std::int64_t> tensor_offsets; // arena offset of every graph tensor
  std::vector<std::int64_t> scratch_bytes;  // per op, as the firmware's getters request
  std::vector<bool> in_place;               // per op: a depthwise conv writing over its input
  std::int64_t input_offset = 0, input_bytes = 0;
  std::int64_t output_offset = 0, output_bytes = 0;
};

// Throws Error(kInternal) if the plan or the quantised model do not fit the graph.
ModelBlob write_model_blob(const Graph& graph, const QuantizedModel& model);

// Name of a firmware status code ("blob-crc"), "status N" for unknown values.
std::string firmware_status_name(int status);

struct HostRunResult {
  std::vector<std::int8_t> output;
  std::uint32_t output_crc = 0; // CRC-32 of the output, as the firmware reports it
};

// A blob loaded into the host runtime once (validated, CRC checked: tn_model_load) and run many times. run() may
// be called from several threads at once: each call has its own arena.
class HostModel {
public:
  // Throws Error(kInvalidArgument) naming the firmware status if the runtime refuses the blob.
  explicit HostModel(const std::vector<std::uint8_t>& blob);
  ~HostModel();
  HostModel(const HostModel&) = delete;
  HostModel& operator=(const HostModel&) = delete;

  // Throws Error(kInvalidArgument) if the input size is wrong.
  HostRunResult run(const std::vector<std::int8_t>& input) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads and runs `blob` on the host runtime with `input` (the blob's input bytes): HostModel(blob).run(input).
HostRunResult run_blob_on_host(const std::vector<std::uint8_t>& blob, const std::vector<std::int8_t>& input);

} // namespace tinynas

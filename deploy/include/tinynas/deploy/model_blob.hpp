#pragma once
// The model blob the firmware runs (format: firmware/include/tn/tn_model_format.h): op records, int8 weights,
// int32 biases and requantisation tables, and the memory plan. The plan is the cost model's inplace-dw schedule
// (profiler/arena_plan.hpp's plan_arena, the same call analyze() makes), or its patch schedule
// (profiler/patch_plan.hpp: the spans of every patch and plan_patch_arena), so the arena the firmware uses is
// exactly the peak SRAM the cost model predicts.
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

// The schedule a blob runs: layer by layer (patches == 0: inplace-dw), or patch-based on a patches x patches grid
// up to the end of NetSpec block split_block, as a cost report names it (CostReport::patches, patch_split_block).
struct BlobSchedule {
  int patches = 0;
  int split_block = -1;
};

struct ModelBlob {
  std::vector<std::uint8_t> bytes;
  std::int64_t arena_bytes = 0;             // the plan's arena: inplace-dw peak SRAM
  std::vector<std::int64_t> tensor_offsets; // arena offset of every graph tensor
  std::vector<std::int64_t> scratch_bytes;  // per op, as the firmware's getters request
  std::vector<bool> in_place;               // per op: a depthwise conv writing over its input
  std::int64_t input_offset = 0, input_bytes = 0;
  std::int64_t output_offset = 0, output_bytes = 0;
  int patches = 0;   // the patch grid, 0 when run layer by layer
  int split_op = -1; // the last op run per patch
};

// Throws Error(kInternal) if the plan or the quantised model do not fit the graph, Error(kInvalidArgument) if the
// schedule's split block is not a block of the graph or its grid is out of range.
ModelBlob write_model_blob(const Graph& graph, const QuantizedModel& model, const BlobSchedule& schedule = {});

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

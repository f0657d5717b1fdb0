#pragma once
// Hardware-in-the-loop profiling: quantise a network to int8, write the model blob with the cost model's
// memory plan (inplace-dw, or the patch schedule: ProfileOptions::schedule), send it to the profiling firmware on a
// board (QEMU stands in for boards in CI), run it, and report what was measured next to what the cost model predicts:
//   latency      DWT cycles on real silicon; on QEMU, SysTick ticks under -icount: deterministic virtual time that
//                counts INSTRUCTIONS (QEMU models no pipeline, caches or wait states), never cycles;
//   peak SRAM    the arena bytes the run really touched (arena painted with two different bytes over the runs);
//   flash        firmware image + model blob;
//   bit_exact    the firmware's output equals the host build of the same runtime, byte for byte;
//   per layer    timer ticks of every op.
// Link failures (QEMU or board not answering, dying mid-run, firmware hanging) are retried after a relaunch or
// reset; when every attempt fails, Error(kIo) names the board. A blob the firmware refuses gives
// Error(kInvalidArgument) with the firmware's status name.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/hil/gdb_remote.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/profiler/latency_table.hpp"
#include "tinynas/profiler/schedule.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

enum class LatencySource {
  kDwtCycles,       // "dwt-cycles": DWT->CYCCNT on the board
  kQemuIcountTicks, // "qemu-icount-ticks": SysTick under QEMU -icount (instructions, not cycles)
  kSystickCycles,   // "systick-cycles": SysTick on a real core without DWT
};
const char* latency_source_name(LatencySource source);

struct MeasuredLatency {
  double value = 0;
  std::string unit; // "cycles" or "ticks"
  LatencySource source = LatencySource::kQemuIcountTicks;
};

struct LayerTiming {
  int op = 0;
  std::string name;      // "blocks.3.depthwise"
  std::string type;      // "conv", "depthwise", ...
  std::string signature; // latency-table key (latency_table.hpp)
  std::uint64_t ticks = 0;
  std::int64_t macs = 0;
};

struct ProfileResult {
  std::string board;
  std::string firmware;             // image path
  MeasuredLatency latency;          // median over runs
  double latency_ms = 0;            // real boards: cycles at the board's nominal clock; 0 under QEMU
  double instructions = 0;          // QEMU: ticks / (ticks per instruction); 0 on real boards
  double ticks_per_instruction = 0; // QEMU: 2^shift ns x SysTick clock
  std::vector<std::uint64_t> run_ticks;
  bool runs_identical = false; // every run gave the same ticks and output
  std::int64_t peak_sram_bytes_measured = 0;
  std::int64_t peak_sram_bytes_predicted = 0;
  std::int64_t stack_bytes_measured = 0;
  std::int64_t flash_bytes = 0;           // firmware image + model blob
  std::int64_t flash_bytes_predicted = 0; // cost model (model + the board's runtime allowance)
  std::int64_t model_blob_bytes = 0;
  std::string schedule = "inplace-dw"; // the memory schedule the firmware ran (and the prediction is for)
  int patches = 0;                     // patch: the n x n grid and the last block run per patch
  int patch_split_block = -1;
  std::int64_t macs_predicted = 0; // the cost model's MACs, the patches' halo recomputation included
  bool bit_exact = false;
  std::vector<LayerTiming> layers;
  std::optional<PredictedLatency> latency_predicted; // predicted_latency(), set by every profile(): when the board
                                                     // has a calibrated table

  // The documented JSON (docs/HIL.md): latency{value,unit,source}, peak_sram_bytes_measured,
  // peak_sram_bytes_predicted, flash_bytes, bit_exact, board, layers, and the extra fields above.
  std::string to_json(int indent = 2) const;
  // The inverse, for measurements made elsewhere (the board farm): Error(kInvalidFile) naming `file` and the
  // field's JSON Pointer (under `pointer`, where the measurement sits in its file) when a field is missing or of
  // the wrong type.
  static ProfileResult from_json(const std::string& text, const std::string& file, const std::string& pointer = "");
};

// What a fault-injection hook (tests) gets after the firmware booted and before the model is sent.
struct HilFaultContext {
  GdbRemote& gdb;
  std::function<std::uint32_t(const std::string&)> symbol; // firmware symbol address
  int attempt = 0;                                         // 0 for the first try
  int process_id = -1;                                     // QEMU's pid; -1 on a real board
};

struct ProfileOptions {
  int runs = 3;           // runs per model; at least 2 are made (two paint bytes for the SRAM measurement)
  std::uint64_t seed = 0; // random weights and input for profile(graph)
  std::string firmware;   // firmware image; "" = the build tree's image for the board
  bool pure_c = false;    // use the board's pure-C image (QEMU boards)
  int retries = 2;        // relaunches / resets after a link failure
  std::chrono::milliseconds run_timeout{30000};
  std::chrono::milliseconds boot_timeout{10000};
  int icount_shift = -1;    // QEMU: -1 = the board's default
  std::string qemu_machine; // QEMU: another -M machine for the same image family ("" = the board's), e.g. the
                            // bench's "mps2-an386" (Cortex-M4 with the MPS2 memory map)
  std::string qemu_plugin;  // QEMU: a TCG plugin and its arguments (bench_kernels_qemu counts instructions)
  std::vector<std::string> qemu_plugin_args;
  std::function<void(const HilFaultContext&)> after_boot; // tests only
  // The memory schedule the blob runs: inplace-dw, patch (with `patch`: grid and split block, -1 = the cost model's
  // choice) or auto (the cost model's choice for the board's SRAM). The firmware runs no other schedule.
  Schedule schedule = Schedule::kInplaceDw;
  PatchOptions patch;
  std::optional<Budgets> budgets; // what `auto` must fit; none: the board's SRAM and flash
};

// The profiling firmware runs inplace-dw and patch plans (auto resolves to one of them). Error(kInvalidArgument)
// naming --schedule for any other, so a front end refuses a search or pipeline that would end on a board before it
// starts.
void check_firmware_schedule(Schedule schedule);

class HilProfiler {
public:
  // Throws Error(kInvalidArgument) for a board without profiling firmware, Error(kInvalidFile) when the image is
  // missing. Nothing is launched until the first profile() call; the link then stays up for later calls.
  HilProfiler(const Board& board, ProfileOptions options = {});
  ~HilProfiler();
  HilProfiler(const HilProfiler&) = delete;
  HilProfiler& operator=(const HilProfiler&) = delete;

  // Reaches the board now (launches QEMU / OpenOCD and boots the firmware, with the profile's retries), so a board
  // that cannot be reached fails before a long job rather than after it. Error(kDevice) naming the board.
  void connect();

  // Runs per model and the seed of the random weights for later profile() calls, keeping the link up (a farm
  // worker's board serves jobs with different settings).
  void set_measurement(int runs, std::uint64_t seed);
  // The schedule of later profile() calls (a search's finalists run in the schedule the search found them with).
  void set_schedule(Schedule schedule, const PatchOptions& patch, std::optional<Budgets> budgets);

  // Random weights and input (options.seed): latency and memory only.
  ProfileResult profile(const Graph& graph);
  ProfileResult profile(const Graph& graph, const QuantizedModel& model, const std::vector<std::int8_t>& input);
  // A model blob made elsewhere (a trained model's, sent as a farm job) with the graph it was written for:
  // Error(kInvalidArgument) when the blob's arena is not the graph's plan (the two are not one model) or the host
  // runtime refuses the blob or the input.
  ProfileResult profile(const Graph& graph, const ModelBlob& blob, const std::vector<std::int8_t>& input);

  // Each input run once through the model blob on the board (sent and validated once); the outputs in order.
  // progress(done, total) after each. A link failure relaunches as profile() does and continues with the inputs
  // not yet run. Errors as profile()'s.
  std::vector<std::vector<std::int8_t>> infer(const ModelBlob& blob,
                                              const std::vector<std::vector<std::int8_t>>& inputs,
                                              const std::function<void(int, int)>& progress = {});

  const Board& board() const;
  const std::string& firmware_path() const;
  // Wall-clock time spent in link start-up (launch + boot), summed over the profiler's life.
  std::chrono::milliseconds startup_time() const;

private:
  // Error(kInvalidArgument) when the cost model's arena for `graph` exceeds the firmware's (read from
  // the board once the link is up), before any weights are made.
  void refuse_if_too_large(const Graph& graph);
  // The measurement itself, for a blob known to be `graph`'s, next to the cost model's prediction for the blob's
  // schedule.
  ProfileResult profile_blob_of(const Graph& graph, const ModelBlob& blob, const std::vector<std::int8_t>& input,
                                const CostReport& predicted);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot: a HilProfiler for `board` and profile(graph).
ProfileResult profile_model(const Graph& graph, const Board& board, const ProfileOptions& options = {});

} // namespace tinynas

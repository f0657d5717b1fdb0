#pragma once
// `tinynas profile MODEL.json --board B`: runs the model (int8, random weights with calibrated scales:
// latency and memory do not depend on the values) on the board's profiling firmware, under QEMU for the
// qemu-* boards and through OpenOCD for real ones, and reports measured latency, measured peak SRAM next to
// the cost model's prediction, flash use, bit-exactness against the host runtime, and per-layer timings
// (docs/HIL.md).

#include <cstdint>
#include <string>

#include "schedule_flags.hpp"

namespace tinynas::cli {

struct ProfileOptions {
  std::string model;      // arch JSON or OFA/MCUNet net config (positional) ...
  std::string model_file; // ... or --model: a model file of `tinynas finetune` (its arch in its space)
  std::string board;      // --board (required): qemu-netduinoplus2, qemu-mps2-an500, stm32f746g-disco, nucleo-h743zi
  int runs = 3;           // --runs N (at least 2 are made: the SRAM measurement paints with two bytes)
  bool json = false;      // --json
  std::string space = "mcunet"; // --space: for arch files naming no space, and to map net configs
  std::uint64_t seed = 0;       // --seed: random weights and input
  std::string firmware;         // --firmware ELF: overrides the build tree's image for the board
  int timeout_ms = 30000;       // --timeout MS: per run, before the board is declared hung
  int retries = 2;              // --retries N: relaunches / resets after a link failure
  ScheduleFlags schedule;       // --schedule inplace-dw|patch|auto, --patches, --split-block
};
// Exit codes: 0 measured and bit-exact; 1 measured but the output differs from the host reference, or the
// board failed (tinynas::Error kIo); 2 bad input (model, board name, a model that does not fit the firmware).
int run_profile(const ProfileOptions& options);

} // namespace tinynas::cli

#pragma once
// The `tinynas` subcommands: one plain option struct and one run function each. main.cpp (the only
// translation unit that includes CLI11, which is slow to compile) declares the flags and fills these
// structs; every command lives in its own file and knows nothing about argument parsing.
// Run functions return the process exit code and throw tinynas::Error on bad input.

#include <cstdint>
#include <optional>
#include <string>

#include "schedule_flags.hpp"

namespace tinynas::cli {

// tinynas analyze MODEL.json
struct AnalyzeOptions {
  std::string model;                      // arch JSON or OFA/MCUNet net config
  std::string board = "stm32f746g-disco"; // name in configs/boards or a path
  ScheduleFlags schedule;                 // --schedule, --patches, --split-block
  std::string space = "mcunet";           // for arch files naming no space, and to map net configs
  std::optional<std::string> sram;        // SRAM budget, e.g. "256K"; unset = the board's SRAM (as in search)
  std::optional<std::string> flash;       // flash budget; unset = the board's flash
  std::optional<double> latency_ms;       // latency budget (ms); none: not checked
  bool json = false;
};
int run_analyze(const AnalyzeOptions& options);

// tinynas convert MODEL.json --to netconfig|arch
struct ConvertOptions {
  std::string model;
  std::string to;     // "netconfig" or "arch"
  std::string output; // "" or "-": stdout
  std::string space = "mcunet";
};
int run_convert(const ConvertOptions& options);

// tinynas space sample
struct SpaceSampleOptions {
  std::string space = "mcunet";
  int count = 1;
  std::uint64_t seed = 0;
  double width = 0;   // 0: sampled
  int resolution = 0; // 0: sampled
};
int run_space_sample(const SpaceSampleOptions& options);

// tinynas space info
struct SpaceInfoOptions {
  std::string space = "mcunet";
  bool json = false;
};
int run_space_info(const SpaceInfoOptions& options);

} // namespace tinynas::cli

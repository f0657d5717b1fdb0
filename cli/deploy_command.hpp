#pragma once
// `tinynas deploy`: the found model as an application project for a board (tinynas/deploy/app_project.hpp), built
// with the board's toolchain, its linked flash and SRAM set beside the cost model's, and with --flash programmed
// into a real board through OpenOCD.

#include <cstdint>
#include <string>

#include "schedule_flags.hpp"

namespace tinynas::cli {

struct DeployOptions {
  std::string supernet, arch, model; // the subnet, as `tinynas export` takes it (subnet_source.hpp)
  std::string board;
  std::string out;
  std::string name = "tinynas_model";
  int calibration_images = 500;
  std::string data;
  std::uint64_t seed = 0;
  int threads = 0;
  // The memory plan: auto by default (in place when it fits the board's SRAM, else the patch plan the cost model
  // takes), or inplace-dw / patch as `tinynas export`.
  ScheduleFlags schedule{"auto", std::nullopt, std::nullopt, ""};
  bool build = true;  // configure and build DIR/build with CMake (needs arm-none-eabi-gcc)
  bool flash = false; // program the board through OpenOCD (a real board; exit 3 without a probe)
  bool json = false;
};

int run_deploy(const DeployOptions& options);

} // namespace tinynas::cli

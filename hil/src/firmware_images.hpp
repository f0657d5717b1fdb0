#pragma once
// Where the profiling firmware images are. Which image a board runs, and how it is reached, is in the board's file
// (Board::link, configs/boards/*.json); the memory map per image is firmware/boards/<board>.ld.

#include <string>

#include "tinynas/profiler/board.hpp"

namespace tinynas::detail {

// Throws Error(kInvalidArgument) naming the board file when the board has no link (it cannot be profiled).
const BoardLink& profiling_link(const Board& board);

// Where firmware images are: $TINYNAS_FIRMWARE_DIR if set, else the build tree they were built in.
std::string firmware_dir();
// <firmware_dir>/<board.link.firmware>[-purec].elf
std::string firmware_image_path(const Board& board, bool pure_c = false);
// The instruction-counting QEMU plugin (<firmware dir>/../libtinynas_qemu_insn_count.so).
std::string insn_count_plugin_path();

} // namespace tinynas::detail

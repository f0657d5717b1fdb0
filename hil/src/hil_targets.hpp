#pragma once
// Which boards the profiling firmware supports and how each is reached: the QEMU machine that stands in for it,
// or the OpenOCD board script of the real one. The memory map per board lives in firmware/boards/<board>.ld.

#include <string>
#include <vector>

namespace tinynas::detail {

struct HilTarget {
  std::string board;          // name in configs/boards
  std::string qemu_machine;   // -M value; "" for a real board
  int icount_shift = -1;      // QEMU only: -icount shift (ticks per instruction = 2^shift ns x SysTick clock)
  std::string openocd_config; // real boards: OpenOCD's board script
  std::string image_stem() const { return "tinynas-hil-" + board; }
  bool emulated() const { return !qemu_machine.empty(); }
};

// Throws Error(kInvalidArgument) listing the supported boards.
const HilTarget& hil_target(const std::string& board);
std::vector<std::string> hil_board_names();

// Where firmware images are: $TINYNAS_FIRMWARE_DIR if set, else the build tree they were built in.
std::string firmware_dir();
// <firmware_dir>/tinynas-hil-<board>[-purec].elf
std::string firmware_image_path(const HilTarget& target, bool pure_c = false);
// The instruction-counting QEMU plugin (<firmware dir>/../libtinynas_qemu_insn_count.so).
std::string insn_count_plugin_path();

} // namespace tinynas::detail

#include "hil_targets.hpp"

#include <cstdlib>
#include <filesystem>

#include "tinynas/space/error.hpp"

#ifndef TINYNAS_FIRMWARE_DIR
#define TINYNAS_FIRMWARE_DIR ""
#endif

namespace tinynas::detail {

namespace {

// shift 3 on the F405 (SysTick 168 MHz: 1.344 ticks per instruction) and 6 on the AN500 (25 MHz: 1.6), so one tick
// is finer than one instruction (shared/hil_notes.md §2.4).
const std::vector<HilTarget>& targets() {
  static const std::vector<HilTarget> all = {
      {"qemu-netduinoplus2", "netduinoplus2", 3, ""},
      {"qemu-mps2-an500", "mps2-an500", 6, ""},
      {"stm32f746g-disco", "", -1, "board/stm32f746g-disco.cfg"},
      {"nucleo-h743zi", "", -1, "board/st_nucleo_h743zi.cfg"},
  };
  return all;
}

} // namespace

const HilTarget& hil_target(const std::string& board) {
  for (const HilTarget& t : targets())
    if (t.board == board) return t;
  std::string names;
  for (const HilTarget& t : targets()) names += (names.empty() ? "" : ", ") + t.board;
  throw Error(ErrorCode::kInvalidArgument,
              "no profiling firmware for board '" + board + "' (supported: " + names + ")");
}

std::vector<std::string> hil_board_names() {
  std::vector<std::string> names;
  for (const HilTarget& t : targets()) names.push_back(t.board);
  return names;
}

std::string firmware_dir() {
  if (const char* env = std::getenv("TINYNAS_FIRMWARE_DIR"); env != nullptr && *env != '\0') return env;
  return TINYNAS_FIRMWARE_DIR;
}

std::string firmware_image_path(const HilTarget& target, bool pure_c) {
  return (std::filesystem::path(firmware_dir()) / (target.image_stem() + (pure_c ? "-purec" : "") + ".elf")).string();
}

std::string insn_count_plugin_path() {
  return (std::filesystem::path(firmware_dir()).parent_path() / "libtinynas_qemu_insn_count.so").string();
}

} // namespace tinynas::detail

#include "firmware_images.hpp"

#include <cstdlib>
#include <filesystem>

#include "tinynas/space/error.hpp"

#ifndef TINYNAS_FIRMWARE_DIR
#define TINYNAS_FIRMWARE_DIR ""
#endif

namespace tinynas::detail {

const BoardLink& profiling_link(const Board& board) {
  if (board.link.kind == BoardLink::Kind::kNone)
    throw Error(ErrorCode::kInvalidArgument,
                "board '" + board.name + "' has no profiling firmware: its file has no \"link\" (docs/FORMATS.md)",
                board.file);
  return board.link;
}

std::string firmware_dir() {
  if (const char* env = std::getenv("TINYNAS_FIRMWARE_DIR"); env != nullptr && *env != '\0') return env;
  return TINYNAS_FIRMWARE_DIR;
}

std::string firmware_image_path(const Board& board, bool pure_c) {
  const std::string name = profiling_link(board).firmware + (pure_c ? "-purec" : "") + ".elf";
  return (std::filesystem::path(firmware_dir()) / name).string();
}

std::string insn_count_plugin_path() {
  return (std::filesystem::path(firmware_dir()).parent_path() / "libtinynas_qemu_insn_count.so").string();
}

} // namespace tinynas::detail

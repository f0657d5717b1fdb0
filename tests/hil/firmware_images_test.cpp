// Every board file with a link names a profiling firmware image that the build produced, with the mailbox and
// hooks the host drives (hil_session.cpp). Real boards cannot run here, so their images are checked as files.
#include <gtest/gtest.h>

#include <filesystem>

#include "elf_image.hpp"
#include "firmware_images.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

TEST(FirmwareImages, EveryBoardWithALinkHasItsImage) {
  if (!std::filesystem::exists(detail::firmware_image_path(Board::load("qemu-mps2-an500"))))
    GTEST_SKIP() << "firmware images not built (no arm-none-eabi-gcc)";
  int boards = 0;
  for (const std::string& name : list_configs("boards")) {
    const Board board = Board::load(name);
    if (board.link.kind == BoardLink::Kind::kNone) continue;
    ++boards;
    const detail::ElfImage image = detail::ElfImage::load(detail::firmware_image_path(board));
    for (const char* symbol : {"tn_hil_mb", "tn_hil_ready", "tn_hil_done"})
      EXPECT_TRUE(image.has_symbol(symbol)) << name << ": " << symbol;
  }
  EXPECT_GE(boards, 5);
}

TEST(FirmwareImages, ABoardWithoutALinkCannotBeProfiled) {
  Board board = Board::load("stm32f746g-disco");
  board.link = {};
  try {
    detail::firmware_image_path(board);
    FAIL() << "a board without a link got an image";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("has no \"link\""), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace tinynas

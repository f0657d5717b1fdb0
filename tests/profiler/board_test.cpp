#include <gtest/gtest.h>

#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/schedule.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

TEST(Board, ShippedBoardsLoad) {
  Board f746 = Board::load("stm32f746g-disco");
  EXPECT_EQ(f746.sram_bytes, 320u * 1024);
  EXPECT_EQ(f746.flash_bytes, 1024u * 1024);
  EXPECT_DOUBLE_EQ(f746.clock_hz, 216e6);
  EXPECT_EQ(f746.core, "cortex-m7");
  EXPECT_FALSE(f746.emulated);
  for (const char* name : {"nucleo-h743zi", "stm32f412g-disco", "qemu-netduinoplus2", "qemu-mps2-an500"}) {
    Board b = Board::load(name);
    EXPECT_EQ(b.name, name);
    EXPECT_GT(b.latency.pointwise, 0);
  }
  EXPECT_TRUE(Board::load("qemu-netduinoplus2").emulated);
}

TEST(Board, JsonRoundTrip) {
  Board a = Board::load("stm32f412g-disco");
  Board b = Board::from_json(a.to_json());
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.sram_bytes, a.sram_bytes);
  EXPECT_EQ(b.runtime_flash_bytes, a.runtime_flash_bytes);
  EXPECT_DOUBLE_EQ(b.latency.depthwise, a.latency.depthwise);
  EXPECT_DOUBLE_EQ(b.clock_hz, a.clock_hz);
}

TEST(Board, UnknownBoardListsTheShippedOnes) {
  try {
    Board::load("stm32f999");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("stm32f746g-disco"), std::string::npos) << e.what();
  }
}

TEST(Board, BadFieldsNameTheField) {
  std::string good = Board::load("stm32f746g-disco").to_json();
  auto expect_field = [](const std::string& text, const std::string& field) {
    try {
      Board::from_json(text, "b.json");
      FAIL() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.file(), "b.json");
      EXPECT_EQ(e.field(), field) << e.what();
    }
  };
  std::string bad_sram = good;
  bad_sram.replace(bad_sram.find("\"sram\": 327680"), 14, "\"sram\": \"12Q\"");
  expect_field(bad_sram, "/sram");
  std::string no_clock = good;
  no_clock.replace(no_clock.find("\"clock_mhz\""), 11, "\"clock_ghz\"");
  expect_field(no_clock, "/");
  EXPECT_THROW(Board::from_json("{not json", "b.json"), Error);
}

TEST(Schedule, NamesRoundTripAndUnknownIsRejected) {
  for (const auto& name : schedule_names()) EXPECT_EQ(schedule_name(parse_schedule(name)), name);
  try {
    parse_schedule("tflm");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inplace-dw"), std::string::npos);
  }
}

} // namespace
} // namespace tinynas

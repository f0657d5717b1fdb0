#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../test_support.hpp"
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
  for (const char* name : {"nucleo-h743zi", "stm32f412g-disco", "qemu-netduinoplus2", "qemu-mps2-an500",
                           "qemu-mps2-an385", "qemu-mps2-an505", "qemu-mps3-an547"}) {
    Board b = Board::load(name);
    EXPECT_EQ(b.name, name);
    EXPECT_GT(b.latency.pointwise, 0);
  }
  EXPECT_TRUE(Board::load("qemu-netduinoplus2").emulated);
}

// Every shipped board says how it is reached (issue: a board is known in one place, its file).
TEST(Board, EveryShippedBoardHasItsLink) {
  const Board an500 = Board::load("qemu-mps2-an500");
  EXPECT_EQ(an500.link.kind, BoardLink::Kind::kQemu);
  EXPECT_EQ(an500.link.qemu_machine, "mps2-an500");
  EXPECT_EQ(an500.link.icount_shift, 6);
  EXPECT_EQ(an500.link.firmware, "tinynas-hil-qemu-mps2-an500");
  EXPECT_TRUE(an500.emulated);
  const Board f405 = Board::load("qemu-netduinoplus2");
  EXPECT_EQ(f405.link.qemu_machine, "netduinoplus2");
  EXPECT_EQ(f405.link.icount_shift, 3);
  for (const char* name : {"stm32f746g-disco", "nucleo-h743zi", "stm32f412g-disco"}) {
    const Board b = Board::load(name);
    EXPECT_EQ(b.link.kind, BoardLink::Kind::kOpenOcd) << name;
    EXPECT_EQ(b.link.firmware, std::string("tinynas-hil-") + name);
    ASSERT_EQ(b.link.openocd_scripts.size(), 1u) << name;
    EXPECT_EQ(b.link.openocd_scripts[0].rfind("board/", 0), 0u) << name;
    EXPECT_FALSE(b.emulated) << name;
    EXPECT_EQ(b.latency_table, default_latency_table_path(name));
  }
  EXPECT_EQ(Board::load("stm32f412g-disco").link.openocd_scripts[0], "board/stm32f412g-disco.cfg");
}

TEST(Board, LinkAndLatencyTableRoundTrip) {
  for (const char* name : {"qemu-netduinoplus2", "stm32f746g-disco"}) {
    const Board a = Board::load(name);
    const Board b = Board::from_json(a.to_json());
    EXPECT_EQ(b.link.kind, a.link.kind);
    EXPECT_EQ(b.link.firmware, a.link.firmware);
    EXPECT_EQ(b.link.qemu_machine, a.link.qemu_machine);
    EXPECT_EQ(b.link.icount_shift, a.link.icount_shift);
    EXPECT_EQ(b.link.openocd_scripts, a.link.openocd_scripts);
    EXPECT_EQ(b.emulated, a.emulated);
    EXPECT_EQ(b.latency_table, a.latency_table);
  }
}

// A board whose OpenOCD runs on the host its probe is plugged into: no scripts here, a reset command of its own.
TEST(Board, RemoteOpenOcdLinkRoundTrips) {
  std::string text = Board::load("stm32f746g-disco").to_json();
  const std::size_t at = text.find("\"link\"");
  text = text.substr(0, at) + R"("link": {"kind": "openocd", "firmware": "tinynas-hil-stm32f746g-disco",
                                         "remote": "lab-2:3333", "reset": "reset init"})" +
         text.substr(text.find('}', at) + 1);
  const Board a = Board::from_json(text);
  EXPECT_EQ(a.link.kind, BoardLink::Kind::kOpenOcd);
  EXPECT_EQ(a.link.remote, "lab-2:3333");
  EXPECT_EQ(a.link.reset_command, "reset init");
  EXPECT_TRUE(a.link.openocd_scripts.empty());
  const Board b = Board::from_json(a.to_json());
  EXPECT_EQ(b.link.remote, "lab-2:3333");
  EXPECT_EQ(b.link.reset_command, "reset init");
  EXPECT_EQ(Board::load("stm32f746g-disco").link.reset_command, "reset halt");
  EXPECT_EQ(Board::load("stm32f746g-disco").link.remote, "");
}

TEST(Board, BrokenLinksNameTheField) {
  const std::string good = Board::load("stm32f746g-disco").to_json();
  auto with_link = [&](const std::string& link) {
    const std::size_t at = good.find("\"link\"");
    const std::size_t end = good.find('}', at);
    return good.substr(0, at) + "\"link\": " + link + good.substr(end + 1);
  };
  auto expect_field = [](const std::string& text, const std::string& field, const std::string& words) {
    try {
      Board::from_json(text, "b.json");
      FAIL() << "accepted: " << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
      EXPECT_EQ(e.file(), "b.json");
      EXPECT_EQ(e.field(), field) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  expect_field(with_link(R"({"kind": "jtag", "firmware": "x"})"), "/link/kind", "\"qemu\" or \"openocd\"");
  expect_field(with_link(R"({"kind": "qemu", "firmware": "x", "icount_shift": 3})"), "/link",
               "missing required field \"machine\"");
  expect_field(with_link(R"({"kind": "qemu", "machine": "", "firmware": "x", "icount_shift": 3})"), "/link/machine",
               "QEMU machine");
  expect_field(with_link(R"({"kind": "qemu", "machine": "m", "firmware": "x", "icount_shift": 11})"),
               "/link/icount_shift", "0 to 10");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "x", "scripts": []})"), "/link/scripts", "non-empty");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "x", "scripts": [3]})"), "/link/scripts/0", "string");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "dir/x.elf", "scripts": ["a.cfg"]})"), "/link/firmware",
               "image name");
  expect_field(with_link(R"({"kind": "openocd", "scripts": ["a.cfg"]})"), "/link",
               "missing required field \"firmware\"");
  expect_field(with_link(R"("qemu")"), "/link", "object");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "x", "remote": "lab-2"})"), "/link/remote", "host:port");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "x", "remote": "lab-2:70000"})"), "/link/remote",
               "host:port");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "x", "remote": ":3333"})"), "/link/remote", "host:port");
  expect_field(with_link(R"({"kind": "openocd", "firmware": "x", "remote": "lab-2:3333", "reset": ""})"), "/link/reset",
               "monitor command");
  // "emulated" may not contradict the link
  std::string contradiction = good;
  contradiction.replace(contradiction.find("\"link\""), 6, "\"emulated\": true, \"link\"");
  expect_field(contradiction, "/emulated", "contradicts");
}

// Sizes are "320K"-style strings or whole byte counts up to 10^15; anything else says which, naming the field.
TEST(Board, SizesAreStringsOrWholeByteCounts) {
  nlohmann::json board = nlohmann::json::parse(Board::load("stm32f746g-disco").to_json());
  board["sram"] = 327680;
  EXPECT_EQ(Board::from_json(board.dump(), "b.json").sram_bytes, 327680u);
  board["sram"] = 327680.5;
  try {
    Board::from_json(board.dump(), "b.json");
    FAIL() << "a fractional byte count";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "/sram");
    EXPECT_NE(std::string(e.what()).find("a byte count must be a whole number"), std::string::npos) << e.what();
  }
  board["sram"] = 327680.0; // integers may be written 3.0 in every file
  EXPECT_EQ(Board::from_json(board.dump(), "b.json").sram_bytes, 327680u);
  for (const nlohmann::json& huge : {nlohmann::json(18446744073709551615u), nlohmann::json(1e30)}) {
    board["sram"] = huge;
    try {
      Board::from_json(board.dump(), "b.json");
      FAIL() << "a byte count of " << huge.dump();
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "/sram");
      EXPECT_NE(std::string(e.what()).find("a byte count of " + huge.dump() + " is too large"), std::string::npos)
          << e.what();
    }
  }
  board["sram"] = true;
  try {
    Board::from_json(board.dump(), "b.json");
    FAIL() << "a boolean size";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("must be a size such as \"320K\" or a byte count"), std::string::npos)
        << e.what();
  }
}

TEST(Board, LatencyTablePathIsRelativeToTheBoardFile) {
  test::ScratchDir dir;
  std::string text = Board::load("stm32f746g-disco").to_json();
  text.insert(text.rfind('}'), ", \"latency_table\": \"tables/f7.json\"");
  dir.write("my-board.json", text);
  const Board b = Board::load((dir.path() / "my-board.json").string());
  EXPECT_EQ(b.latency_table, (dir.path() / "tables" / "f7.json").string());
  // Without a link a board can be analysed but not profiled; "emulated" is then its own statement.
  std::string no_link = Board::load("qemu-mps2-an500").to_json();
  const std::size_t at = no_link.find("\"link\"");
  no_link.replace(at, no_link.find('}', at) + 1 - at, "\"emulated\": true");
  const Board c = Board::from_json(no_link);
  EXPECT_EQ(c.link.kind, BoardLink::Kind::kNone);
  EXPECT_TRUE(c.emulated);
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

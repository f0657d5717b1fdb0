// The GDB remote framing and reply parsers against hand-computed packets: checksums, any split of the byte stream,
// run-length expansion and its forbidden counts, hex, registers, stop replies, PacketSize, and the bound on a packet
// that never ends.
#include <gtest/gtest.h>

#include "gdb_packet.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::detail {
namespace {

using Kind = GdbPacketDecoder::Event::Kind;

TEST(GdbPacket, FramesWithTheModulo256Sum) {
  EXPECT_EQ(frame_gdb_packet("OK"), "$OK#9a"); // 'O' 0x4f + 'K' 0x4b = 0x9a
  EXPECT_EQ(frame_gdb_packet(""), "$#00");
  // 0x6d + 0x32 + 7 * 0x30 + 0x2c + 0x34 = 0x24f
  EXPECT_EQ(frame_gdb_packet("m20000000,4"), "$m20000000,4#4f");
}

TEST(GdbPacket, DecodesAcksPacketsAndBadChecksumsWhateverTheSplit) {
  const std::string stream = "x+$OK#9a-$T05#b9$OK#00";
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    GdbPacketDecoder d;
    d.feed(stream.substr(0, split));
    d.feed(stream.substr(split));
    std::vector<GdbPacketDecoder::Event> events;
    while (auto e = d.next()) events.push_back(*e);
    ASSERT_EQ(events.size(), 5u) << "split at " << split;
    EXPECT_EQ(events[0].kind, Kind::kAck);
    EXPECT_EQ(events[1].kind, Kind::kPacket);
    EXPECT_EQ(events[1].payload, "OK");
    EXPECT_EQ(events[2].kind, Kind::kNack);
    EXPECT_EQ(events[3].payload, "T05");
    EXPECT_EQ(events[4].kind, Kind::kBadChecksum);
    EXPECT_FALSE(d.inside_packet());
  }
}

TEST(GdbPacket, ExpandsRunsAndRefusesForbiddenCounts) {
  EXPECT_EQ(expand_gdb_runs("0* "), "0000");               // ' ' = 32: three more
  EXPECT_EQ(expand_gdb_runs("ab*\"c"), "abbbbbbc");        // '"' = 34: five more
  EXPECT_EQ(expand_gdb_runs("x*~"), std::string(98, 'x')); // '~' = 126: 97 more, the most
  EXPECT_FALSE(expand_gdb_runs("*  "));                    // nothing to repeat
  EXPECT_FALSE(expand_gdb_runs("0*"));                     // no count
  EXPECT_FALSE(expand_gdb_runs("0*\x1f"));                 // below three repeats
  EXPECT_FALSE(expand_gdb_runs("0*#"));                    // forbidden counts
  EXPECT_FALSE(expand_gdb_runs("0*$"));
  EXPECT_FALSE(expand_gdb_runs("0*\x7f"));
}

TEST(GdbPacket, APacketWithoutAnEndIsRefusedAtTheBound) {
  GdbPacketDecoder d;
  d.feed("$");
  const std::string chunk(1 << 16, 'a');
  try {
    for (std::size_t fed = 0; fed <= kMaxGdbPacketBytes; fed += chunk.size()) d.feed(chunk);
    ADD_FAILURE() << "an endless packet was buffered";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("without its end mark"), std::string::npos) << e.what();
  }
  // and runs cannot expand past it either
  std::string runs = "a";
  for (std::size_t n = 1; n <= kMaxGdbPacketBytes; n += 97) runs += "*~";
  EXPECT_FALSE(expand_gdb_runs(runs));
}

TEST(GdbPacket, HexRegistersAndStopReplies) {
  EXPECT_EQ(decode_gdb_hex("00ff1A"), (std::vector<std::uint8_t>{0x00, 0xff, 0x1a}));
  EXPECT_FALSE(decode_gdb_hex("abc"));
  EXPECT_FALSE(decode_gdb_hex("zz"));
  const std::uint8_t bytes[] = {0xde, 0xad, 0x01};
  EXPECT_EQ(encode_gdb_hex(bytes, 3), "dead01");

  EXPECT_EQ(parse_gdb_register("78563412"), 0x12345678u); // target byte order
  EXPECT_FALSE(parse_gdb_register("E01"));
  EXPECT_FALSE(parse_gdb_register("7856341"));
  EXPECT_FALSE(parse_gdb_register("785634xx"));

  EXPECT_EQ(parse_gdb_stop_reply("T05thread:01;")->signal, 5);
  EXPECT_EQ(parse_gdb_stop_reply("S02")->signal, 2);
  EXPECT_TRUE(parse_gdb_stop_reply("W00")->exited);
  EXPECT_TRUE(parse_gdb_stop_reply("X09")->exited);
  EXPECT_FALSE(parse_gdb_stop_reply("T0"));
  EXPECT_FALSE(parse_gdb_stop_reply("Tzz"));
  EXPECT_FALSE(parse_gdb_stop_reply("OK"));
  EXPECT_FALSE(parse_gdb_stop_reply(""));
}

TEST(GdbPacket, PacketSizeIsHexAndClamped) {
  EXPECT_EQ(parse_gdb_packet_size("PacketSize=1000;qXfer:features:read+"), 0x1000u);
  EXPECT_EQ(parse_gdb_packet_size("swbreak+;PacketSize=4000"), 0x4000u);
  EXPECT_EQ(parse_gdb_packet_size("PacketSize=10"), 256u);                                  // too small to be useful
  EXPECT_EQ(parse_gdb_packet_size("PacketSize=fffffffffffffffffffff"), kMaxGdbPacketBytes); // std::stoul threw
  EXPECT_FALSE(parse_gdb_packet_size("PacketSize=zz"));
  EXPECT_FALSE(parse_gdb_packet_size("PacketSize=12x"));
  EXPECT_FALSE(parse_gdb_packet_size("qXfer:features:read+"));
}

TEST(GdbPacket, BinaryEscapesTheFourFramingBytes) {
  const std::uint8_t data[] = {'a', '#', '$', '}', '*', 0x00, 0xFF};
  EXPECT_EQ(escape_gdb_binary(data, sizeof data), std::string("a}\x03}\x04}]}\x0a\x00\xff", 11));
}

// What OpenOCD sends for an STM32F7 (sectors of two sizes), attribute order and quotes varying as XML allows.
TEST(GdbPacket, MemoryMapRegionsAndFlashBlockSizes) {
  const std::vector<GdbMemoryRegion> regions = parse_gdb_memory_map(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE memory-map PUBLIC \"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\" "
      "\"http://sourceware.org/gdb/gdb-memory-map.dtd\">\n<memory-map>\n"
      "<memory type=\"flash\" start=\"0x8000000\" length=\"0x20000\">\n<property name=\"blocksize\">0x8000</property>\n"
      "</memory>\n<memory length='131072' start='0x8020000' type='flash'><property name='blocksize'>131072</property>"
      "</memory>\n<memory type=\"ram\" start=\"0x20000000\" length=\"0x50000\"/>\n</memory-map>\n");
  ASSERT_EQ(regions.size(), 3u);
  EXPECT_EQ(regions[0].type, GdbMemoryRegion::Type::kFlash);
  EXPECT_EQ(regions[0].start, 0x08000000u);
  EXPECT_EQ(regions[0].length, 0x20000u);
  EXPECT_EQ(regions[0].block_size, 0x8000u);
  EXPECT_EQ(regions[1].start, 0x08020000u);
  EXPECT_EQ(regions[1].block_size, 0x20000u);
  EXPECT_EQ(regions[2].type, GdbMemoryRegion::Type::kRam);
  EXPECT_TRUE(regions[2].contains(0x2004FFFF));
  EXPECT_FALSE(regions[2].contains(0x20050000));
  EXPECT_TRUE(parse_gdb_memory_map("").empty());
}

TEST(GdbPacket, AMemoryMapTheLoaderCannotTrustIsRefused) {
  const auto message = [](const std::string& xml) {
    try {
      parse_gdb_memory_map(xml);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("<memory type=\"flash\" start=\"0x0\" length=\"0x100\"></memory>").find("without a blocksize"),
            std::string::npos);
  EXPECT_NE(message("<memory type=\"eeprom\" start=\"0\" length=\"1\"/>").find("unknown memory type 'eeprom'"),
            std::string::npos);
  EXPECT_NE(message("<memory type=\"ram\" start=\"0xZZ\" length=\"1\"/>").find("'0xZZ' is not a number"),
            std::string::npos);
}

} // namespace
} // namespace tinynas::detail

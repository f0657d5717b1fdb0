#pragma once
// The GDB Remote Serial Protocol's framing and reply formats, apart from any socket: what GdbRemote sends and how
// it reads what a server (QEMU's gdbstub, OpenOCD) answers. Pure functions and a byte-fed decoder, so every byte a
// server may send can be checked here (tests/hil/gdb_packet_test.cpp, the gdb_packet fuzz target).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinynas::detail {

// The longest packet body accepted, before and after run-length expansion: far above the PacketSize any server
// offers (QEMU 4096, OpenOCD 16384), so a server that never sends '#' cannot make the host buffer without end.
inline constexpr std::size_t kMaxGdbPacketBytes = 1 << 20;

// "$payload#xx" with xx the modulo-256 sum of the payload bytes in lower-case hex.
std::string frame_gdb_packet(std::string_view payload);

// Splits the byte stream from a server into acknowledgements and packets. Packets arrive checked (a wrong
// checksum is its own event, to be answered with '-') and run-length expanded. Bytes outside packets other than
// '+' and '-' are noise and skipped.
class GdbPacketDecoder {
public:
  struct Event {
    enum class Kind { kAck, kNack, kPacket, kBadChecksum } kind;
    std::string payload; // kPacket: the expanded payload
  };

  // Takes bytes as they arrive (any split). Throws Error(kIo) for a packet over kMaxGdbPacketBytes.
  void feed(std::string_view bytes);
  std::optional<Event> next();
  bool inside_packet() const { return state_ != State::kIdle; } // a packet has begun but not ended

private:
  enum class State { kIdle, kBody, kChecksum1, kChecksum2 };
  State state_ = State::kIdle;
  std::string body_;
  char checksum_high_ = 0;
  std::deque<Event> events_;
};

// Run-length expansion ("x*<n>": x repeated n - 29 more times). nullopt for a malformed run: '*' first, a count
// outside the printable range (3..97 more repeats) or for '#'/'$' (the protocol forbids those counts), or an expansion
// over kMaxGdbPacketBytes.
std::optional<std::string> expand_gdb_runs(std::string_view body);

// Hex text to bytes ("1a2b" -> {0x1a, 0x2b}). nullopt for an odd length or a character that is not a hex digit.
std::optional<std::vector<std::uint8_t>> decode_gdb_hex(std::string_view hex);
std::string encode_gdb_hex(const std::uint8_t* data, std::size_t n);

// A register reply of p: 8 hex digits, target (little-endian) byte order. nullopt otherwise.
std::optional<std::uint32_t> parse_gdb_register(std::string_view reply);

// A stop reply: T/S with a two-digit signal, or W/X (the process exited). nullopt for anything else.
struct GdbStopReply {
  int signal = 0;
  bool exited = false;
};
std::optional<GdbStopReply> parse_gdb_stop_reply(std::string_view reply);

// The PacketSize= of a qSupported reply (hex), clamped to [256, kMaxGdbPacketBytes]; nullopt when absent or
// malformed.
std::optional<std::size_t> parse_gdb_packet_size(std::string_view features);

// Binary data in a packet (vFlashWrite, X): '#', '$', '}' and '*' are sent as '}' followed by the byte xor 0x20.
std::string escape_gdb_binary(const std::uint8_t* data, std::size_t n);

// A region of the target's memory map (qXfer:memory-map:read, gdb's memory-map.dtd): flash must be written with
// vFlashErase/vFlashWrite/vFlashDone in whole erase blocks; anything else with M.
struct GdbMemoryRegion {
  enum class Type { kRam, kRom, kFlash } type = Type::kRam;
  std::uint32_t start = 0;
  std::uint64_t length = 0;
  std::uint32_t block_size = 0; // flash only: the erase unit
  bool contains(std::uint32_t address) const { return address >= start && address - start < length; }
};
// Parses the <memory type=... start=... length=...> elements and each flash region's <property name="blocksize">.
// Throws Error(kIo) naming the element for a region it cannot read (a flash region without a block size, a number
// that is not a number): a load must not guess where flash is.
std::vector<GdbMemoryRegion> parse_gdb_memory_map(std::string_view xml);

} // namespace tinynas::detail

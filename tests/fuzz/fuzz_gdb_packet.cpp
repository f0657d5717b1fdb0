// The bytes a GDB server (QEMU's gdbstub, OpenOCD) sends: decoded in pieces whose sizes the input chooses, every
// packet through the reply parsers the client uses (the memory map too), every payload framed again decodes to
// itself, and binary escaping leaves no framing byte.
#include "../../hil/src/gdb_packet.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  using namespace tinynas::detail;
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64; // how the stream is split into reads
  const std::string_view stream = fuzz::text_of(data + 1, size - 1);
  GdbPacketDecoder decoder;
  fuzz::refuse_or_accept([&] {
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      decoder.feed(stream.substr(at, piece));
      while (std::optional<GdbPacketDecoder::Event> e = decoder.next()) {
        if (e->kind != GdbPacketDecoder::Event::Kind::kPacket) continue;
        const std::string& p = e->payload;
        (void)parse_gdb_stop_reply(p);
        (void)parse_gdb_register(p);
        (void)parse_gdb_packet_size(p);
        try {
          for (const GdbMemoryRegion& r : parse_gdb_memory_map(p))
            if (r.type == GdbMemoryRegion::Type::kFlash && r.block_size == 0)
              fuzz::finding("flash without a block size");
        } catch (const Error&) {
        }
        const std::string escaped = escape_gdb_binary(reinterpret_cast<const std::uint8_t*>(p.data()), p.size());
        if (escaped.find_first_of("#$*") != std::string::npos) fuzz::finding("escaped binary holds a framing byte");
        if (const auto bytes = decode_gdb_hex(p);
            bytes && encode_gdb_hex(bytes->data(), bytes->size()).size() != p.size())
          fuzz::finding("hex decoded and encoded again changes length");
        if (p.find_first_of("$#*}") != std::string::npos) continue; // not sendable unescaped
        GdbPacketDecoder again;
        again.feed(frame_gdb_packet(p));
        const std::optional<GdbPacketDecoder::Event> back = again.next();
        if (!back || back->kind != GdbPacketDecoder::Event::Kind::kPacket || back->payload != p)
          fuzz::finding("a framed payload does not decode to itself");
      }
    }
  });
  return 0;
}

#include "tinynas/hil/gdb_remote.hpp"

#include <cstdio>
#include <thread>

#include "gdb_packet.hpp"
#include "tcp_stream.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

std::string hex_u32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", v);
  return buf;
}

std::string hex_of(std::string_view text) {
  return detail::encode_gdb_hex(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

} // namespace

struct GdbRemote::Impl {
  Millis packet_timeout;
  detail::TcpStream stream;
  std::string peer = "gdb remote (not connected)";
  detail::GdbPacketDecoder decoder; // bytes received, not yet consumed
  std::string console;
  bool no_ack = false;
  std::size_t packet_size = 1024;
  std::string features; // the server's qSupported reply

  [[noreturn]] void fail(const std::string& what) const { throw Error(ErrorCode::kIo, peer + ": " + what); }

  // The next event from the server (ack, nack, packet, bad checksum), waiting at most `timeout` for its bytes;
  // nullopt on timeout. A packet that has begun must end within the packet timeout.
  std::optional<detail::GdbPacketDecoder::Event> next_event(Millis timeout) {
    for (;;) {
      if (std::optional<detail::GdbPacketDecoder::Event> e = decoder.next()) return e;
      bool timed_out = false;
      const std::string bytes =
          stream.receive_some(decoder.inside_packet() ? packet_timeout : timeout, peer, &timed_out);
      if (timed_out) {
        if (decoder.inside_packet()) fail("truncated packet");
        return std::nullopt;
      }
      try {
        decoder.feed(bytes);
      } catch (const Error& e) {
        fail(e.message());
      }
    }
  }

  void send_raw(const std::string& s) { stream.send_all(s, packet_timeout, peer); }

  // One framed packet, retransmitted on '-'.
  void send_packet(const std::string& payload) {
    const std::string frame = detail::frame_gdb_packet(payload);
    for (int attempt = 0; attempt < 4; ++attempt) {
      send_raw(frame);
      if (no_ack) return;
      for (;;) {
        std::optional<detail::GdbPacketDecoder::Event> e = next_event(packet_timeout);
        if (!e)
          fail("no acknowledgement within " + std::to_string(packet_timeout.count()) + " ms for '" +
               payload.substr(0, 24) + "'");
        if (e->kind == detail::GdbPacketDecoder::Event::Kind::kAck) return;
        if (e->kind == detail::GdbPacketDecoder::Event::Kind::kNack) break; // resend
        // a packet before the ack is left over from a previous exchange: skip it
      }
    }
    fail("packet rejected 4 times: '" + payload.substr(0, 24) + "'");
  }

  // Next packet payload (RLE expanded); nullopt on timeout. A damaged packet is answered '-' (resend).
  std::optional<std::string> receive_packet(Millis timeout) {
    for (;;) {
      std::optional<detail::GdbPacketDecoder::Event> e = next_event(timeout);
      if (!e) return std::nullopt;
      if (e->kind == detail::GdbPacketDecoder::Event::Kind::kBadChecksum) {
        if (!no_ack) send_raw("-");
        continue;
      }
      if (e->kind != detail::GdbPacketDecoder::Event::Kind::kPacket) continue; // stray acks
      if (!no_ack) send_raw("+");
      return std::move(e->payload);
    }
  }

  std::string request(const std::string& payload) { return request(payload, packet_timeout); }
  std::string request(const std::string& payload, Millis timeout) {
    send_packet(payload);
    for (;;) {
      std::optional<std::string> reply = receive_packet(timeout);
      if (!reply) fail("no reply within " + std::to_string(timeout.count()) + " ms to '" + payload.substr(0, 24) + "'");
      if (!reply->empty() && reply->front() == 'O' && reply->size() > 1 && reply->size() % 2 == 1) {
        // console output interleaved with the reply (OpenOCD during monitor commands)
        append_console(reply->substr(1));
        continue;
      }
      return *reply;
    }
  }

  void append_console(const std::string& hex) {
    const std::optional<std::vector<std::uint8_t>> text = detail::decode_gdb_hex(hex);
    if (!text) fail("console output that is not hex text: '" + hex.substr(0, 24) + "'");
    console.append(text->begin(), text->end());
  }

  void expect_ok(const std::string& payload, const std::string& what) { expect_ok(payload, what, packet_timeout); }
  void expect_ok(const std::string& payload, const std::string& what, Millis timeout) {
    const std::string reply = request(payload, timeout);
    if (reply != "OK") fail(what + " failed (reply '" + reply + "')");
  }
};

GdbRemote::GdbRemote(Millis packet_timeout) : impl_(std::make_unique<Impl>()) {
  impl_->packet_timeout = packet_timeout;
}
GdbRemote::~GdbRemote() = default;

bool GdbRemote::connected() const { return impl_->stream.is_open(); }
void GdbRemote::close() { impl_->stream.close(); }
const std::string& GdbRemote::peer() const { return impl_->peer; }

void GdbRemote::connect(const std::string& host, int port, Millis timeout) {
  Impl& s = *impl_;
  s.peer = "gdb remote " + host + ":" + std::to_string(port);
  s.decoder = detail::GdbPacketDecoder();
  s.no_ack = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!s.stream.try_connect(host, port, Millis(200))) {
    if (std::chrono::steady_clock::now() >= deadline)
      s.fail("nothing accepts connections after " + std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(Millis(20));
  }
  s.features = s.request("qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=arm");
  const std::string& features = s.features;
  if (const std::optional<std::size_t> size = detail::parse_gdb_packet_size(features)) s.packet_size = *size;
  if (features.find("QStartNoAckMode+") != std::string::npos && s.request("QStartNoAckMode") == "OK") s.no_ack = true;
  // QEMU answers p/P only once the register description has been read (hil_notes P3).
  if (features.find("qXfer:features:read+") != std::string::npos) {
    std::size_t offset = 0;
    for (int chunk = 0; chunk < 64; ++chunk) {
      const std::string r =
          s.request("qXfer:features:read:target.xml:" + hex_u32(static_cast<std::uint32_t>(offset)) + ",800");
      if (r.empty() || (r[0] != 'm' && r[0] != 'l')) break;
      if (r[0] == 'l') break;
      offset += r.size() - 1;
    }
  }
  s.request("?"); // halt reason; the target is stopped
}

std::vector<std::uint8_t> GdbRemote::read_memory(std::uint32_t address, std::size_t bytes) {
  Impl& s = *impl_;
  std::vector<std::uint8_t> out;
  out.reserve(bytes);
  const std::size_t chunk = std::min<std::size_t>(1024, (s.packet_size - 8) / 2);
  while (out.size() < bytes) {
    const std::size_t n = std::min(chunk, bytes - out.size());
    const auto at = static_cast<std::uint32_t>(address + out.size());
    const std::string r = s.request("m" + hex_u32(at) + "," + hex_u32(static_cast<std::uint32_t>(n)));
    const std::optional<std::vector<std::uint8_t>> chunk_bytes =
        r.size() == 2 * n ? detail::decode_gdb_hex(r) : std::nullopt;
    if (!chunk_bytes)
      s.fail("reading " + std::to_string(n) + " bytes at 0x" + hex_u32(at) + " failed (reply '" + r.substr(0, 8) +
             "')");
    out.insert(out.end(), chunk_bytes->begin(), chunk_bytes->end());
  }
  return out;
}

void GdbRemote::write_memory(std::uint32_t address, const std::vector<std::uint8_t>& data) {
  Impl& s = *impl_;
  const std::size_t chunk = std::min<std::size_t>(2048, (s.packet_size - 32) / 2);
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t n = std::min(chunk, data.size() - done);
    const auto at = static_cast<std::uint32_t>(address + done);
    s.expect_ok("M" + hex_u32(at) + "," + hex_u32(static_cast<std::uint32_t>(n)) + ":" +
                    detail::encode_gdb_hex(data.data() + done, n),
                "writing " + std::to_string(n) + " bytes at 0x" + hex_u32(at));
    done += n;
  }
}

std::uint32_t GdbRemote::read_u32(std::uint32_t address) {
  const std::vector<std::uint8_t> b = read_memory(address, 4);
  return std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 24;
}

void GdbRemote::write_u32(std::uint32_t address, std::uint32_t value) {
  write_memory(address, {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                         static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)});
}

std::uint32_t GdbRemote::read_register(int number) {
  Impl& s = *impl_;
  const std::string r = s.request("p" + hex_u32(static_cast<std::uint32_t>(number)));
  const std::optional<std::uint32_t> v = detail::parse_gdb_register(r);
  if (!v) s.fail("reading register " + std::to_string(number) + " failed (reply '" + r.substr(0, 24) + "')");
  return *v;
}

void GdbRemote::write_register(int number, std::uint32_t value) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                             static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
  impl_->expect_ok("P" + hex_u32(static_cast<std::uint32_t>(number)) + "=" + detail::encode_gdb_hex(b, 4),
                   "writing register " + std::to_string(number));
}

void GdbRemote::insert_breakpoint(std::uint32_t address, bool hardware) {
  impl_->expect_ok(std::string(hardware ? "Z1," : "Z0,") + hex_u32(address) + ",2",
                   "setting a breakpoint at 0x" + hex_u32(address));
}

void GdbRemote::remove_breakpoint(std::uint32_t address, bool hardware) {
  impl_->expect_ok(std::string(hardware ? "z1," : "z0,") + hex_u32(address) + ",2",
                   "removing the breakpoint at 0x" + hex_u32(address));
}

void GdbRemote::resume(std::optional<std::uint32_t> address) {
  // Writing PC and then 'c' (rather than 'c<addr>') keeps the Thumb bit out of the way on both servers.
  if (address) write_register(15, *address & ~1u);
  impl_->send_packet("c");
}

std::optional<GdbStop> GdbRemote::wait_for_stop(Millis timeout) {
  Impl& s = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    std::optional<std::string> r = s.receive_packet(std::max(left, Millis(0)));
    if (!r) return std::nullopt;
    if (r->empty()) continue;
    const char kind = r->front();
    if (kind == 'O' && r->size() > 1) {
      s.append_console(r->substr(1));
      continue;
    }
    if (kind == 'F') { // File-I/O request (semihosting with target=gdb): not supported, answer ENOSYS
      s.send_packet("F-1,58");
      continue;
    }
    if (const std::optional<detail::GdbStopReply> reply = detail::parse_gdb_stop_reply(*r)) {
      GdbStop stop;
      stop.packet = *r;
      stop.signal = reply->signal;
      stop.exited = reply->exited;
      return stop;
    }
    s.fail("unexpected reply while the target runs: '" + r->substr(0, 24) + "'");
  }
}

GdbStop GdbRemote::interrupt(Millis timeout) {
  impl_->send_raw(std::string(1, '\x03'));
  std::optional<GdbStop> stop = wait_for_stop(timeout);
  if (!stop) impl_->fail("the target did not stop within " + std::to_string(timeout.count()) + " ms of an interrupt");
  return *stop;
}

std::string GdbRemote::monitor(const std::string& command) {
  Impl& s = *impl_;
  s.send_packet("qRcmd," + hex_of(command));
  std::string output;
  for (;;) {
    std::optional<std::string> r = s.receive_packet(s.packet_timeout * 5);
    if (!r) s.fail("monitor command '" + command + "' got no reply");
    if (*r == "OK") return output;
    if (!r->empty() && r->front() == 'O' && r->size() > 1) {
      std::string saved = std::move(s.console);
      s.console.clear();
      s.append_console(r->substr(1));
      output += s.console;
      s.console = std::move(saved);
      continue;
    }
    if (!r->empty() && r->front() == 'E') s.fail("monitor command '" + command + "' failed (" + *r + ")");
    return output + *r; // hex-encoded text reply
  }
}

std::string GdbRemote::memory_map_xml() {
  Impl& s = *impl_;
  if (s.features.find("qXfer:memory-map:read+") == std::string::npos) return "";
  std::string xml;
  for (int chunk = 0; chunk < 256; ++chunk) {
    const std::string r =
        s.request("qXfer:memory-map:read::" + hex_u32(static_cast<std::uint32_t>(xml.size())) + ",800");
    if (r.empty() || (r[0] != 'm' && r[0] != 'l'))
      s.fail("reading the memory map failed (reply '" + r.substr(0, 8) + "')");
    xml += r.substr(1);
    if (r[0] == 'l') return xml;
  }
  s.fail("the memory map does not end after 256 chunks");
}

void GdbRemote::flash_erase(std::uint32_t address, std::uint32_t length, Millis timeout) {
  impl_->expect_ok("vFlashErase:" + hex_u32(address) + "," + hex_u32(length),
                   "erasing flash 0x" + hex_u32(address) + "+0x" + hex_u32(length), timeout);
}

void GdbRemote::flash_write(std::uint32_t address, const std::vector<std::uint8_t>& data, Millis timeout) {
  Impl& s = *impl_;
  const std::size_t chunk = (s.packet_size - 64) / 2; // escaping at most doubles a byte
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t n = std::min(chunk, data.size() - done);
    const auto at = static_cast<std::uint32_t>(address + done);
    s.expect_ok("vFlashWrite:" + hex_u32(at) + ":" + detail::escape_gdb_binary(data.data() + done, n),
                "writing " + std::to_string(n) + " bytes of flash at 0x" + hex_u32(at), timeout);
    done += n;
  }
}

void GdbRemote::flash_done(Millis timeout) { impl_->expect_ok("vFlashDone", "programming flash", timeout); }

std::string GdbRemote::take_console() {
  std::string c = std::move(impl_->console);
  impl_->console.clear();
  return c;
}

} // namespace tinynas

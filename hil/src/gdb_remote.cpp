#include "tinynas/hil/gdb_remote.hpp"

#include <cstdio>
#include <thread>

#include "tcp_stream.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

const char* kHex = "0123456789abcdef";

std::string to_hex(const std::uint8_t* data, std::size_t n) {
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(kHex[data[i] >> 4]);
    s.push_back(kHex[data[i] & 15]);
  }
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_u32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", v);
  return buf;
}

std::uint8_t checksum(const std::string& s) {
  unsigned sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return static_cast<std::uint8_t>(sum & 0xFF);
}

} // namespace

struct GdbRemote::Impl {
  Millis packet_timeout;
  detail::TcpStream stream;
  std::string peer = "gdb remote (not connected)";
  std::string pending; // received, not yet consumed bytes
  std::string console;
  bool no_ack = false;
  std::size_t packet_size = 1024;

  [[noreturn]] void fail(const std::string& what) const { throw Error(ErrorCode::kIo, peer + ": " + what); }

  // Next raw byte, waiting at most `timeout`; nullopt on timeout.
  std::optional<char> next_byte(Millis timeout) {
    if (pending.empty()) {
      bool timed_out = false;
      pending = stream.receive_some(timeout, peer, &timed_out);
      if (timed_out) return std::nullopt;
    }
    const char c = pending.front();
    pending.erase(pending.begin());
    return c;
  }

  void send_raw(const std::string& s) { stream.send_all(s, packet_timeout, peer); }

  // One framed packet, retransmitted on '-'.
  void send_packet(const std::string& payload) {
    const std::uint8_t sum = checksum(payload);
    std::string frame = "$" + payload + "#" + kHex[sum >> 4] + kHex[sum & 15];
    for (int attempt = 0; attempt < 4; ++attempt) {
      send_raw(frame);
      if (no_ack) return;
      for (;;) {
        std::optional<char> c = next_byte(packet_timeout);
        if (!c)
          fail("no acknowledgement within " + std::to_string(packet_timeout.count()) + " ms for '" +
               payload.substr(0, 24) + "'");
        if (*c == '+') return;
        if (*c == '-') break; // resend
        // anything else before the ack is noise from a previous exchange: skip it
      }
    }
    fail("packet rejected 4 times: '" + payload.substr(0, 24) + "'");
  }

  // Next packet payload (RLE expanded); nullopt on timeout.
  std::optional<std::string> receive_packet(Millis timeout) {
    for (;;) {
      std::optional<char> c = next_byte(timeout);
      if (!c) return std::nullopt;
      if (*c != '$') continue; // acks and stray bytes
      std::string body;
      for (;;) {
        std::optional<char> d = next_byte(packet_timeout);
        if (!d) fail("truncated packet");
        if (*d == '#') break;
        body.push_back(*d);
      }
      std::optional<char> h1 = next_byte(packet_timeout), h2 = next_byte(packet_timeout);
      if (!h1 || !h2) fail("truncated packet checksum");
      const int want = hex_digit(*h1) * 16 + hex_digit(*h2);
      if (want != checksum(body)) {
        if (!no_ack) send_raw("-");
        continue;
      }
      if (!no_ack) send_raw("+");
      std::string expanded;
      for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '*' && !expanded.empty() && i + 1 < body.size()) {
          const int repeat = static_cast<unsigned char>(body[i + 1]) - 29;
          expanded.append(static_cast<std::size_t>(std::max(repeat, 0)), expanded.back());
          ++i;
        } else {
          expanded.push_back(body[i]);
        }
      }
      return expanded;
    }
  }

  std::string request(const std::string& payload) {
    send_packet(payload);
    for (;;) {
      std::optional<std::string> reply = receive_packet(packet_timeout);
      if (!reply)
        fail("no reply within " + std::to_string(packet_timeout.count()) + " ms to '" + payload.substr(0, 24) + "'");
      if (!reply->empty() && reply->front() == 'O' && reply->size() > 1 && reply->size() % 2 == 1) {
        // console output interleaved with the reply (OpenOCD during monitor commands)
        append_console(reply->substr(1));
        continue;
      }
      return *reply;
    }
  }

  void append_console(const std::string& hex) {
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      console.push_back(static_cast<char>(hex_digit(hex[i]) * 16 + hex_digit(hex[i + 1])));
  }

  void expect_ok(const std::string& payload, const std::string& what) {
    const std::string reply = request(payload);
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
  s.pending.clear();
  s.no_ack = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!s.stream.try_connect(host, port, Millis(200))) {
    if (std::chrono::steady_clock::now() >= deadline)
      s.fail("nothing accepts connections after " + std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(Millis(20));
  }
  const std::string features = s.request("qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=arm");
  if (const auto at = features.find("PacketSize="); at != std::string::npos)
    s.packet_size = std::max<std::size_t>(256, std::stoul(features.substr(at + 11), nullptr, 16));
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
    if (r.empty() || r[0] == 'E' || r.size() != 2 * n)
      s.fail("reading " + std::to_string(n) + " bytes at 0x" + hex_u32(at) + " failed (reply '" + r.substr(0, 8) +
             "')");
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(static_cast<std::uint8_t>(hex_digit(r[2 * i]) * 16 + hex_digit(r[2 * i + 1])));
  }
  return out;
}

void GdbRemote::write_memory(std::uint32_t address, const std::vector<std::uint8_t>& data) {
  Impl& s = *impl_;
  const std::size_t chunk = std::min<std::size_t>(2048, (s.packet_size - 32) / 2);
  for (std::size_t done = 0; done < data.size();) {
    const std::size_t n = std::min(chunk, data.size() - done);
    const auto at = static_cast<std::uint32_t>(address + done);
    s.expect_ok("M" + hex_u32(at) + "," + hex_u32(static_cast<std::uint32_t>(n)) + ":" + to_hex(data.data() + done, n),
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
  if (r.size() < 8 || r[0] == 'E') s.fail("reading register " + std::to_string(number) + " failed (reply '" + r + "')");
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) // little-endian bytes in target order
    v = v << 8 | static_cast<std::uint32_t>(hex_digit(r[static_cast<std::size_t>(2 * i)]) * 16 +
                                            hex_digit(r[static_cast<std::size_t>(2 * i + 1)]));
  return v;
}

void GdbRemote::write_register(int number, std::uint32_t value) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                             static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
  impl_->expect_ok("P" + hex_u32(static_cast<std::uint32_t>(number)) + "=" + to_hex(b, 4),
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
    GdbStop stop;
    stop.packet = *r;
    if ((kind == 'T' || kind == 'S') && r->size() >= 3) {
      stop.signal = hex_digit((*r)[1]) * 16 + hex_digit((*r)[2]);
      return stop;
    }
    if (kind == 'W' || kind == 'X') {
      stop.exited = true;
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
  s.send_packet("qRcmd," + to_hex(reinterpret_cast<const std::uint8_t*>(command.data()), command.size()));
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

std::string GdbRemote::take_console() {
  std::string c = std::move(impl_->console);
  impl_->console.clear();
  return c;
}

} // namespace tinynas

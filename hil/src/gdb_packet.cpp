#include "gdb_packet.hpp"

#include <algorithm>
#include <charconv>

#include "tinynas/space/error.hpp"

namespace tinynas::detail {

namespace {

const char* kHex = "0123456789abcdef";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::uint8_t checksum(std::string_view s) {
  unsigned sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return static_cast<std::uint8_t>(sum & 0xFF);
}

} // namespace

std::string frame_gdb_packet(std::string_view payload) {
  const std::uint8_t sum = checksum(payload);
  std::string frame;
  frame.reserve(payload.size() + 4);
  frame += '$';
  frame += payload;
  frame += '#';
  frame += kHex[sum >> 4];
  frame += kHex[sum & 15];
  return frame;
}

void GdbPacketDecoder::feed(std::string_view bytes) {
  for (char c : bytes) {
    switch (state_) {
    case State::kIdle:
      if (c == '+') events_.push_back({Event::Kind::kAck, {}});
      if (c == '-') events_.push_back({Event::Kind::kNack, {}});
      if (c == '$') {
        body_.clear();
        state_ = State::kBody;
      }
      break; // anything else: noise between packets
    case State::kBody:
      if (c == '#') {
        state_ = State::kChecksum1;
      } else {
        if (body_.size() >= kMaxGdbPacketBytes) {
          state_ = State::kIdle;
          body_.clear();
          throw Error(ErrorCode::kIo, "a packet longer than " + std::to_string(kMaxGdbPacketBytes) +
                                          " bytes without its end mark: not a GDB server");
        }
        body_ += c;
      }
      break;
    case State::kChecksum1:
      checksum_high_ = c;
      state_ = State::kChecksum2;
      break;
    case State::kChecksum2: {
      state_ = State::kIdle;
      const int high = hex_digit(checksum_high_), low = hex_digit(c);
      std::optional<std::string> expanded;
      if (high >= 0 && low >= 0 && high * 16 + low == checksum(body_)) expanded = expand_gdb_runs(body_);
      if (expanded) events_.push_back({Event::Kind::kPacket, std::move(*expanded)});
      else events_.push_back({Event::Kind::kBadChecksum, {}});
      body_.clear();
      break;
    }
    }
  }
}

std::optional<GdbPacketDecoder::Event> GdbPacketDecoder::next() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<std::string> expand_gdb_runs(std::string_view body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '*') {
      if (out.size() >= kMaxGdbPacketBytes) return std::nullopt;
      out += body[i];
      continue;
    }
    if (out.empty() || i + 1 >= body.size()) return std::nullopt;
    const char count = body[++i];
    const int repeat = static_cast<unsigned char>(count) - 29;
    if (repeat < 3 || repeat > 126 - 29 || count == '#' || count == '$' ||
        out.size() + static_cast<std::size_t>(repeat) > kMaxGdbPacketBytes)
      return std::nullopt;
    out.append(static_cast<std::size_t>(repeat), out.back());
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> decode_gdb_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return out;
}

std::string encode_gdb_hex(const std::uint8_t* data, std::size_t n) {
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s += kHex[data[i] >> 4];
    s += kHex[data[i] & 15];
  }
  return s;
}

std::optional<std::uint32_t> parse_gdb_register(std::string_view reply) {
  if (reply.size() != 8) return std::nullopt;
  const std::optional<std::vector<std::uint8_t>> b = decode_gdb_hex(reply);
  if (!b) return std::nullopt;
  return std::uint32_t{(*b)[0]} | std::uint32_t{(*b)[1]} << 8 | std::uint32_t{(*b)[2]} << 16 |
         std::uint32_t{(*b)[3]} << 24;
}

std::optional<GdbStopReply> parse_gdb_stop_reply(std::string_view reply) {
  if (reply.empty()) return std::nullopt;
  GdbStopReply stop;
  if (reply[0] == 'W' || reply[0] == 'X') {
    stop.exited = true;
    return stop;
  }
  if ((reply[0] != 'T' && reply[0] != 'S') || reply.size() < 3) return std::nullopt;
  const std::optional<std::vector<std::uint8_t>> signal = decode_gdb_hex(reply.substr(1, 2));
  if (!signal) return std::nullopt;
  stop.signal = (*signal)[0];
  return stop;
}

std::optional<std::size_t> parse_gdb_packet_size(std::string_view features) {
  constexpr std::string_view kKey = "PacketSize=";
  const std::size_t at = features.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view value = features.substr(at + kKey.size());
  std::uint64_t size = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), size, 16);
  if (end == value.data() || ec == std::errc::invalid_argument) return std::nullopt;
  if (ec == std::errc::result_out_of_range) size = kMaxGdbPacketBytes;
  if (end != value.data() + value.size() && *end != ';') return std::nullopt;
  return std::clamp<std::uint64_t>(size, 256, kMaxGdbPacketBytes);
}

} // namespace tinynas::detail

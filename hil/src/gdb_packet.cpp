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

std::string escape_gdb_binary(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve(n + n / 16);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<char>(data[i]);
    if (c == '#' || c == '$' || c == '}' || c == '*') {
      out += '}';
      out += static_cast<char>(data[i] ^ 0x20);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// "0x8000000" or "134217728", as gdb's memory-map.dtd allows.
std::uint64_t memory_map_number(const std::string& text, const std::string& element) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const char* begin = text.data() + (hex ? 2 : 0);
  const char* end = text.data() + text.size();
  std::uint64_t value = 0;
  const auto [stop, ec] = std::from_chars(begin, end, value, hex ? 16 : 10);
  if (begin == end || ec != std::errc() || stop != end)
    throw Error(ErrorCode::kIo, "memory map: '" + text + "' is not a number in " + element);
  return value;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The value of attribute `name` in an element's text (`name="v"` or `name='v'`), nullopt when absent.
std::optional<std::string> xml_attribute(std::string_view tag, std::string_view name) {
  for (std::size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
    if (at == 0 || !is_space(tag[at - 1])) continue;
    std::size_t i = at + name.size();
    while (i < tag.size() && is_space(tag[i])) ++i;
    if (i >= tag.size() || tag[i] != '=') continue;
    ++i;
    while (i < tag.size() && is_space(tag[i])) ++i;
    if (i >= tag.size() || (tag[i] != '"' && tag[i] != '\'')) continue;
    const std::size_t end = tag.find(tag[i], i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(tag.substr(i + 1, end - i - 1));
  }
  return std::nullopt;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// The text of <property name="blocksize"> inside a flash element's body; nullopt when there is none.
std::optional<std::string> block_size_property(std::string_view body) {
  for (std::size_t at = body.find("<property"); at != std::string_view::npos; at = body.find("<property", at + 1)) {
    const std::size_t close = body.find('>', at);
    if (close == std::string_view::npos) return std::nullopt;
    if (xml_attribute(body.substr(at, close - at), "name") != "blocksize") continue;
    const std::size_t end = body.find('<', close);
    return trimmed(body.substr(close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1));
  }
  return std::nullopt;
}

} // namespace

// A hand-written scan rather than a regular expression: libstdc++'s regex recurses per character matched, and the
// text comes from a server.
std::vector<GdbMemoryRegion> parse_gdb_memory_map(std::string_view xml) {
  std::vector<GdbMemoryRegion> regions;
  constexpr std::string_view kOpen = "<memory";
  for (std::size_t at = xml.find(kOpen); at != std::string_view::npos; at = xml.find(kOpen, at + 1)) {
    if (at + kOpen.size() >= xml.size() || !is_space(xml[at + kOpen.size()])) continue; // <memory-map>
    const std::size_t close = xml.find('>', at);
    if (close == std::string_view::npos) throw Error(ErrorCode::kIo, "memory map: a <memory> element does not end");
    const std::string_view tag = xml.substr(at, close - at);
    const std::string element = std::string(tag.substr(0, 80)) + ">";
    const std::string type = xml_attribute(tag, "type").value_or("");
    GdbMemoryRegion region;
    if (type == "ram") region.type = GdbMemoryRegion::Type::kRam;
    else if (type == "rom") region.type = GdbMemoryRegion::Type::kRom;
    else if (type == "flash") region.type = GdbMemoryRegion::Type::kFlash;
    else throw Error(ErrorCode::kIo, "memory map: unknown memory type '" + type + "' in " + element);
    const std::uint64_t first = memory_map_number(xml_attribute(tag, "start").value_or(""), element);
    if (first > 0xFFFFFFFFu) throw Error(ErrorCode::kIo, "memory map: start beyond 32 bits in " + element);
    region.start = static_cast<std::uint32_t>(first);
    region.length = memory_map_number(xml_attribute(tag, "length").value_or(""), element);
    if (region.type == GdbMemoryRegion::Type::kFlash) {
      const bool empty_element = tag.back() == '/';
      const std::size_t end = empty_element ? close : xml.find("</memory>", close);
      const std::optional<std::string> block =
          block_size_property(xml.substr(close, end == std::string_view::npos ? std::string_view::npos : end - close));
      if (!block) throw Error(ErrorCode::kIo, "memory map: flash region without a blocksize property in " + element);
      const std::uint64_t size = memory_map_number(*block, element);
      if (size == 0 || size > 0xFFFFFFFFu) throw Error(ErrorCode::kIo, "memory map: bad flash blocksize in " + element);
      region.block_size = static_cast<std::uint32_t>(size);
    }
    regions.push_back(region);
  }
  return regions;
}

} // namespace tinynas::detail

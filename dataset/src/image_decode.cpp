// stb_image and stb_image_resize as Debian's libstb.so provides them: the headers are included
// without STB_*_IMPLEMENTATION, so they only declare the functions. stbi_failure_reason is
// thread-local in this build, so parallel decodes report their own reasons.

#include "image_decode.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

#include <stb_image.h>
#include <stb_image_resize.h>
#include <zlib.h>

#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::folder {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw Error(ErrorCode::kInvalidFile, message, path);
}

std::string reason() {
  const char* r = stbi_failure_reason();
  return r != nullptr ? r : "unknown reason";
}

std::uint32_t crc_of(const std::string& bytes) {
  // zlib's crc32 takes a uInt length: feed it in chunks so files over 4 GiB hash correctly.
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* data = reinterpret_cast<const Bytef*>(bytes.data());
  for (std::size_t at = 0; at < bytes.size();) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size() - at, 1U << 30));
    crc = crc32(crc, data + at, n);
    at += n;
  }
  return static_cast<std::uint32_t>(crc);
}

// stb takes an int length; image files over 2 GiB are far beyond kFolderMaxImageSide anyway.
int stb_length(const std::string& path, const std::string& bytes) {
  if (bytes.size() > static_cast<std::size_t>(1) << 30) fail(path, "is over 1 GiB: too large for an image");
  return static_cast<int>(bytes.size());
}

// Debian's stb_image (2022) reads a binary PGM or PPM's pixels without checking that the file holds
// them: a truncated file decoded into uninitialised memory. The size its header announces (magic P5
// or P6, width, height and maxval, with # comments, then one whitespace byte) is checked here; a
// header stb_image refuses is left to it.
void check_pnm_length(const std::string& path, const std::string& bytes) {
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6')) return;
  auto digit = [&](std::size_t i) { return i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9'; };
  auto space = [&](std::size_t i) {
    return i < bytes.size() && (bytes[i] == ' ' || (bytes[i] >= '\t' && bytes[i] <= '\r')); // as stb_image's
  };
  std::size_t at = 2;
  std::uint64_t fields[3] = {}; // width, height, maxval
  for (std::uint64_t& field : fields) {
    for (;;) {
      while (space(at)) ++at;
      if (at >= bytes.size() || bytes[at] != '#') break;
      while (at < bytes.size() && bytes[at] != '\n' && bytes[at] != '\r') ++at;
    }
    if (!digit(at)) return;
    for (; digit(at); ++at) {
      field = field * 10 + static_cast<std::uint64_t>(bytes[at] - '0');
      if (field > (std::uint64_t{1} << 20)) return; // beyond any size probe_image accepts
    }
  }
  ++at; // the whitespace byte after maxval
  const std::uint64_t expected = fields[0] * fields[1] * (bytes[1] == '6' ? 3 : 1) * (fields[2] > 255 ? 2 : 1);
  const std::uint64_t held = bytes.size() > at ? bytes.size() - at : 0;
  if (held < expected)
    fail(path, "is truncated: its header announces " + std::to_string(expected) + " bytes of pixels, the file holds " +
                   std::to_string(held));
}

} // namespace

ImageProbe probe_image(const std::string& path) {
  const std::string bytes = files::read_file(path);
  ImageProbe p;
  p.bytes = bytes.size();
  p.crc = crc_of(bytes);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  if (stbi_info_from_memory(data, stb_length(path, bytes), &p.size.cols, &p.size.rows, &p.components) == 0)
    fail(path, "is not an image stb_image can read (" + reason() + ")");
  if (p.size.rows > kFolderMaxImageSide || p.size.cols > kFolderMaxImageSide)
    fail(path, "is " + std::to_string(p.size.cols) + "x" + std::to_string(p.size.rows) +
                   " pixels (width x height); images over " + std::to_string(kFolderMaxImageSide) +
                   " pixels on a side are refused (memory)");
  if (p.size.rows < 1 || p.size.cols < 1 || p.components < 1 || p.components > 4)
    fail(path, "has an unsupported shape or pixel format");
  check_pnm_length(path, bytes);
  return p;
}

void decode_image(const std::string& path, std::uint32_t expected_crc, int channels, ImageSize size,
                  std::uint8_t* out) {
  const std::string bytes = files::read_file(path);
  if (crc_of(bytes) != expected_crc) fail(path, "changed while the dataset was being read");
  int cols = 0, rows = 0, stored = 0;
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(data, stb_length(path, bytes), &cols, &rows, &stored, channels), stbi_image_free);
  if (pixels == nullptr) fail(path, "cannot be decoded (" + reason() + ")");
  if (rows == size.rows && cols == size.cols) {
    std::memcpy(out, pixels.get(), static_cast<std::size_t>(rows) * cols * channels);
    return;
  }
  if (stbir_resize_uint8(pixels.get(), cols, rows, 0, out, size.cols, size.rows, 0, channels) == 0)
    fail(path, "could not be resized to " + std::to_string(size.cols) + "x" + std::to_string(size.rows));
}

} // namespace tinynas::folder

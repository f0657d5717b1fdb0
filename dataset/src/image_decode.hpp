#pragma once
// One image file of an image folder: its header and content hash (cheap, before deciding the
// dataset's shape), then its pixels decoded by stb_image and resized by stb_image_resize.

#include <cstdint>
#include <string>

#include "tinynas/dataset/image_folder.hpp"

namespace tinynas::folder {

struct ImageProbe {
  ImageSize size;          // as stored
  int components = 0;      // 1 grey, 2 grey + alpha, 3 RGB, 4 RGB + alpha
  std::uint64_t bytes = 0; // file size
  std::uint32_t crc = 0;   // zlib CRC-32 of the file's bytes
  bool grey() const { return components <= 2; }
};

// Reads the file and its header. Error(kInvalidFile) naming `path`: unreadable, not an image
// stb_image knows (its reason in the message), or larger than kFolderMaxImageSide on a side.
ImageProbe probe_image(const std::string& path);

// Decodes `path` into `out` (size.rows * size.cols * channels bytes, [rows][cols][channels]):
// channels 1 keeps grey (alpha dropped), 3 gives RGB (alpha dropped). Resized when the stored size
// differs from `size`: stb_image_resize's default filters (Mitchell down, Catmull-Rom up) in linear
// space with clamped edges, over the whole image (no crop). Error(kInvalidFile) naming `path` for a
// corrupt or truncated image, or one whose bytes no longer match `expected_crc` (changed meanwhile).
void decode_image(const std::string& path, std::uint32_t expected_crc, int channels, ImageSize size, std::uint8_t* out);

} // namespace tinynas::folder

#pragma once
// Labelled 8-bit images held in memory: what every dataset reader produces and what the supernet
// engine trains and evaluates on.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tinynas {

struct ImageSet {
  int rows = 0;
  int cols = 0;
  int channels = 1;                 // 1 (grey) or 3 (RGB)
  std::vector<std::uint8_t> pixels; // [count][rows][cols][channels], row-major, 0 = black
  std::vector<std::uint8_t> labels; // [count]

  int size() const { return static_cast<int>(labels.size()); }
  std::size_t image_bytes() const { return static_cast<std::size_t>(rows) * cols * channels; }
  const std::uint8_t* image(int i) const { return pixels.data() + static_cast<std::size_t>(i) * image_bytes(); }
  // Images [begin, end) as a new set.
  ImageSet slice(int begin, int end) const;
};

} // namespace tinynas

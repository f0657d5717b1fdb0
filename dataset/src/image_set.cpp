#include "tinynas/dataset/image_set.hpp"

namespace tinynas {

ImageSet ImageSet::slice(int begin, int end) const {
  ImageSet s;
  s.rows = rows;
  s.cols = cols;
  s.channels = channels;
  const auto px = static_cast<std::ptrdiff_t>(image_bytes());
  s.pixels.assign(pixels.begin() + begin * px, pixels.begin() + end * px);
  s.labels.assign(labels.begin() + begin, labels.begin() + end);
  return s;
}

} // namespace tinynas

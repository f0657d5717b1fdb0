#pragma once
// The IDX file reader (LeCun's MNIST format, as Fashion-MNIST ships it), raw or gzip-compressed
// (detected from the content), at most 1 GiB once decompressed. Every error names the file: a wrong magic, a truncated
// header or body, a damaged gzip stream, extra bytes, image and label counts that disagree, or a label outside the
// classes.

#include <cstdint>
#include <string>
#include <vector>

#include "tinynas/dataset/image_set.hpp"

namespace tinynas {

// An IDX file of unsigned bytes with 3 dimensions (images) ...
struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;
};
IdxImages read_idx_images(const std::string& path);
// ... or with 1 dimension (labels).
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

// The same from a file's (decompressed) bytes; `path` names it in errors.
IdxImages parse_idx_images(const std::string& bytes, const std::string& path);
std::vector<std::uint8_t> parse_idx_labels(const std::string& bytes, const std::string& path);

// Grey images and labels from a pair of IDX files; labels must be below `classes`.
ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path, int classes);

} // namespace tinynas

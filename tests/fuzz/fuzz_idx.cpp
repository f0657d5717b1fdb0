// IDX images and labels (Fashion-MNIST's format), from decompressed bytes. The first byte picks the reader.
#include "fuzz_target.hpp"
#include "tinynas/dataset/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  if (size == 0) return 0;
  const std::string bytes(fuzz::text_of(data + 1, size - 1));
  fuzz::refuse_or_accept([&] {
    if (data[0] & 1) {
      const IdxImages images = parse_idx_images(bytes, "images.idx");
      if (images.pixels.size() != std::size_t(images.count) * std::size_t(images.rows) * std::size_t(images.cols))
        fuzz::finding("IDX images whose pixel count is not count x rows x cols");
    } else {
      (void)parse_idx_labels(bytes, "labels.idx");
    }
  });
  return 0;
}

#pragma once
// Labelled 8-bit images and the IDX file reader (LeCun's MNIST format, as Fashion-MNIST ships it),
// raw or gzip-compressed (detected from the content). Every error names the file: a wrong magic,
// a truncated header or body, a damaged gzip stream, extra bytes, image and label counts that
// disagree, or a label outside the classes.

#include <cstdint>
#include <string>
#include <vector>

namespace tinynas {

struct ImageSet {
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels; // [count][rows][cols], row-major, 0 = black
  std::vector<std::uint8_t> labels; // [count]

  int size() const { return static_cast<int>(labels.size()); }
  const std::uint8_t* image(int i) const { return pixels.data() + static_cast<std::size_t>(i) * rows * cols; }
  // Images [begin, end) as a new set.
  ImageSet slice(int begin, int end) const;
};

// An IDX file of unsigned bytes with 3 dimensions (images) ...
struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;
};
IdxImages read_idx_images(const std::string& path);
// ... or with 1 dimension (labels).
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

// Images and labels from a pair of IDX files; labels must be below `classes`.
ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path, int classes);

// The three splits the supernet uses. `val` is held out from the end of the training file (never
// trained on: search and per-epoch numbers use it); `test` is the test file, for final numbers only.
struct DatasetSplits {
  ImageSet train;
  ImageSet val;
  ImageSet test;
};

struct DatasetOptions {
  std::string dir;     // "" = default_dataset_dir()
  int val_size = 5000; // images held out from the end of the training file
  int train_limit = 0; // > 0: keep only the first N training images (quick runs, tests)
  bool load_test = true;
  int classes = 10;
};

// Fashion-MNIST layout: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] in `dir`; or, when `dir` names an .npz
// file, NumPy arrays (load_npz_dataset, npy.hpp).
DatasetSplits load_dataset(const DatasetOptions& options);

// $TINYNAS_DATA_DIR if set, else Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
std::string default_dataset_dir();

} // namespace tinynas

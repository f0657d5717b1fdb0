#pragma once
// A dataset as the supernet uses it: train, validation and test splits of labelled images, from
// whichever source a --data path names (IDX files, a NumPy archive, ...).

#include <string>

#include "tinynas/dataset/image_set.hpp"

namespace tinynas {

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

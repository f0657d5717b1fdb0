#pragma once
// A dataset as the supernet uses it: train, validation and test splits of labelled images, from
// whichever source a --data path names (IDX files, a NumPy archive, ...).

#include <string>
#include <vector>

#include "tinynas/dataset/description.hpp"
#include "tinynas/dataset/image_set.hpp"
#include "tinynas/dataset/normalization.hpp"

namespace tinynas {

// The three splits the supernet uses. `val` is held out from the end of the training file (never
// trained on: search and per-epoch numbers use it); `test` is the test file, for final numbers only.
struct DatasetSplits {
  ImageSet train;
  ImageSet val;
  ImageSet test;
  std::vector<std::string> class_names; // from dataset.json or the class folders; empty when unnamed
  DatasetDescription description;       // dataset.json beside the data (empty when there is none)
};

// The input normalisation to train with: dataset.json's mean and std, else measured on the
// training split.
InputNormalization dataset_normalization(const DatasetSplits& data);
// Whether horizontal flips keep the class: dataset.json's "flip", true when it does not say.
bool dataset_allows_flip(const DatasetSplits& data);
// How many classes the data has: its class names, else the largest label + 1 over all splits.
int dataset_class_count(const DatasetSplits& data);
// One line for a person: images, size, channels, classes and where the normalisation came from.
std::string describe_dataset(const DatasetSplits& data);

inline constexpr int kAutoHeldOutMax = 5000;

struct DatasetOptions {
  std::string dir;     // "" = default_dataset_dir()
  int val_size = 0;    // images held out from the end of the training data; 0 = auto: a tenth, at most
                       // kAutoHeldOutMax (5000 of Fashion-MNIST's 60000)
  int train_limit = 0; // > 0: keep only the first N training images (quick runs, tests)
  bool load_test = true;
  int classes = 10;
  // Where image-folder datasets keep decoded copies (image_folder.hpp). load_dataset reads "" as
  // default_cache_dir(); the commands pass cache_dir_beside(the supernet or model file).
  std::string cache_dir;
};

// Fashion-MNIST layout: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] in `dir`; or, when `dir` names an .npz
// file, NumPy arrays (load_npz_dataset, npy.hpp); or, when `dir` has a train/ subdirectory, an image
// folder (load_image_folder with default FolderOptions, image_folder.hpp). dataset.json beside the
// data is read and checked against it (channels of mean/std, input size, class count):
// Error(kInvalidFile) naming it.
DatasetSplits load_dataset(const DatasetOptions& options);

// $TINYNAS_DATA_DIR if set, else Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
std::string default_dataset_dir();
// $TINYNAS_DATA_CACHE if set, else "" (no decode cache).
std::string default_cache_dir();
// The decode cache for work on `file` (a supernet or model): $TINYNAS_DATA_CACHE if set, else the
// file's directory, so decoded images sit next to the supernet they trained.
std::string cache_dir_beside(const std::string& file);

} // namespace tinynas

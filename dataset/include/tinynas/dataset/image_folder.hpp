#pragma once
// Image-folder datasets ("bring your own data", issue 11): the layout most tools use,
//   DIR/train/<class>/*.png|jpg|jpeg|pgm|ppm   (required)
//   DIR/val/<class>/...  DIR/test/<class>/...  (optional; the same class names)
// decoded with stb_image, resized to one input size and split into train / val / test.
// docs/FORMATS.md ("Image folders") is the user's description: layout, channels, resizing, splits,
// limits and the decode cache. Every error about the data is an Error(kInvalidFile) naming the file
// or folder, thrown before any result or cache file is written.

#include <cstdint>
#include <string>
#include <vector>

#include "tinynas/dataset/dataset.hpp"

namespace tinynas {

// Bounds checked before anything is decoded or allocated (from the image headers alone).
inline constexpr int kFolderMaxImageSide = 4096;                                   // pixels, rows and cols
inline constexpr std::uint64_t kFolderMaxDecodedBytes = 8ULL * 1024 * 1024 * 1024; // all splits, resized
inline constexpr int kFolderMaxClasses = 256;                                      // labels are uint8

struct ImageSize {
  int rows = 0;
  int cols = 0;
  bool operator==(const ImageSize&) const = default;
};

struct FolderOptions {
  // > 0 (both): every image is resized to rows x cols. {0, 0}: to the most common size among the
  // training images used (the whole image is kept: no crop, the aspect ratio may change).
  ImageSize input_size;
  // Seeds the shuffles: of the training images (so train_limit keeps a sample of every class, and
  // val / test held out of train/ are random images) and of val/ and test/ (so the first N of a split
  // are a random sample too). The same seed gives the same splits on any machine and thread count.
  std::uint64_t split_seed = 0;
  std::uint64_t max_decoded_bytes = kFolderMaxDecodedBytes;
};

struct FolderDataset {
  DatasetSplits splits;           // splits.class_names = the class folder names, label = index
  ImageSize input_size;           // what every image was resized to
  bool input_size_chosen = false; // true: the most common training size (FolderOptions::input_size unset)
  bool from_cache = false;        // read from the decode cache instead of decoding
  std::string cache_file;         // the cache file read or written; "" without DatasetOptions::cache_dir
};

// Whether `dir` is laid out as an image folder (it has a train/ subdirectory): load_dataset's test.
bool is_image_folder(const std::string& dir);

// Reads the image folder `options.dir`. From `options`: val_size (images held out of train/ for
// each of val and test when val/ or test/ is missing), train_limit, load_test (false: test/ is not
// decoded), classes (at most this many class folders) and cache_dir (see docs/FORMATS.md: a file
// <cache_dir>/<folder name>-<content hash>.tnds holding the decoded splits, reused while no image,
// class name or option that shapes the result changes; a damaged one is rebuilt with a warning).
// Throws Error(kInvalidFile) naming the file for bad data, Error(kInvalidArgument) for bad options,
// Error(kIo) when the cache cannot be written.
FolderDataset load_image_folder(const DatasetOptions& options, const FolderOptions& folder = {});

} // namespace tinynas

// The one entry point for every data source: which reader a --data path goes to.

#include "tinynas/dataset/dataset.hpp"

#include <cstdlib>
#include <filesystem>

#include "tinynas/dataset/idx.hpp"
#include "tinynas/dataset/npy.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

std::string default_dataset_dir() {
  if (const char* env = std::getenv("TINYNAS_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return "/usr/share/datasets/fashion-mnist";
}

DatasetSplits load_dataset(const DatasetOptions& options) {
  const std::string dir = options.dir.empty() ? default_dataset_dir() : options.dir;
  // A NumPy archive instead of a directory of IDX files (npy.hpp): the same splits, so every command's
  // --data (and Python's data_dir) takes either.
  if (dir.ends_with(".npz")) return load_npz_dataset(dir, options);
  // Prefer the .gz files Debian ships; accept uncompressed copies too.
  auto locate = [&](const std::string& stem) {
    const std::string gz = dir + "/" + stem + ".gz";
    if (std::filesystem::exists(gz)) return gz;
    const std::string raw = dir + "/" + stem;
    if (std::filesystem::exists(raw)) return raw;
    throw Error(ErrorCode::kInvalidFile,
                "no " + stem +
                    "[.gz] in the dataset directory (install Debian's dataset-fashion-mnist or pass `data_dir`)",
                dir);
  };
  DatasetSplits splits;
  const std::string train_images = locate("train-images-idx3-ubyte");
  const std::string train_labels = locate("train-labels-idx1-ubyte");
  ImageSet all = read_idx_pair(train_images, train_labels, options.classes);
  if (options.val_size < 0 || options.val_size >= all.size())
    throw Error(ErrorCode::kInvalidArgument, "a validation split of " + std::to_string(options.val_size) +
                                                 " images leaves nothing to train on (the training file has " +
                                                 std::to_string(all.size()) + ")");
  const int train_end = all.size() - options.val_size;
  splits.val = all.slice(train_end, all.size());
  const int limit = options.train_limit > 0 ? std::min(options.train_limit, train_end) : train_end;
  splits.train = all.slice(0, limit);
  if (options.load_test) {
    const std::string test_images = locate("t10k-images-idx3-ubyte");
    const std::string test_labels = locate("t10k-labels-idx1-ubyte");
    splits.test = read_idx_pair(test_images, test_labels, options.classes);
  }
  return splits;
}

} // namespace tinynas

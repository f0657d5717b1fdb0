// The one entry point for every data source: which reader a --data path goes to.

#include "tinynas/dataset/dataset.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "held_out.hpp"
#include "tinynas/dataset/idx.hpp"
#include "tinynas/dataset/image_folder.hpp"
#include "tinynas/dataset/npy.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

std::string default_dataset_dir() {
  if (const char* env = std::getenv("TINYNAS_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return "/usr/share/datasets/fashion-mnist";
}

std::string default_cache_dir() {
  const char* env = std::getenv("TINYNAS_DATA_CACHE");
  return env != nullptr ? env : "";
}

namespace {

// dataset.json must describe the data it sits beside.
void apply_description(DatasetSplits& data, DatasetDescription description) {
  const std::string& file = description.file;
  auto fail = [&](const std::string& message) { throw Error(ErrorCode::kInvalidFile, message, file); };
  const ImageSet& train = data.train;
  if (description.mean && static_cast<int>(description.mean->size()) != train.channels)
    fail("gives a mean and std for " + std::to_string(description.mean->size()) + " channels; the images have " +
         std::to_string(train.channels));
  if (description.input_rows > 0 && (description.input_rows != train.rows || description.input_cols != train.cols))
    fail("says input_size " + std::to_string(description.input_rows) + "x" + std::to_string(description.input_cols) +
         " but the images are " + std::to_string(train.rows) + "x" + std::to_string(train.cols));
  if (!description.class_names.empty()) {
    if (!data.class_names.empty() && data.class_names != description.class_names)
      fail("lists other classes than the class folders hold");
    const int classes = dataset_class_count(data);
    if (classes > static_cast<int>(description.class_names.size()))
      fail("names " + std::to_string(description.class_names.size()) + " classes but the data has label " +
           std::to_string(classes - 1));
    data.class_names = description.class_names;
  }
  data.description = std::move(description);
}

DatasetSplits read_source(const std::string& dir, const DatasetOptions& options, const DatasetDescription& description);

} // namespace

std::string cache_dir_beside(const std::string& file) {
  const std::string shared = default_cache_dir();
  if (!shared.empty()) return shared;
  const std::string dir = std::filesystem::path(file).parent_path().string();
  return dir.empty() ? "." : dir;
}

DatasetSplits load_dataset(const DatasetOptions& options) {
  const std::string dir = options.dir.empty() ? default_dataset_dir() : options.dir;
  DatasetDescription description = read_dataset_description(dir);
  DatasetSplits data = read_source(dir, options, description);
  apply_description(data, std::move(description));
  return data;
}

InputNormalization dataset_normalization(const DatasetSplits& data) {
  if (data.description.mean) return {*data.description.mean, *data.description.std};
  return measure_normalization(data.train);
}

int dataset_class_count(const DatasetSplits& data) {
  if (!data.class_names.empty()) return static_cast<int>(data.class_names.size());
  int top = -1;
  for (const ImageSet* s : {&data.train, &data.val, &data.test})
    for (std::uint8_t label : s->labels) top = std::max(top, int{label});
  return top + 1;
}

bool dataset_allows_flip(const DatasetSplits& data) { return data.description.flip.value_or(true); }

std::string describe_dataset(const DatasetSplits& data) {
  const ImageSet& t = data.train;
  const InputNormalization n = dataset_normalization(data);
  const std::string classes =
      data.class_names.empty() ? "unnamed classes" : std::to_string(data.class_names.size()) + " named classes";
  return std::to_string(t.size()) + " training images " + std::to_string(t.rows) + "x" + std::to_string(t.cols) + " " +
         (t.channels == 1   ? "grey"
          : t.channels == 3 ? "RGB"
                            : std::to_string(t.channels) + "-channel") +
         ", " + std::to_string(data.val.size()) + " validation, " + std::to_string(data.test.size()) + " test, " +
         classes + "; normalisation " + n.describe() +
         (data.description.mean ? " (from " + data.description.file + ")" : " (measured on the training split)") +
         "; horizontal flips " +
         (dataset_allows_flip(data)
              ? std::string("on") + (data.description.flip ? "" : " (\"flip\": false in dataset.json turns them off)")
              : "off (" + data.description.file + ")");
}

namespace {

DatasetSplits read_source(const std::string& dir, const DatasetOptions& options,
                          const DatasetDescription& description) {
  // A NumPy archive instead of a directory of IDX files (npy.hpp): the same splits, so every command's
  // --data (and Python's data_dir) takes either.
  if (dir.ends_with(".npz")) return load_npz_dataset(dir, options);
  if (is_npy_folder(dir)) return load_npy_folder_dataset(dir, options);
  if (is_image_folder(dir)) {
    DatasetOptions folder = options;
    folder.dir = dir;
    if (folder.cache_dir.empty()) folder.cache_dir = default_cache_dir();
    FolderOptions resize;
    resize.input_size = {description.input_rows, description.input_cols};
    return load_image_folder(folder, resize).splits;
  }
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
  data::hold_out_validation(read_idx_pair(train_images, train_labels, options.classes), options, splits);
  if (options.load_test) {
    const std::string test_images = locate("t10k-images-idx3-ubyte");
    const std::string test_labels = locate("t10k-labels-idx1-ubyte");
    splits.test = read_idx_pair(test_images, test_labels, options.classes);
    data::require_same_image_shape(splits.test, splits.train, test_images, "", train_images);
  }
  return splits;
}

} // namespace

} // namespace tinynas

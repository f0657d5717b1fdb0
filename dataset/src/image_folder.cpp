// Loading an image folder (image_folder.hpp) in four passes, each complete before the next starts so
// bad data fails before anything is allocated or written:
//   list the files (folder_listing), plan the splits on the file list (seeded shuffles, hold-outs,
//   train_limit: only images a split uses are read), probe every used file (header + CRC-32, in
//   parallel) to decide channels and input size and check the memory bound, then decode in parallel
//   into preallocated splits (or read them from the decode cache).
// Parallel passes catch each file's error in its slot and rethrow the lowest-numbered one, so the
// error, like the result, is the same at any thread count.

#include "tinynas/dataset/image_folder.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "decode_cache.hpp"
#include "folder_listing.hpp"
#include "held_out.hpp"
#include "image_decode.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas {

namespace fs = std::filesystem;
using folder::ImageFile;
using folder::ImageProbe;

namespace {

struct SplitPlan {
  std::vector<ImageFile> train, val, test;
  // All three in one list (train, then val, then test): the order of probing, decoding and hashing.
  std::vector<const ImageFile*> all() const {
    std::vector<const ImageFile*> files;
    for (const auto* split : {&train, &val, &test})
      for (const ImageFile& f : *split) files.push_back(&f);
    return files;
  }
};

// Fisher-Yates with the project's portable Rng: the same order on every standard library.
std::vector<ImageFile> shuffled(std::vector<ImageFile> files, std::uint64_t seed) {
  Rng rng(seed);
  for (std::size_t i = files.size(); i > 1; --i) std::swap(files[i - 1], files[rng.index(i)]);
  return files;
}

SplitPlan plan_splits(const folder::FolderListing& listing, const DatasetOptions& options, std::uint64_t seed) {
  SplitPlan plan;
  std::vector<ImageFile> train = shuffled(listing.train, stream_seed(seed, 0));
  // `val_size` (or, for 0, a tenth of train/) for each split that has no folder of its own.
  const int parts = (listing.has_val ? 0 : 1) + (listing.has_test ? 0 : 1);
  const auto per_split =
      parts == 0
          ? std::size_t{0}
          : static_cast<std::size_t>(data::held_out_count(static_cast<int>(train.size()), options.val_size, parts));
  // From the end of the shuffled training images: test (when test/ is missing), then val. The test
  // images are held out even when not loaded, so the training split never depends on load_test.
  auto take_last = [&](std::vector<ImageFile>& into) {
    into.assign(train.end() - static_cast<std::ptrdiff_t>(per_split), train.end());
    train.resize(train.size() - per_split);
  };
  std::vector<ImageFile> held_test;
  if (!listing.has_test) take_last(held_test);
  if (!listing.has_val) take_last(plan.val);
  if (options.load_test) plan.test = listing.has_test ? shuffled(listing.test, stream_seed(seed, 2)) : held_test;
  if (listing.has_val) plan.val = shuffled(listing.val, stream_seed(seed, 1));
  if (options.train_limit > 0 && static_cast<std::size_t>(options.train_limit) < train.size())
    train.resize(static_cast<std::size_t>(options.train_limit));
  plan.train = std::move(train);
  return plan;
}

// Runs `work(i)` for i in [0, n) in parallel; rethrows the error of the lowest i that failed.
template <typename F>
void for_each_file(std::size_t n, F work) {
  std::vector<std::exception_ptr> errors(n);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

const char* kind(const ImageProbe& p) { return p.grey() ? "grey" : "colour (RGB)"; }

// 1 when every image is grey, 3 when every image is colour. Mixing them is an error naming the first
// file (by path) of the other kind than the first file, so the message does not depend on the shuffle.
int channels_of(const std::vector<const ImageFile*>& files, const std::vector<ImageProbe>& probes) {
  std::vector<std::size_t> order(files.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return files[a]->relative < files[b]->relative; });
  const std::size_t first = order[0];
  for (std::size_t i : order)
    if (probes[i].grey() != probes[first].grey())
      throw Error(ErrorCode::kInvalidFile,
                  std::string("is ") + kind(probes[i]) + " but " + files[first]->path + " is " + kind(probes[first]) +
                      ": convert the images to one kind (all grey or all colour)",
                  files[i]->path);
  return probes[first].grey() ? 1 : 3;
}

// The most common stored size among the training images (the first n_train probes); ties go to the
// smaller size (rows, then cols), so the choice never depends on file order.
ImageSize most_common_size(const std::vector<ImageProbe>& probes, std::size_t n_train) {
  std::map<std::pair<int, int>, std::size_t> counts;
  for (std::size_t i = 0; i < n_train; ++i) ++counts[{probes[i].size.rows, probes[i].size.cols}];
  auto best = counts.begin();
  for (auto it = counts.begin(); it != counts.end(); ++it)
    if (it->second > best->second) best = it;
  return {best->first.first, best->first.second};
}

void check_options(const DatasetOptions& options, const FolderOptions& folder) {
  const ImageSize s = folder.input_size;
  if ((s.rows > 0) != (s.cols > 0) || s.rows < 0 || s.cols < 0 || s.rows > kFolderMaxImageSide ||
      s.cols > kFolderMaxImageSide)
    throw invalid_option("input_size", "must be two sizes in 1.." + std::to_string(kFolderMaxImageSide) +
                                           " pixels, or both 0 (the most common training image size)");
  if (options.val_size < 0) throw invalid_option("val_size", "must not be negative");
  if (options.train_limit < 0) throw invalid_option("train_limit", "must not be negative");
}

std::string dataset_name(const std::string& dir) {
  std::error_code ec;
  const std::string name = fs::weakly_canonical(dir, ec).filename().string();
  return ec || name.empty() ? "dataset" : name;
}

// Everything that shapes the result: format version, decoded shape, class names, and per split the
// files in order with their labels, sizes and CRC-32s (the split seed, val_size and train_limit act
// through which files land where). Paths are relative to the folder, so a moved folder keeps its cache.
std::uint64_t cache_key(const SplitPlan& plan, const std::vector<ImageProbe>& probes, ImageSize size, int channels,
                        const std::vector<std::string>& class_names) {
  folder::CacheKey key;
  key.add(std::uint64_t{folder::kCacheVersion}).add(static_cast<std::uint64_t>(size.rows));
  key.add(static_cast<std::uint64_t>(size.cols)).add(static_cast<std::uint64_t>(channels));
  key.add(class_names.size());
  for (const std::string& name : class_names) key.add(name);
  std::size_t i = 0;
  for (const auto* split : {&plan.train, &plan.val, &plan.test}) {
    key.add(split->size());
    for (const ImageFile& f : *split) {
      key.add(f.relative).add(static_cast<std::uint64_t>(f.label)).add(probes[i].bytes).add(probes[i].crc);
      ++i;
    }
  }
  return key.value();
}

ImageSet empty_set(ImageSize size, int channels, std::size_t count) {
  ImageSet s;
  s.rows = size.rows;
  s.cols = size.cols;
  s.channels = channels;
  s.labels.resize(count);
  s.pixels.resize(count * s.image_bytes());
  return s;
}

DatasetSplits decode_all(const SplitPlan& plan, const std::vector<ImageProbe>& probes, ImageSize size, int channels) {
  DatasetSplits splits;
  splits.train = empty_set(size, channels, plan.train.size());
  splits.val = empty_set(size, channels, plan.val.size());
  splits.test = empty_set(size, channels, plan.test.size());
  // Slot i of the flat file list -> (set, index in the set).
  std::vector<std::pair<ImageSet*, std::size_t>> slots;
  for (auto [set, files] :
       {std::pair{&splits.train, &plan.train}, {&splits.val, &plan.val}, {&splits.test, &plan.test}})
    for (std::size_t j = 0; j < files->size(); ++j) {
      slots.emplace_back(set, j);
      set->labels[j] = static_cast<std::uint8_t>((*files)[j].label);
    }
  const std::vector<const ImageFile*> files = plan.all();
  for_each_file(files.size(), [&](std::size_t i) {
    auto [set, j] = slots[i];
    folder::decode_image(files[i]->path, probes[i].crc, channels, size, set->pixels.data() + j * set->image_bytes());
  });
  return splits;
}

} // namespace

bool is_image_folder(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "train", ec);
}

FolderDataset load_image_folder(const DatasetOptions& options, const FolderOptions& folder) {
  check_options(options, folder);
  const folder::FolderListing listing = folder::list_image_folder(options.dir, options.classes, options.load_test);
  const SplitPlan plan = plan_splits(listing, options, folder.split_seed);
  const std::vector<const ImageFile*> files = plan.all();
  if (files.size() > static_cast<std::size_t>(INT32_MAX))
    throw Error(ErrorCode::kInvalidFile, "holds more images than a dataset can index", options.dir);

  std::vector<ImageProbe> probes(files.size());
  for_each_file(files.size(), [&](std::size_t i) { probes[i] = folder::probe_image(files[i]->path); });
  const int channels = channels_of(files, probes);

  FolderDataset result;
  result.input_size_chosen = folder.input_size.rows == 0;
  result.input_size = result.input_size_chosen ? most_common_size(probes, plan.train.size()) : folder.input_size;
  const ImageSize size = result.input_size;
  const std::uint64_t decoded = std::uint64_t{files.size()} * static_cast<std::uint64_t>(size.rows) *
                                static_cast<std::uint64_t>(size.cols) * static_cast<std::uint64_t>(channels);
  if (decoded > folder.max_decoded_bytes)
    throw Error(ErrorCode::kInvalidFile,
                std::to_string(files.size()) + " images of " + std::to_string(size.cols) + "x" +
                    std::to_string(size.rows) + "x" + std::to_string(channels) + " would take " +
                    std::to_string(decoded) + " bytes decoded, over the limit of " +
                    std::to_string(folder.max_decoded_bytes) +
                    ": choose a smaller input size or fewer images (`train_limit`)",
                options.dir);

  std::uint64_t key = 0;
  if (!options.cache_dir.empty()) {
    key = cache_key(plan, probes, size, channels, listing.class_names);
    result.cache_file = folder::cache_path(options.cache_dir, dataset_name(options.dir), key);
    if (auto cached = folder::read_decode_cache(result.cache_file, key)) {
      result.splits = std::move(*cached);
      result.from_cache = true;
    }
  }
  if (!result.from_cache) {
    result.splits = decode_all(plan, probes, size, channels);
    result.splits.class_names = listing.class_names;
    if (!options.cache_dir.empty()) folder::write_decode_cache(result.cache_file, key, result.splits);
  }
  spdlog::info("image folder {}: {} classes; {} training, {} validation, {} test images; {} at {}x{} pixels (width x "
               "height; {}){}",
               options.dir, listing.class_names.size(), plan.train.size(), plan.val.size(), plan.test.size(),
               channels == 1 ? "grey" : "RGB", size.cols, size.rows,
               result.input_size_chosen ? "the most common training size" : "as asked",
               result.from_cache ? "; decoded images from " + result.cache_file : std::string());
  return result;
}

} // namespace tinynas

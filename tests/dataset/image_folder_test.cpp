// The image-folder reader against folders of hand-made images with known pixels: PNG (grey, RGB,
// RGBA), JPEG, PGM and PPM decoded exactly (JPEG within a tolerance), class names and labels,
// explicit and held-out splits, resizing, the decode cache, and every bad input rejected with an
// Error naming the file. Images are written with stb_image_write (from libstb.so, as the reader's
// decoder) or by hand (PGM, PPM).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <stb_image_write.h>
#include <stdlib.h>

#include "dataset/dataset_test_support.hpp"
#include "test_support.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/dataset/image_folder.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"

namespace tinynas {
namespace {

namespace fs = std::filesystem;
using test::expect_bad;
using test::ScratchDir;
using Pixels = std::vector<std::uint8_t>;

// Writes an image of rows x cols x channels `pixels` to `path` (format from the extension),
// creating its folder; returns the path as the reader names it.
std::string write_image(const fs::path& path, int rows, int cols, int channels, const Pixels& pixels) {
  // stb_image_write reads rows x cols x channels bytes whatever `pixels` holds (make test-asan caught a test
  // that gave it a third of them).
  EXPECT_EQ(pixels.size(), static_cast<std::size_t>(rows * cols * channels)) << path;
  if (pixels.size() != static_cast<std::size_t>(rows * cols * channels)) return path.string();
  fs::create_directories(path.parent_path());
  const std::string file = path.string();
  const std::string ext = path.extension().string();
  if (ext == ".pgm" || ext == ".ppm") {
    std::ofstream out(file, std::ios::binary);
    out << (channels == 1 ? "P5" : "P6") << "\n" << cols << " " << rows << "\n255\n";
    out.write(reinterpret_cast<const char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
  } else if (ext == ".jpg" || ext == ".jpeg" || ext == ".JPG") {
    EXPECT_NE(stbi_write_jpg(file.c_str(), cols, rows, channels, pixels.data(), 100), 0) << file;
  } else {
    EXPECT_NE(stbi_write_png(file.c_str(), cols, rows, channels, pixels.data(), cols * channels), 0) << file;
  }
  return file;
}

// A flat image of one value per channel.
Pixels flat(int rows, int cols, const Pixels& colour) {
  Pixels p;
  for (int i = 0; i < rows * cols; ++i) p.insert(p.end(), colour.begin(), colour.end());
  return p;
}

Pixels image_of(const ImageSet& set, int i) { return Pixels(set.image(i), set.image(i) + set.image_bytes()); }

// The index of the image equal to `pixels` in `set`, -1 if none.
int find_image(const ImageSet& set, const Pixels& pixels) {
  for (int i = 0; i < set.size(); ++i)
    if (image_of(set, i) == pixels) return i;
  return -1;
}

void expect_same(const ImageSet& a, const ImageSet& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  EXPECT_EQ(a.channels, b.channels);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_TRUE(a.pixels == b.pixels);
}

void expect_same(const DatasetSplits& a, const DatasetSplits& b) {
  expect_same(a.train, b.train);
  expect_same(a.val, b.val);
  expect_same(a.test, b.test);
  EXPECT_EQ(a.class_names, b.class_names);
}

class ImageFolderTest : public ::testing::Test {
protected:
  ScratchDir dir;
  fs::path root() const { return dir.path(); }
  DatasetOptions options(int val_size = 0) const {
    DatasetOptions o;
    o.dir = root().string();
    o.val_size = val_size;
    return o;
  }
  // options() for the tests that look at every image of train/: val/ and test/ folders of their own
  // (copies of train/, made here when missing) so that nothing is held out of train/.
  DatasetOptions whole_train() const {
    for (const char* split : {"val", "test"})
      if (!fs::exists(root() / split)) fs::copy(root() / "train", root() / split, fs::copy_options::recursive);
    return options();
  }
  // Images numbered by their single pixel value, `per_class` per class, 1 x 1 grey PGM.
  void numbered(const std::vector<std::string>& classes, int per_class, const std::string& split = "train") {
    int value = 0;
    for (const std::string& c : classes)
      for (int i = 0; i < per_class; ++i, ++value)
        write_image(root() / split / c / ("img" + std::to_string(i) + ".pgm"), 1, 1, 1,
                    {static_cast<std::uint8_t>(value)});
  }
};

TEST_F(ImageFolderTest, GreyPngExactPixelsClassNamesAndLabels) {
  const Pixels cat = {0, 10, 20, 30, 40, 50}, dog = {255, 128, 1, 2, 3, 4}, dog2 = {9, 9, 9, 9, 9, 9};
  write_image(root() / "train/dog/b.png", 2, 3, 1, dog);
  write_image(root() / "train/dog/a.png", 2, 3, 1, dog2);
  write_image(root() / "train/cat/x.png", 2, 3, 1, cat);
  const FolderDataset d = load_image_folder(whole_train());
  EXPECT_EQ(d.splits.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d.input_size, (ImageSize{2, 3}));
  EXPECT_TRUE(d.input_size_chosen);
  EXPECT_FALSE(d.from_cache);
  const ImageSet& t = d.splits.train;
  ASSERT_EQ(t.size(), 3);
  EXPECT_EQ(t.channels, 1);
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.cols, 3);
  EXPECT_EQ(t.labels[static_cast<std::size_t>(find_image(t, cat))], 0);
  EXPECT_EQ(t.labels[static_cast<std::size_t>(find_image(t, dog))], 1);
  EXPECT_EQ(t.labels[static_cast<std::size_t>(find_image(t, dog2))], 1);
  EXPECT_EQ(d.splits.val.size(), 3); // the copies in val/ and test/
  EXPECT_EQ(d.splits.test.size(), 3);
}

TEST_F(ImageFolderTest, RgbAndRgbaPngDecodeToRgb) {
  const Pixels rgb = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const Pixels rgba = {100, 101, 102, 0, 103, 104, 105, 255, 106, 107, 108, 7, 109, 110, 111, 8};
  write_image(root() / "train/a/rgb.png", 2, 2, 3, rgb);
  write_image(root() / "train/b/rgba.png", 2, 2, 4, rgba);
  const ImageSet t = load_image_folder(whole_train()).splits.train;
  EXPECT_EQ(t.channels, 3);
  ASSERT_GE(find_image(t, rgb), 0);
  const int i = find_image(t, {100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111}); // alpha dropped
  ASSERT_GE(i, 0);
  EXPECT_EQ(t.labels[static_cast<std::size_t>(i)], 1);
}

TEST_F(ImageFolderTest, GreyWithAlphaIsGrey) {
  write_image(root() / "train/a/ga.png", 1, 2, 2, {50, 255, 60, 0});
  const ImageSet t = load_image_folder(whole_train()).splits.train;
  EXPECT_EQ(t.channels, 1);
  EXPECT_EQ(image_of(t, 0), (Pixels{50, 60}));
}

TEST_F(ImageFolderTest, FlatColourJpegWithinTolerance) {
  write_image(root() / "train/a/flat.jpg", 8, 8, 3, flat(8, 8, {200, 40, 90}));
  write_image(root() / "train/b/grey.jpeg", 8, 8, 3, flat(8, 8, {30, 30, 30}));
  const ImageSet t = load_image_folder(whole_train()).splits.train;
  ASSERT_EQ(t.size(), 2);
  EXPECT_EQ(t.channels, 3);
  for (int i = 0; i < 2; ++i) {
    const Pixels want = t.labels[static_cast<std::size_t>(i)] == 0 ? Pixels{200, 40, 90} : Pixels{30, 30, 30};
    const Pixels got = image_of(t, i);
    for (std::size_t p = 0; p < got.size(); ++p)
      EXPECT_NEAR(got[p], want[p % 3], 4) << "image " << i << " byte " << p; // JPEG is lossy
  }
}

TEST_F(ImageFolderTest, PgmAndPpmExactPixels) {
  const Pixels grey = {0, 1, 2, 3, 254, 255};
  write_image(root() / "train/a/g.pgm", 3, 2, 1, grey);
  EXPECT_EQ(image_of(load_image_folder(whole_train()).splits.train, 0), grey);
  ScratchDir other;
  const Pixels colour = {10, 20, 30, 40, 50, 60};
  for (const char* split : {"train", "val", "test"}) write_image(other.path() / split / "a/c.ppm", 1, 2, 3, colour);
  DatasetOptions o = options();
  o.dir = other.path().string();
  const ImageSet t = load_image_folder(o).splits.train;
  EXPECT_EQ(t.channels, 3);
  EXPECT_EQ(image_of(t, 0), colour);
}

TEST_F(ImageFolderTest, ExtensionsAnyCaseOtherFilesIgnored) {
  write_image(root() / "train/a/UPPER.PNG", 1, 1, 1, {1});
  write_image(root() / "train/a/mixed.JpEg", 1, 1, 1, {128});
  write_image(root() / "train/b/x.Pgm", 1, 1, 1, {3});
  dir.write("train/a/README.txt", "not an image");
  dir.write("train/b/.DS_Store", "junk");
  dir.write("train/notes.md", "a file next to the class folders");
  fs::create_directories(root() / "train/.hidden_class");
  EXPECT_EQ(load_image_folder(whole_train()).splits.train.size(), 3);
}

TEST_F(ImageFolderTest, ExplicitValAndTestUseTrainClassNames) {
  numbered({"a", "b", "c"}, 2);
  write_image(root() / "val/b/v.pgm", 1, 1, 1, {100});
  write_image(root() / "test/c/t.pgm", 1, 1, 1, {200});
  write_image(root() / "test/a/t.pgm", 1, 1, 1, {201});
  const DatasetSplits s = load_image_folder(options(1000)).splits; // val_size unused: both folders exist
  EXPECT_EQ(s.train.size(), 6);
  ASSERT_EQ(s.val.size(), 1);
  EXPECT_EQ(s.val.labels[0], 1);
  ASSERT_EQ(s.test.size(), 2);
  EXPECT_EQ(s.test.labels[static_cast<std::size_t>(find_image(s.test, {200}))], 2);
  EXPECT_EQ(s.test.labels[static_cast<std::size_t>(find_image(s.test, {201}))], 0);
}

TEST_F(ImageFolderTest, TestFolderNotReadWithoutLoadTest) {
  numbered({"a"}, 2);
  numbered({"a"}, 1, "val");
  fs::create_directories(root() / "test/a");
  dir.write("test/a/broken.png", "not decoded when the test split is not loaded");
  DatasetOptions o = options();
  o.load_test = false;
  const DatasetSplits s = load_image_folder(o).splits;
  EXPECT_EQ(s.train.size(), 2);
  EXPECT_EQ(s.test.size(), 0);
}

TEST_F(ImageFolderTest, SeededHoldOutIsDeterministicDisjointAndComplete) {
  numbered({"a", "b", "c", "d"}, 5); // pixel values 0..19 identify the images
  const DatasetSplits s = load_image_folder(options(3)).splits;
  EXPECT_EQ(s.train.size(), 14);
  EXPECT_EQ(s.val.size(), 3);
  EXPECT_EQ(s.test.size(), 3);
  std::multiset<int> seen;
  for (const ImageSet* set : {&s.train, &s.val, &s.test})
    for (int i = 0; i < set->size(); ++i) {
      const int value = set->image(i)[0];
      seen.insert(value);
      EXPECT_EQ(set->labels[static_cast<std::size_t>(i)], value / 5) << value;
    }
  std::multiset<int> all;
  for (int v = 0; v < 20; ++v) all.insert(v);
  EXPECT_EQ(seen, all); // disjoint and complete
  expect_same(load_image_folder(options(3)).splits, s);
  // The training split does not depend on whether the test split is loaded.
  DatasetOptions no_test = options(3);
  no_test.load_test = false;
  const DatasetSplits without = load_image_folder(no_test).splits;
  expect_same(without.train, s.train);
  expect_same(without.val, s.val);
  EXPECT_EQ(without.test.size(), 0);
  // Another seed, another split (of these 20 images, almost surely).
  FolderOptions other;
  other.split_seed = 7;
  EXPECT_NE(load_image_folder(options(3), other).splits.val.pixels, s.val.pixels);
  // train_limit keeps the first N of the shuffled training images.
  DatasetOptions limited = options(3);
  limited.train_limit = 4;
  const ImageSet t = load_image_folder(limited).splits.train;
  EXPECT_EQ(t.pixels, Pixels(s.train.pixels.begin(), s.train.pixels.begin() + 4));
}

TEST_F(ImageFolderTest, SameResultAtAnyThreadCount) {
  for (int i = 0; i < 40; ++i)
    write_image(root() / "train" / (i % 2 ? "odd" : "even") / ("i" + std::to_string(i) + ".png"), 5 + i % 3, 6, 1,
                flat(5 + i % 3, 6, {static_cast<std::uint8_t>(i * 6)}));
  DatasetSplits one, two;
  {
    ParallelismLimit limit(1);
    one = load_image_folder(options(4)).splits;
  }
  {
    ParallelismLimit limit(2);
    two = load_image_folder(options(4)).splits;
  }
  expect_same(one, two);
}

TEST_F(ImageFolderTest, ResizesToTheMostCommonOrTheGivenSize) {
  write_image(root() / "train/a/small.png", 4, 4, 1, flat(4, 4, {77}));
  write_image(root() / "train/a/small2.png", 4, 4, 1, flat(4, 4, {77}));
  write_image(root() / "train/b/big.png", 8, 6, 1, flat(8, 6, {180}));
  const FolderDataset common = load_image_folder(whole_train());
  EXPECT_EQ(common.input_size, (ImageSize{4, 4}));
  EXPECT_TRUE(common.input_size_chosen);
  const ImageSet& t = common.splits.train;
  EXPECT_EQ(t.rows, 4);
  EXPECT_EQ(t.cols, 4);
  // A flat image stays flat whatever the filter (the weights sum to 1); allow rounding.
  for (int i = 0; i < t.size(); ++i)
    for (std::uint8_t v : image_of(t, i)) EXPECT_NEAR(v, t.labels[static_cast<std::size_t>(i)] == 0 ? 77 : 180, 1);
  FolderOptions given;
  given.input_size = {3, 5};
  const FolderDataset resized = load_image_folder(whole_train(), given);
  EXPECT_EQ(resized.input_size, (ImageSize{3, 5}));
  EXPECT_FALSE(resized.input_size_chosen);
  EXPECT_EQ(resized.splits.train.rows, 3);
  EXPECT_EQ(resized.splits.train.cols, 5);
  EXPECT_EQ(resized.splits.train.pixels.size(), 3U * 3 * 5);
}

TEST_F(ImageFolderTest, DownscalingKeepsTheWholeImage) {
  // Left half black, right half white: halving the width keeps a dark left and a bright right
  // column (a crop would lose one of them).
  Pixels half;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) half.push_back(c < 2 ? 0 : 255);
  write_image(root() / "train/a/half.png", 4, 4, 1, half);
  FolderOptions given;
  given.input_size = {2, 2};
  const Pixels p = image_of(load_image_folder(whole_train(), given).splits.train, 0);
  EXPECT_LT(p[0], 60);
  EXPECT_GT(p[1], 195);
}

TEST_F(ImageFolderTest, LoadDatasetDispatchesOnATrainFolder) {
  numbered({"x", "y"}, 3);
  DatasetOptions o = options(1);
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(s.train.size(), 4);
  EXPECT_EQ(s.val.size(), 1);
  EXPECT_EQ(s.test.size(), 1);
}

// ---- the decode cache ----

class DecodeCacheTest : public ImageFolderTest {
protected:
  ScratchDir cache;
  DatasetOptions cached(int val_size = 1) const {
    DatasetOptions o = options(val_size);
    o.cache_dir = (cache.path() / "sub").string(); // created on first write
    return o;
  }
  void SetUp() override {
    for (int i = 0; i < 12; ++i)
      write_image(root() / "train" / ("c" + std::to_string(i % 3)) / ("i" + std::to_string(i) + ".png"), 3, 4, 3,
                  flat(3, 4, {static_cast<std::uint8_t>(i), 7, static_cast<std::uint8_t>(200 - i)}));
  }
};

TEST_F(DecodeCacheTest, SecondLoadReadsTheIdenticalSplits) {
  const FolderDataset first = load_image_folder(cached());
  EXPECT_FALSE(first.from_cache);
  ASSERT_TRUE(fs::exists(first.cache_file)) << first.cache_file;
  EXPECT_TRUE(first.cache_file.ends_with(".tnds"));
  const FolderDataset second = load_image_folder(cached());
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.cache_file, first.cache_file);
  expect_same(second.splits, first.splits);
  expect_same(second.splits, load_image_folder(options(1)).splits); // and equal to no cache at all
  // Options that change the result use another file.
  const FolderDataset other = load_image_folder(cached(2));
  EXPECT_FALSE(other.from_cache);
  EXPECT_NE(other.cache_file, first.cache_file);
}

TEST_F(DecodeCacheTest, AModifiedImageInvalidatesIt) {
  const FolderDataset first = load_image_folder(cached());
  write_image(root() / "train/c0/i0.png", 3, 4, 3, flat(3, 4, {99, 99, 99}));
  const FolderDataset second = load_image_folder(cached());
  EXPECT_FALSE(second.from_cache);
  EXPECT_NE(second.cache_file, first.cache_file);
  const Pixels changed = flat(3, 4, {99, 99, 99});
  EXPECT_TRUE(find_image(second.splits.train, changed) >= 0 || find_image(second.splits.val, changed) >= 0 ||
              find_image(second.splits.test, changed) >= 0);
}

TEST_F(DecodeCacheTest, ACorruptOrTruncatedCacheIsRebuilt) {
  const FolderDataset first = load_image_folder(cached());
  std::string bytes = test::read_text(first.cache_file);
  // One flipped pixel byte: the CRC catches it.
  std::string flipped = bytes;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x40);
  std::ofstream(first.cache_file, std::ios::binary) << flipped;
  FolderDataset again = load_image_folder(cached());
  EXPECT_FALSE(again.from_cache);
  expect_same(again.splits, first.splits);
  EXPECT_EQ(test::read_text(first.cache_file), bytes); // rewritten
  EXPECT_TRUE(load_image_folder(cached()).from_cache);
  // Truncated, and a file of other data under the same name.
  for (const std::string& damaged : {bytes.substr(0, bytes.size() - 5), bytes.substr(0, 10), std::string("TNDS"),
                                     std::string("hello, not a cache")}) {
    std::ofstream(first.cache_file, std::ios::binary | std::ios::trunc) << damaged;
    again = load_image_folder(cached());
    EXPECT_FALSE(again.from_cache) << damaged.size();
    expect_same(again.splits, first.splits);
  }
}

TEST_F(DecodeCacheTest, LoadDatasetUsesTheCacheFolderFromTheEnvironment) {
  // What lets `tinynas train` and a later `tinynas eval` share decoded images without an option.
  ::setenv("TINYNAS_DATA_CACHE", cache.path().c_str(), 1);
  const DatasetSplits first = load_dataset(options(1));
  const DatasetSplits second = load_dataset(options(1));
  ::unsetenv("TINYNAS_DATA_CACHE");
  int files = 0;
  for (const auto& e : fs::directory_iterator(cache.path())) files += e.path().extension() == ".tnds";
  EXPECT_EQ(files, 1);
  expect_same(second, first);
}

// ---- bad inputs ----

TEST_F(ImageFolderTest, MixedGreyAndColourNamesBothFiles) {
  write_image(root() / "train/a/grey.png", 2, 2, 1, flat(2, 2, {5}));
  const std::string rgb = write_image(root() / "train/b/rgb.png", 2, 2, 3, flat(2, 2, {1, 2, 3}));
  for (const char* name : {"x.png", "y.png", "z.png"})
    write_image(root() / "train/b" / name, 2, 2, 3, flat(2, 2, {4, 4, 4}));
  expect_bad([&] { load_image_folder(options()); }, rgb, "train/a/grey.png is grey: convert the images to one kind");
}

TEST_F(ImageFolderTest, CorruptAndTruncatedImages) {
  for (const char* name : {"good.png", "fine.png", "ok.png"})
    write_image(root() / "train/a" / name, 4, 4, 1, flat(4, 4, {1}));
  const std::string bad = write_image(root() / "train/a/trunc.png", 16, 16, 1, flat(16, 16, {9}));
  const std::string bytes = test::read_text(bad);
  std::ofstream(bad, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  expect_bad([&] { load_image_folder(options()); }, bad, "cannot be decoded (");
  fs::remove(bad);
  const std::string text = dir.write("train/a/text.png", "this is plain text, not a PNG");
  expect_bad([&] { load_image_folder(options()); }, text, "is not an image stb_image can read (");
  fs::remove(text);
  const std::string empty = dir.write("train/a/empty.jpg", "");
  expect_bad([&] { load_image_folder(options()); }, empty, "is not an image");
  fs::remove(empty);
  // stb_image itself would decode the missing pixels of a PGM or PPM from uninitialised memory.
  const std::string short_pgm = dir.write("train/a/short.pgm", "P5\n# 4 x 4 grey\n4 4\n255\n" + std::string(10, '\7'));
  expect_bad([&] { load_image_folder(options()); }, short_pgm,
             "is truncated: its header announces 16 bytes of pixels, the file holds 10");
  fs::remove(short_pgm);
  const std::string short_ppm = dir.write("train/a/short.ppm", "P6 2 2 65535\n" + std::string(23, '\7'));
  expect_bad([&] { load_image_folder(options()); }, short_ppm,
             "is truncated: its header announces 24 bytes of pixels, the file holds 23");
}

TEST_F(ImageFolderTest, LayoutErrorsNameTheFolder) {
  fs::create_directories(root() / "train");
  expect_bad([&] { load_image_folder(options()); }, (root() / "train").string(), "holds no class folders");
  fs::create_directories(root() / "train/empty");
  dir.write("train/empty/README.txt", "no images here");
  expect_bad([&] { load_image_folder(options()); }, (root() / "train/empty").string(),
             "the class folder holds no images");
  fs::remove_all(root() / "train/empty");
  write_image(root() / "train/a/x.pgm", 1, 1, 1, {1});
  const std::string loose = write_image(root() / "train/loose.png", 1, 1, 1, {1});
  expect_bad([&] { load_image_folder(options()); }, loose, "is not inside a class folder");
  fs::remove(loose);
  write_image(root() / "val/zebra/z.pgm", 1, 1, 1, {1});
  expect_bad([&] { load_image_folder(options()); }, (root() / "val/zebra").string(),
             "is a class folder that train/ does not have");
  fs::remove_all(root() / "val/zebra");
  expect_bad([&] { load_image_folder(options()); }, (root() / "val").string(), "holds no class folders");
}

TEST_F(ImageFolderTest, TooManyClasses) {
  numbered({"a", "b", "c"}, 1);
  DatasetOptions o = options();
  o.classes = 2;
  expect_bad([&] { load_image_folder(o); }, (root() / "train").string(), "has 3 class folders but `classes` is 2");
  ScratchDir many;
  for (int c = 0; c <= kFolderMaxClasses; ++c)
    write_image(many.path() / "train" / ("class" + std::to_string(1000 + c)) / "x.pgm", 1, 1, 1, {1});
  o.dir = many.path().string();
  o.classes = 1000;
  expect_bad([&] { load_image_folder(o); }, (many.path() / "train").string(), "at most 256 are supported");
}

TEST_F(ImageFolderTest, MemoryBoundsCheckedBeforeDecoding) {
  // A PGM header claiming 5000 columns: refused from the header alone (there are no pixels).
  numbered({"a"}, 10);
  const std::string huge = dir.write("train/a/huge.pgm", "P5\n5000 10\n255\n");
  expect_bad([&] { load_image_folder(options()); }, huge, "over 4096 pixels on a side");
  fs::remove(huge);
  FolderOptions tight;
  tight.input_size = {10, 10};
  tight.max_decoded_bytes = 999; // 10 images of 100 bytes
  expect_bad([&] { load_image_folder(options(), tight); }, root().string(), "would take 1000 bytes decoded");
}

TEST_F(ImageFolderTest, BadOptions) {
  numbered({"a"}, 3);
  FolderOptions half;
  half.input_size = {8, 0};
  EXPECT_THROW(load_image_folder(options(), half), Error);
  try {
    load_image_folder(options(2)); // 2 + 2 held out of 3
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.field(), "val_size");
  }
}

} // namespace
} // namespace tinynas

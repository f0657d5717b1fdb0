// dataset.json, the input normalisation measured or given, the auto-sized validation split, and
// the checks that tie a description to the data it sits beside.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "dataset/dataset_test_support.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/dataset/description.hpp"
#include "tinynas/dataset/normalization.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using test::expect_bad;
using test::idx_bytes;
using test::ScratchDir;

// An IDX folder of `count` 2x2 grey images: image i is filled with i; label i % 3.
std::string idx_folder(const ScratchDir& dir, int count) {
  std::vector<std::uint8_t> pixels, labels;
  for (int i = 0; i < count; ++i) {
    for (int p = 0; p < 4; ++p) pixels.push_back(static_cast<std::uint8_t>(i));
    labels.push_back(static_cast<std::uint8_t>(i % 3));
  }
  const auto n = static_cast<std::uint32_t>(count);
  dir.write("train-images-idx3-ubyte", idx_bytes({n, 2, 2}, pixels));
  dir.write("train-labels-idx1-ubyte", idx_bytes({n}, labels));
  dir.write("t10k-images-idx3-ubyte", idx_bytes({n, 2, 2}, pixels));
  dir.write("t10k-labels-idx1-ubyte", idx_bytes({n}, labels));
  return dir.path().string();
}

DatasetSplits load(const std::string& folder, int val_size = 0) {
  DatasetOptions o;
  o.dir = folder;
  o.val_size = val_size;
  return load_dataset(o);
}

TEST(DatasetDescription, ParsesEveryField) {
  const DatasetDescription d = parse_dataset_description(
      R"({"mean": [0.5, 0.25, 0], "std": [0.5, 0.25, 1], "flip": false, "input_size": [32, 24],
          "classes": ["cat", "dog"]})",
      "dataset.json");
  EXPECT_EQ(d.file, "dataset.json");
  EXPECT_EQ(*d.mean, (std::vector<float>{0.5f, 0.25f, 0.0f}));
  EXPECT_EQ(*d.std, (std::vector<float>{0.5f, 0.25f, 1.0f}));
  EXPECT_EQ(d.flip, false);
  EXPECT_EQ(d.input_rows, 32);
  EXPECT_EQ(d.input_cols, 24);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog"}));
  const DatasetDescription empty = parse_dataset_description("{}", "d.json");
  EXPECT_FALSE(empty.mean.has_value());
  EXPECT_FALSE(empty.flip.has_value());
}

TEST(DatasetDescription, RejectsMalformedFieldsByName) {
  auto bad = [](const std::string& text, const std::string& fragment) {
    expect_bad([&] { parse_dataset_description(text, "d.json"); }, "d.json", fragment);
  };
  bad(R"({"flips": false})", "unknown key");
  bad(R"({"mean": [0.5]})", "give both");
  bad(R"({"mean": [0.5, 0.5], "std": [0.5]})", "has 1 channels");
  bad(R"({"mean": [0.5], "std": [0]})", "must be in (0, 1]");
  bad(R"({"mean": [128], "std": [0.5]})", "must be in [0, 1]");
  bad(R"({"input_size": [0, 3]})", "must be [rows, cols]");
  bad(R"({"classes": []})", "1 to 256 class names");
  bad(R"({"classes": ["a", ""]})", "must not be empty");
  bad(R"({"flip": "no"})", "flip");
  bad(R"([1, 2])", "must be a JSON object");
}

TEST(InputNormalization, MeasuredPerChannelByHand) {
  ImageSet rgb;
  rgb.rows = 1;
  rgb.cols = 2;
  rgb.channels = 3;
  // Two pixels: R = 0 and 255, G = 51 twice, B = 255 and 255.
  rgb.pixels = {0, 51, 255, 255, 51, 255};
  rgb.labels = {0};
  const InputNormalization n = measure_normalization(rgb);
  ASSERT_EQ(n.channels(), 3);
  EXPECT_FLOAT_EQ(n.mean[0], 0.5f);
  EXPECT_FLOAT_EQ(n.std[0], 0.5f);
  EXPECT_FLOAT_EQ(n.mean[1], 0.2f);
  // A constant channel gets a tiny floored std, never zero.
  EXPECT_GT(n.std[1], 0.0f);
  EXPECT_LT(n.std[1], 1e-5f);
  EXPECT_FLOAT_EQ(n.mean[2], 1.0f);
  // The map every consumer uses: (p / 255 - mean) / std.
  EXPECT_FLOAT_EQ(255.0f * n.scale(0) + n.shift(0), 1.0f);
  EXPECT_FLOAT_EQ(0.0f * n.scale(0) + n.shift(0), -1.0f);
  EXPECT_THROW(n.check(1, "x"), Error);
  EXPECT_THROW((InputNormalization{{0.5f}, {0.0f}}).check(1, "x"), Error);
  EXPECT_NO_THROW(n.check(3, "x"));
}

TEST(DatasetSplits, ValidationIsATenthByDefaultAtMost5000) {
  ScratchDir dir;
  const std::string folder = idx_folder(dir, 50);
  DatasetSplits s = load(folder);
  EXPECT_EQ(s.val.size(), 5); // a tenth of 50
  EXPECT_EQ(s.train.size(), 45);
  EXPECT_EQ(s.val.image(0)[0], 45); // held out from the end
  s = load(folder, 7);
  EXPECT_EQ(s.val.size(), 7);
  try {
    load(folder, 50);
    FAIL() << "holding out everything was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("leaves nothing to train on"), std::string::npos) << e.what();
  }
  // Fashion-MNIST's 60,000 training images keep the 5,000 every earlier run held out.
  EXPECT_EQ(std::min(60000 / 10, kAutoHeldOutMax), 5000);
}

TEST(DatasetSplits, DescriptionBesideTheDataIsAppliedAndChecked) {
  ScratchDir dir;
  const std::string folder = idx_folder(dir, 30);
  // Without dataset.json: measured normalisation, flips allowed, no class names.
  DatasetSplits s = load(folder);
  EXPECT_EQ(s.description.file, "");
  EXPECT_TRUE(dataset_allows_flip(s));
  EXPECT_EQ(dataset_normalization(s).mean, measure_normalization(s.train).mean);
  EXPECT_NE(describe_dataset(s).find("measured on the training split"), std::string::npos) << describe_dataset(s);

  const std::string json = dir.write("dataset.json", R"({"mean": [0.1], "std": [0.2], "flip": false,
                                                         "classes": ["zero", "one", "two"]})");
  s = load(folder);
  EXPECT_EQ(s.description.file, json);
  EXPECT_FALSE(dataset_allows_flip(s));
  EXPECT_EQ(dataset_normalization(s).mean, std::vector<float>{0.1f});
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"zero", "one", "two"}));
  EXPECT_NE(describe_dataset(s).find("horizontal flips off"), std::string::npos) << describe_dataset(s);

  dir.write("dataset.json", R"({"mean": [0.1, 0.1, 0.1], "std": [0.2, 0.2, 0.2]})");
  expect_bad([&] { load(folder); }, json, "mean and std for 3 channels; the images have 1");
  dir.write("dataset.json", R"({"input_size": [28, 28]})");
  expect_bad([&] { load(folder); }, json, "says input_size 28x28 but the images are 2x2");
  dir.write("dataset.json", R"({"classes": ["zero", "one"]})");
  expect_bad([&] { load(folder); }, json, "names 2 classes but the data has label 2");
  dir.write("dataset.json", R"({"mean": )");
  expect_bad([&] { load(folder); }, json, "truncated");
}

} // namespace
} // namespace tinynas

// A user's own folder of colour images through the commands: Fashion-MNIST written by the test as
// tinted PNGs in DIR/train/<class>/ (the class is in the shape, the tint is random), a space
// that takes RGB, `train --classes-from-data`, `eval` naming the classes, then `finetune` and
// `eval --model`. The tiny test space keeps it fast; the shipped mcunet space's RGB training is
// tested from Python (tests/python/test_supernet_and_profile.py).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <stb_image_write.h>

#include "eval_command.hpp"
#include "finetune_command.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/dataset/idx.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "train_command.hpp"

namespace tinynas::cli {
namespace {

namespace fs = std::filesystem;

const char* const kClasses[] = {"pullover", "t-shirt", "trouser"}; // sorted: folder order is label order
const int kFashionLabel[] = {2, 0, 1};                             // Fashion-MNIST's label of each

class RgbFolderCliTest : public ::testing::Test {
protected:
  test::ScratchDir dir;
  std::string data, space;

  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    const std::string fm = default_dataset_dir();
    const ImageSet grey = read_idx_pair(fm + "/t10k-images-idx3-ubyte.gz", fm + "/t10k-labels-idx1-ubyte.gz", 10);
    Rng rng(5);
    int written[3] = {0, 0, 0};
    std::vector<std::uint8_t> rgb(28 * 28 * 3);
    for (int i = 0; i < grey.size() && written[0] + written[1] + written[2] < 3 * 100; ++i)
      for (int c = 0; c < 3; ++c) {
        if (grey.labels[static_cast<std::size_t>(i)] != kFashionLabel[c] || written[c] == 100) continue;
        // A random tint per image: colour carries no class information.
        float tint[3];
        for (float& t : tint) t = 0.4f + 0.6f * static_cast<float>(rng.uniform());
        for (int p = 0; p < 28 * 28; ++p)
          for (int ch = 0; ch < 3; ++ch)
            rgb[static_cast<std::size_t>(p * 3 + ch)] =
                static_cast<std::uint8_t>(static_cast<float>(grey.image(i)[p]) * tint[ch]);
        const fs::path file = dir.path() / "train" / kClasses[c] / (std::to_string(i) + ".png");
        fs::create_directories(file.parent_path());
        ASSERT_NE(stbi_write_png(file.c_str(), 28, 28, 3, rgb.data(), 28 * 3), 0) << file;
        ++written[c];
      }
    data = dir.path().string();
    // The tiny test space, taking RGB, with more classes than the folder has.
    auto j = nlohmann::json::parse(test::read_text(test::source_path("tests/data/supernet/tiny_space.json")));
    j["input_channels"] = 3;
    j["num_classes"] = 10;
    space = dir.write("rgb_space.json", j.dump());
  }
};

TEST_F(RgbFolderCliTest, TrainEvalFinetuneOnAColourImageFolder) {
  TrainOptions t;
  t.space = space;
  t.out = (dir.path() / "rgb.supernet").string();
  t.data = data;
  t.epochs = 8;
  t.batch_size = 32;
  t.seed = 1;
  // The folder names 3 classes, the space has 10: refused, naming the fix.
  try {
    run_train(t);
    FAIL() << "3 class folders trained a 10-class space";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--classes-from-data"), std::string::npos) << e.what();
  }
  t.classes_from_data = true;
  t.json = true;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_train(t), 0);
  const auto summary = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_TRUE(summary["finished"].get<bool>());
  // Three shapes the network can tell apart whatever the tint: better than chance (1/3).
  EXPECT_GT(summary["last_epoch"]["val_largest"].get<double>(), 0.6);

  const Supernet s = Supernet::load(t.out);
  EXPECT_EQ(s.space().num_classes, 3);
  EXPECT_EQ(s.space().input_channels, 3);
  EXPECT_EQ(s.class_names(), (std::vector<std::string>{"pullover", "t-shirt", "trouser"}));
  EXPECT_EQ(s.input_normalization().channels(), 3);
  // The decode cache sits next to the supernet.
  bool cached = false;
  for (const auto& entry : fs::directory_iterator(dir.path())) cached |= entry.path().extension() == ".tnds";
  EXPECT_TRUE(cached);

  EvalOptions e;
  e.supernet = t.out;
  e.arch = "largest";
  e.accuracy.data_dir = data;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_eval(e), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("classes: 0 pullover, 1 t-shirt, 2 trouser"),
            std::string::npos);

  FinetuneCommandOptions f;
  f.supernet = t.out;
  f.arch = "smallest";
  f.out = (dir.path() / "rgb.model").string();
  f.data = data;
  f.epochs = 2;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_finetune(f), 0);
  testing::internal::GetCapturedStdout();
  EvalOptions m;
  m.model = f.out;
  m.accuracy.data_dir = data;
  m.accuracy.split = "test"; // held out of train/ (the folder has no test/)
  m.accuracy.int8 = true;
  m.accuracy.calibration_images = 40;
  m.json = true;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_eval(m), 0);
  const auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(j["classes"], (nlohmann::json{"pullover", "t-shirt", "trouser"}));
  EXPECT_EQ(j["images"], 30); // a tenth of 300
  EXPECT_GE(j["int8"]["agreement"].get<double>(), 0.8);
}

} // namespace
} // namespace tinynas::cli

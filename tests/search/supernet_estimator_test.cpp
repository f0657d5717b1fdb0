// The `supernet` estimator wired into the search: accuracies of inherited-weight subnets on the
// validation split, one width only, a clear refusal of a supernet of another space. Uses an
// untrained supernet (the plumbing, not the accuracy, is under test) and Debian's Fashion-MNIST.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "search_test_support.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/search/search_options.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {
namespace {

using testing::scratch_dir;

bool dataset_installed() {
  return std::filesystem::exists(std::filesystem::path(default_dataset_dir()) / "train-labels-idx1-ubyte.gz");
}

// An untrained supernet of the shipped fashion_mnist space at its largest width, saved to a file.
std::string saved_supernet(const std::string& dir, double* width = nullptr) {
  SearchSpace space = SearchSpace::load("fashion_mnist");
  Supernet supernet(space, space.width_mults.back(), /*seed=*/3);
  if (width) *width = supernet.width();
  std::string path = dir + "/untrained.supernet";
  supernet.save(path);
  return path;
}

TEST(SupernetEstimator, ScoresAreAccuraciesOfTheSupernetsWidthAndDeterministic) {
  if (!dataset_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = scratch_dir();
  double width = 0;
  EstimatorOptions options;
  options.supernet = saved_supernet(dir, &width);
  options.eval_images = 100;
  options.calibration_batches = 2;
  SearchSpace space = SearchSpace::load("fashion_mnist");
  auto estimator = make_estimator("supernet", space, options);
  EXPECT_EQ(estimator->name(), "supernet");
  EXPECT_FALSE(estimator->is_proxy());
  EXPECT_DOUBLE_EQ(estimator->required_width(), width);

  Rng rng(1);
  std::vector<Arch> archs = {sample_arch(space, rng, width, space.resolutions.front()),
                             sample_arch(space, rng, width, space.resolutions.back())};
  std::vector<double> first = estimator->evaluate(archs);
  ASSERT_EQ(first.size(), 2u);
  for (double a : first) {
    EXPECT_GE(a, 0.0);
    EXPECT_LE(a, 1.0);
    // 100 images: every accuracy is a whole number of percent.
    EXPECT_NEAR(a * 100, std::round(a * 100), 1e-9);
  }
  // The same arch alone, or in another order, scores the same.
  EXPECT_EQ(estimator->evaluate({archs[1]})[0], first[1]);
  EXPECT_EQ(estimator->evaluate({archs[1], archs[0]}), (std::vector<double>{first[1], first[0]}));
}

TEST(SupernetEstimator, RefusesASupernetOfAnotherSpace) {
  if (!dataset_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  EstimatorOptions options;
  options.supernet = saved_supernet(scratch_dir());
  try {
    make_estimator("supernet", testing::mcunet(), options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), options.supernet);
    EXPECT_NE(std::string(e.what()).find("trained on space \"fashion_mnist\""), std::string::npos) << e.what();
  }
}

// A small search over the fashion_mnist space scored by the supernet at `supernet` (one generation).
SearchConfig small_supernet_search(const std::string& supernet) {
  SearchConfig config;
  config.space = SearchSpace::load("fashion_mnist");
  config.constraints =
      make_constraints(testing::f746(), parse_size("96K"), parse_size("512K"), {}, Schedule::kInplaceDw);
  config.estimator = "supernet";
  config.estimator_options.supernet = supernet;
  config.estimator_options.eval_images = 50;
  config.estimator_options.calibration_batches = 1;
  config.stage1.samples = 20;
  config.evolution.population = 6;
  config.evolution.parents = 2;
  config.evolution.generations = 1;
  return config;
}

TEST(SupernetEstimator, SearchStaysAtTheSupernetsWidth) {
  if (!dataset_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = scratch_dir();
  SearchConfig config = small_supernet_search(saved_supernet(dir));
  auto estimator = make_estimator(config.estimator, config.space, config.estimator_options);

  // Without the width restriction the search refuses to start.
  EXPECT_THROW(run_search(config, *estimator, ""), Error);
  config.stage1.fixed_width = estimator->required_width();
  SearchResult result = run_search(config, *estimator, dir + "/run");
  EXPECT_DOUBLE_EQ(result.stage1.chosen_pair().width, estimator->required_width());
  for (const Evaluation& e : result.evolution.history) EXPECT_DOUBLE_EQ(e.arch.width, estimator->required_width());
  EXPECT_FALSE(result.evolution.proxy);
  // The configuration, supernet included, survives the checkpoint.
  SearchConfig stored = read_search_config(dir + "/run");
  EXPECT_EQ(stored.estimator_options.supernet, config.estimator_options.supernet);
  EXPECT_DOUBLE_EQ(stored.stage1.fixed_width, config.stage1.fixed_width);
}

// A resumed search knows its supernet by its weights: moved to another path it continues; other weights at the
// same path are refused, naming the file (scores of two supernets would be ranked together otherwise).
TEST(SupernetEstimator, AResumedSearchKnowsItsSupernetByItsWeights) {
  if (!dataset_installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  namespace fs = std::filesystem;
  const std::string dir = scratch_dir();
  SearchConfig config = small_supernet_search(saved_supernet(dir));
  auto estimator = make_estimator(config.estimator, config.space, config.estimator_options);
  adopt_estimator(config, *estimator);
  run_search(config, *estimator, dir + "/run");
  const std::uint32_t crc = Supernet::load(config.estimator_options.supernet).weights_crc32();
  EXPECT_EQ(read_checkpoint(dir + "/run").fingerprint, fmt::format("supernet weights crc32 {:08x}", crc));

  SearchConfig moved = config;
  moved.estimator_options.supernet = dir + "/moved.supernet";
  fs::rename(config.estimator_options.supernet, moved.estimator_options.supernet);
  moved.evolution.generations = 2;
  auto moved_estimator = make_estimator(moved.estimator, moved.space, moved.estimator_options);
  const SearchResult continued = resume_search(dir + "/run", moved, *moved_estimator);
  EXPECT_EQ(continued.evolution.generations, 2);
  EXPECT_EQ(read_search_config(dir + "/run").estimator_options.supernet, moved.estimator_options.supernet);

  Supernet(config.space, config.stage1.fixed_width, /*seed=*/4).save(moved.estimator_options.supernet);
  moved.evolution.generations = 3;
  auto other_estimator = make_estimator(moved.estimator, moved.space, moved.estimator_options);
  try {
    resume_search(dir + "/run", moved, *other_estimator);
    FAIL() << "a supernet with other weights was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "supernet");
    EXPECT_NE(std::string(e.what()).find(moved.estimator_options.supernet + " is not the supernet"), std::string::npos)
        << e.what();
  }
}

} // namespace
} // namespace tinynas

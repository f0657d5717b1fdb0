#pragma once
// Shared fixtures of the supernet tests: the tiny test space and random image sets (plus the dataset
// tests' IDX files and bad-file check, dataset/dataset_test_support.hpp).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/dataset_test_support.hpp"
#include "test_support.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::test {

inline SearchSpace tiny_space() { return SearchSpace::load(source_path("tests/data/supernet/tiny_space.json")); }

// `count` images of rows x cols whose label is visible in the pixels (a bright square whose
// position encodes the class, plus noise), so a few training steps measurably learn something.
inline ImageSet pattern_images(int count, int classes, std::uint64_t seed, int rows = 28, int cols = 28) {
  ImageSet set;
  set.rows = rows;
  set.cols = cols;
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int label = static_cast<int>(rng.index(static_cast<std::uint64_t>(classes)));
    set.labels.push_back(static_cast<std::uint8_t>(label));
    const int top = (rows / 4) * (label % 2) + 2, left = (cols / (classes + 1)) * label + 1;
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x) {
        const bool on = y >= top && y < top + rows / 3 && x >= left && x < left + cols / 4;
        set.pixels.push_back(static_cast<std::uint8_t>((on ? 180 : 20) + rng.index(60)));
      }
  }
  return set;
}

// The archs a test runs over: the supernet's largest and smallest subnets and four more drawn at width 1.
inline std::vector<Arch> largest_smallest_and_four(const Supernet& supernet, const SearchSpace& space,
                                                   std::uint64_t seed) {
  std::vector<Arch> archs{supernet.largest(), supernet.smallest()};
  Rng rng(seed);
  for (int i = 0; i < 4; ++i) archs.push_back(sample_arch(space, rng, 1.0, 0));
  return archs;
}

// The sum of a run's epoch times, in order: a run's time is made of its epochs' (validation included,
// and for an epoch resumed inside, its time before the stop).
inline double epoch_seconds(const TrainResult& result) {
  double sum = 0;
  for (const EpochReport& e : result.epochs) sum += e.seconds;
  return sum;
}

} // namespace tinynas::test

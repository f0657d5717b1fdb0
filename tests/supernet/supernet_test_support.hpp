#pragma once
// Shared fixtures of the supernet tests: the tiny test space, random image sets, IDX files, and the check
// that a dataset reader rejects a file by name.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/dataset.hpp"

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

// The bytes of an IDX file of unsigned bytes: magic 0 0 8 ndims, big-endian dims, data.
inline std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::string out = {0, 0, 8, static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((d >> shift) & 0xFF);
  out.append(data.begin(), data.end());
  return out;
}

// Expects `read` to throw Error(kInvalidFile) naming `path` with `fragment` in the message.
template <typename F>
void expect_bad(F read, const std::string& path, const std::string& fragment) {
  try {
    read();
    ADD_FAILURE() << "no error for " << path << " (expected: " << fragment << ")";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << e.what();
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

} // namespace tinynas::test

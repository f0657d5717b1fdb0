#pragma once
// Shared by the dataset tests (and the supernet tests that write datasets): IDX file bytes and the
// check that a dataset reader rejects a file by name.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::test {

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

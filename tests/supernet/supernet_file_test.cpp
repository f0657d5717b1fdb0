// The supernet file format: round trip, and rejection (with the file named) of other files, newer
// versions, truncation, corruption and parameter tables that do not match their space.

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include <zlib.h>

#include "supernet_impl.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {
namespace {

using test::ScratchDir;

// Rewrites the trailing CRC-32 so a deliberate edit is seen by the checks after the checksum.
std::string with_crc(std::string bytes) {
  bytes.resize(bytes.size() - 4);
  const auto crc = static_cast<std::uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  bytes.append(reinterpret_cast<const char*>(&crc), 4);
  return bytes;
}

void expect_rejected(const std::string& path, const std::string& fragment) {
  try {
    Supernet::load(path);
    ADD_FAILURE() << "loaded " << path;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

class SupernetFileTest : public ::testing::Test {
protected:
  ScratchDir dir;
  Supernet original{test::tiny_space(), 1.0, 11, KernelTransform::kOfaMatrix};
  std::string path = dir.write("s.supernet", "");
  std::string bytes;
  void SetUp() override {
    original.set_input_normalization(InputNormalization::uniform(1, 0.25f, 0.5f));
    original.save(path);
    bytes = test::read_text(path);
  }
};

TEST_F(SupernetFileTest, RoundTripKeepsEverything) {
  const Supernet loaded = Supernet::load(path);
  EXPECT_EQ(loaded.space().to_json(), original.space().to_json());
  EXPECT_EQ(loaded.width(), 1.0);
  EXPECT_EQ(loaded.kernel_transform(), KernelTransform::kOfaMatrix);
  EXPECT_EQ(loaded.input_normalization().mean, std::vector<float>{0.25f});
  EXPECT_EQ(loaded.input_normalization().std, std::vector<float>{0.5f});
  ASSERT_EQ(loaded.parameter_count(), original.parameter_count());
  const auto& a = original.impl().params;
  const auto& b = loaded.impl().params;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * 4), 0);
  EXPECT_EQ(loaded.parameters().front().name, "first_conv.weight");
  EXPECT_EQ(loaded.parameters().front().shape, (std::vector<int>{4, 1, 3, 3}));
  EXPECT_EQ(bytes.substr(0, 8), "TNSUPNET");
  EXPECT_TRUE(loaded.class_names().empty());
}

TEST_F(SupernetFileTest, ClassNamesAndPerChannelNormalisationRoundTrip) {
  SearchSpace rgb = test::tiny_space();
  rgb.input_channels = 3;
  Supernet s(rgb, 1.0, 3);
  s.set_input_normalization({{0.1f, 0.2f, 0.3f}, {0.4f, 0.5f, 0.6f}});
  std::vector<std::string> names(static_cast<std::size_t>(rgb.num_classes));
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = "class " + std::to_string(i);
  s.set_class_names(names);
  const std::string file = dir.write("rgb.supernet", "");
  s.save(file);
  const Supernet loaded = Supernet::load(file);
  EXPECT_EQ(loaded.input_normalization().mean, (std::vector<float>{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(loaded.input_normalization().std, (std::vector<float>{0.4f, 0.5f, 0.6f}));
  EXPECT_EQ(loaded.class_names(), names);
  EXPECT_EQ(loaded.clone().class_names(), names);
  // Counts that do not fit the space are refused.
  EXPECT_THROW(s.set_class_names({"a"}), Error);
  EXPECT_THROW(s.set_input_normalization({{0.5f}, {0.5f}}), Error);
}

TEST_F(SupernetFileTest, DamagedOrForeignFilesAreRejected) {
  expect_rejected(dir.write("text", "{\"format\": \"tinynas-space\"}"), "no TNSUPNET magic");
  expect_rejected(dir.write("short", bytes.substr(0, 10)), "truncated");
  expect_rejected(dir.write("cut", bytes.substr(0, bytes.size() / 2)), "checksum");
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  expect_rejected(dir.write("flip", flipped), "checksum");
  std::string newer = bytes;
  newer[8] = 3; // format version 3
  expect_rejected(dir.write("newer", with_crc(newer)), "format version 3; this TinyNAS reads versions 1 and 2");
  // A header whose parameter table names another layout (edited, checksum fixed).
  std::string renamed = bytes;
  const auto at = renamed.find("first_conv.weight");
  ASSERT_NE(at, std::string::npos);
  renamed[at] = 'F';
  expect_rejected(dir.write("renamed", with_crc(renamed)), "does not match the space's \"first_conv.weight\"");
  // Extra bytes before the checksum.
  std::string longer = bytes.substr(0, bytes.size() - 4) + "junk" + bytes.substr(bytes.size() - 4);
  expect_rejected(dir.write("longer", with_crc(longer)), "unexpected bytes after the last section");
}

TEST_F(SupernetFileTest, SaveIsAtomicAndLeavesNoTemporary) {
  original.save(path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_THROW(original.save(dir.write("x", "") + "/no/such/dir/s.supernet"), Error);
}

TEST_F(SupernetFileTest, CloneIsDeep) {
  Supernet copy = original.clone();
  copy.impl().params[0] += 1.0f;
  EXPECT_NE(copy.impl().params[0], original.impl().params[0]);
  EXPECT_EQ(copy.impl().params[1], original.impl().params[1]);
}

} // namespace
} // namespace tinynas

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {
namespace {

using nlohmann::json;

Error load_error(const std::string& path) {
  try {
    load_model(path);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "loaded " << path;
  return Error(ErrorCode::kInternal, "no error");
}

TEST(LoadModel, ArchFileOfTheDefaultSpace) {
  SearchSpace space = SearchSpace::load("mcunet");
  Rng rng(5);
  Arch arch = sample_arch(space, rng);
  test::ScratchDir dir;
  std::string path = dir.write("arch.json", arch_to_json(arch, space));
  LoadedModel m = load_model(path);
  ASSERT_TRUE(m.arch);
  EXPECT_EQ(*m.arch, arch);
  EXPECT_EQ(m.space_name, "mcunet");
  EXPECT_EQ(m.file, path);
  EXPECT_EQ(m.net.name, arch.id());
  EXPECT_EQ(m.net.blocks.size(), lower_to_net(space, arch).blocks.size());
}

TEST(LoadModel, ArchFileNamingAnotherSpaceUsesThatSpace) {
  SearchSpace fm = SearchSpace::load("fashion_mnist");
  test::ScratchDir dir;
  std::string path = dir.write("fm.json", arch_to_json(largest_arch(fm, fm.width_mults.back(), 28), fm));
  LoadedModel m = load_model(path, "mcunet");
  ASSERT_TRUE(m.arch);
  EXPECT_EQ(m.space_name, "fashion_mnist");
  EXPECT_EQ(m.net.input_channels, 1);
  EXPECT_EQ(m.net.num_classes, 10);
  EXPECT_EQ(m.net.resolution, 28);
}

TEST(LoadModel, ArchFileWithoutASpaceUsesTheDefault) {
  SearchSpace fm = SearchSpace::load("fashion_mnist");
  json j = json::parse(arch_to_json(smallest_arch(fm, fm.width_mults.front(), fm.resolutions.front()), fm));
  j.erase("space");
  test::ScratchDir dir;
  std::string path = dir.write("fm.json", j.dump());
  EXPECT_EQ(load_model(path, "fashion_mnist").space_name, "fashion_mnist");
  // Read as an mcunet arch it has 4 stages instead of 6, and the error says where.
  Error e = load_error(path);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(e.file(), path);
  EXPECT_EQ(e.field(), "/stages");
  EXPECT_NE(e.message().find("has 4 stages"), std::string::npos) << e.what();
}

TEST(LoadModel, NetConfigInTheSpaceGetsItsArch) {
  LoadedModel m = load_model(test::mcunet_in3_path());
  EXPECT_EQ(m.net.resolution, 176);
  EXPECT_EQ(m.net.blocks.size(), 18u);
  ASSERT_TRUE(m.arch);
  EXPECT_EQ(m.space_name, "mcunet");
  EXPECT_DOUBLE_EQ(m.arch->width, 0.5);
}

TEST(LoadModel, NetConfigOutsideTheSpaceIsStillANet) {
  json j = json::parse(test::read_text(test::mcunet_in0_path()));
  j["resolution"] = 50; // not a resolution of the mcunet space, but a valid network
  test::ScratchDir dir;
  std::string path = dir.write("in0-50.json", j.dump());
  LoadedModel m = load_model(path);
  EXPECT_FALSE(m.arch);
  EXPECT_TRUE(m.space_name.empty());
  EXPECT_EQ(m.net.resolution, 50);
  // No default space: no mapping attempted.
  EXPECT_FALSE(load_model(test::mcunet_in3_path(), "").arch);
}

TEST(LoadModel, FileThatIsNeitherSaysWhatItExpected) {
  test::ScratchDir dir;
  std::string path = dir.write("space.json", test::read_text(test::source_path("configs/spaces/mcunet.json")));
  Error e = load_error(path);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(e.file(), path);
  EXPECT_NE(e.message().find("neither a TinyNAS arch"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("net config"), std::string::npos) << e.what();
}

TEST(LoadModel, MalformedAndMissingFiles) {
  test::ScratchDir dir;
  std::string path = dir.write("broken.json", "{\"format\": \"tinynas-arch\", ");
  Error e = load_error(path);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(e.file(), path);
  EXPECT_NE(e.message().find("malformed JSON"), std::string::npos) << e.what();

  Error missing = load_error("/nonexistent/model.json");
  EXPECT_EQ(missing.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(missing.file(), "/nonexistent/model.json");
}

} // namespace
} // namespace tinynas

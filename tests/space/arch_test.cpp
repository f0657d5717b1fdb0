#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {
namespace {

using nlohmann::json;

// mcunet-in3 as an arch of the mcunet space (read off the net config by hand: blocks 1-4 give
// 16 channels, 5-7 24, 8-10 40, 11-13 48, 14-16 96, 17 160).
Arch mcunet_in3_arch() {
  Arch a;
  a.width = 0.5;
  a.resolution = 176;
  a.stages = {{4, {7, 3, 7, 5}, {3, 5, 5, 4}}, {3, {5, 5, 5, 3}, {5, 5, 5, 3}}, {3, {3, 7, 5, 3}, {5, 6, 4, 3}},
              {3, {5, 7, 3, 3}, {5, 5, 5, 3}}, {3, {3, 7, 3, 3}, {6, 5, 4, 3}}, {1, {7}, {5}}};
  return a;
}

class ArchTest : public ::testing::Test {
protected:
  SearchSpace space = SearchSpace::load("mcunet");
};

TEST_F(ArchTest, IdSpellsOutActiveGenesOnly) {
  Arch a = mcunet_in3_arch();
  EXPECT_EQ(a.id(), "w0.5-r176-k7375e3554-k555e555-k375e564-k573e555-k373e654-k7e5");
  // Inactive slots do not change the network, so they do not change the id.
  Arch b = a;
  b.stages[1].kernels[3] = 7;
  b.stages[1].expands[3] = 6;
  EXPECT_EQ(b.id(), a.id());
  EXPECT_EQ(a, b);
  b.stages[1].kernels[2] = 7;
  EXPECT_NE(b.id(), a.id());
  EXPECT_FALSE(a == b);

  EXPECT_EQ(largest_arch(space, 1.0, 224).id(), "w1-r224-k7777e6666-k7777e6666-k7777e6666-k7777e6666-k7777e6666-k7e6");
  EXPECT_EQ(smallest_arch(space, 0.2, 48).id(), "w0.2-r48-k33e33-k33e33-k33e33-k33e33-k33e33-k3e3");
}

TEST_F(ArchTest, IdRoundTripsThroughArchFromId) {
  Arch in3 = mcunet_in3_arch();
  Arch parsed = arch_from_id(in3.id(), space);
  EXPECT_EQ(parsed.id(), in3.id());
  EXPECT_DOUBLE_EQ(parsed.width, 0.5);
  EXPECT_EQ(parsed.resolution, 176);
  EXPECT_EQ(parsed.stages[0].depth, 4);
  EXPECT_EQ(parsed.stages[2].kernels[1], 7);

  Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    Arch a = sample_arch(space, rng);
    EXPECT_EQ(arch_from_id(a.id(), space).id(), a.id());
  }
}

TEST_F(ArchTest, IdsOfGenesAboveNineAreParenthesised) {
  std::string text = space.to_json();
  json j = json::parse(text);
  j["stages"][0]["kernels"] = {3, 11};
  SearchSpace wide = SearchSpace::from_json(j.dump());
  Arch a = smallest_arch(wide, 0.5, 96);
  a.stages[0].kernels[1] = 11;
  EXPECT_EQ(a.id(), "w0.5-r96-k3(11)e33-k33e33-k33e33-k33e33-k33e33-k3e3");
  EXPECT_EQ(arch_from_id(a.id(), wide).stages[0].kernels[1], 11);
}

TEST_F(ArchTest, MalformedIdsAreRejected) {
  for (const char* bad :
       {"", "w0.5-r176", "x0.5-r176-k3e3-k33e33-k33e33-k33e33-k33e33-k3e3",
        "w0.5-r176-k33e3-k33e33-k33e33-k33e33-k33e33-k3e3", "w0.5-r176-k33e33-k33e33-k33e33-k33e33-k33e33-k3e3-k3e3",
        "w0.5-r176-k3(5e33-k33e33-k33e33-k33e33-k33e33-k3e3", "w0.5-r176-k33x33-k33e33-k33e33-k33e33-k33e33-k3e3"}) {
    SCOPED_TRACE(bad);
    try {
      arch_from_id(bad, space);
      FAIL() << "parsed a malformed id";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    }
  }
  // Well formed, but kernel 9 is not in the space.
  try {
    arch_from_id("w0.5-r176-k93e33-k33e33-k33e33-k33e33-k33e33-k3e3", space);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfSpace);
    EXPECT_EQ(e.field(), "/stages/0/kernels/0");
  }
}

TEST_F(ArchTest, JsonRoundTripKeepsTheNetwork) {
  Arch in3 = mcunet_in3_arch();
  std::string text = arch_to_json(in3, space);
  json j = json::parse(text);
  EXPECT_EQ(j["format"], "tinynas-arch");
  EXPECT_EQ(j["space"], "mcunet");
  EXPECT_EQ(j["id"], in3.id());
  EXPECT_EQ(j["width"], 0.5);
  EXPECT_EQ(j["resolution"], 176);
  ASSERT_EQ(j["stages"].size(), 6u);
  // Only active blocks are written.
  EXPECT_EQ(j["stages"][1]["kernels"], json({5, 5, 5}));
  EXPECT_EQ(j["stages"][5]["expands"], json({5}));

  Arch back = arch_from_json(text, space, "in3.json");
  EXPECT_EQ(back, in3);
  EXPECT_EQ(arch_to_json(back, space), text);
  // Inactive slots come back as the space's smallest choices.
  EXPECT_EQ(back.stages[1].kernels[3], 3);
  EXPECT_EQ(back.stages[1].expands[3], 3);
  EXPECT_TRUE(looks_like_arch_json(text));
  EXPECT_EQ(arch_json_space_name(text), "mcunet");
  // Compact form for one-per-line output.
  std::string compact = arch_to_json(in3, space, -1);
  EXPECT_EQ(compact.find('\n'), std::string::npos);
  EXPECT_EQ(arch_from_json(compact, space), in3);
}

TEST_F(ArchTest, ValidateNamesTheOffendingField) {
  struct Case {
    const char* what;
    void (*edit)(Arch&);
    const char* field;
  };
  const Case cases[] = {
      {"width", [](Arch& a) { a.width = 0.55; }, "/width"},
      {"resolution", [](Arch& a) { a.resolution = 100; }, "/resolution"},
      {"depth", [](Arch& a) { a.stages[3].depth = 1; }, "/stages/3/depth"},
      {"kernel", [](Arch& a) { a.stages[2].kernels[1] = 4; }, "/stages/2/kernels/1"},
      {"inactive kernel", [](Arch& a) { a.stages[2].kernels[3] = 9; }, "/stages/2/kernels/3"},
      {"expand", [](Arch& a) { a.stages[4].expands[0] = 2; }, "/stages/4/expands/0"},
      {"stage count", [](Arch& a) { a.stages.pop_back(); }, "/stages"},
      {"gene length", [](Arch& a) { a.stages[0].kernels.pop_back(); }, "/stages/0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Arch a = mcunet_in3_arch();
    c.edit(a);
    try {
      validate_arch(a, space, "arch.json");
      FAIL() << "accepted an arch outside the space";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kOutOfSpace);
      EXPECT_EQ(e.field(), c.field);
      EXPECT_EQ(e.file(), "arch.json");
    }
  }
  EXPECT_NO_THROW(validate_arch(mcunet_in3_arch(), space));
}

TEST_F(ArchTest, KernelMessageListsTheChoices) {
  Arch a = mcunet_in3_arch();
  a.stages[2].kernels[1] = 9;
  try {
    validate_arch(a, space, "x.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x.json: /stages/2/kernels/1: 9 is not one of the stage's kernels [3,5,7]");
  }
}

TEST_F(ArchTest, ArchJsonErrorsNameFileAndField) {
  json good = json::parse(arch_to_json(mcunet_in3_arch(), space));
  struct Case {
    const char* what;
    void (*edit)(json&);
    ErrorCode code;
    const char* field;
  };
  const Case cases[] = {
      {"kernel out of space", [](json& j) { j["stages"][1]["kernels"][2] = 9; }, ErrorCode::kOutOfSpace,
       "/stages/1/kernels/2"},
      {"width out of space", [](json& j) { j["width"] = 0.45; }, ErrorCode::kOutOfSpace, "/width"},
      {"depth too deep", [](json& j) { j["stages"][0]["depth"] = 5; }, ErrorCode::kInvalidFile, "/stages/0/depth"},
      {"kernel count",
       [](json& j) {
         j["stages"][0]["kernels"] = {3, 3};
       },
       ErrorCode::kInvalidFile, "/stages/0/kernels"},
      {"missing width", [](json& j) { j.erase("width"); }, ErrorCode::kInvalidFile, "/"},
      {"wrong space", [](json& j) { j["space"] = "fashion_mnist"; }, ErrorCode::kInvalidFile, "/space"},
      {"stale id", [](json& j) { j["id"] = "w0.5-r176"; }, ErrorCode::kInvalidFile, "/id"},
      {"too few stages", [](json& j) { j["stages"].erase(5); }, ErrorCode::kInvalidFile, "/stages"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    json j = good;
    c.edit(j);
    try {
      arch_from_json(j.dump(), space, "arch.json");
      FAIL() << "accepted " << j.dump();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), c.code) << e.what();
      EXPECT_EQ(e.field(), c.field) << e.what();
      EXPECT_EQ(e.file(), "arch.json");
    }
  }
}

TEST_F(ArchTest, SamplingIsDeterministicPerSeedAndStaysInTheSpace) {
  auto ids = [&](std::uint64_t seed) {
    Rng rng(seed);
    std::vector<std::string> out;
    for (int i = 0; i < 50; ++i) out.push_back(sample_arch(space, rng).id());
    return out;
  };
  EXPECT_EQ(ids(1), ids(1));
  EXPECT_NE(ids(1), ids(2));

  Rng rng(42);
  std::set<std::string> distinct;
  std::map<int, int> kernel_count;
  std::set<int> depths_seen;
  std::set<double> widths_seen;
  for (int i = 0; i < 2000; ++i) {
    Arch a = sample_arch(space, rng);
    ASSERT_NO_THROW(validate_arch(a, space)) << a.id();
    distinct.insert(a.id());
    widths_seen.insert(a.width);
    depths_seen.insert(a.stages[0].depth);
    for (int k : a.stages[2].kernels) ++kernel_count[k];
  }
  EXPECT_EQ(distinct.size(), 2000u); // 1e24 subnets: no repeats
  EXPECT_EQ(widths_seen.size(), space.width_mults.size());
  EXPECT_EQ(depths_seen, (std::set<int>{2, 3, 4}));
  // 8000 uniform draws of 3 kernels: each near 2667 (sd 42).
  for (int k : {3, 5, 7}) EXPECT_NEAR(kernel_count[k], 8000.0 / 3, 250) << "kernel " << k;
}

TEST_F(ArchTest, SamplingAtAFixedPairKeepsIt) {
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    Arch a = sample_arch(space, rng, 0.7, 128);
    EXPECT_DOUBLE_EQ(a.width, 0.7);
    EXPECT_EQ(a.resolution, 128);
    EXPECT_NO_THROW(validate_arch(a, space));
  }
}

TEST_F(ArchTest, LargestAndSmallestTakeTheExtremeChoices) {
  Arch big = largest_arch(space, 0.5, 160);
  Arch small = smallest_arch(space, 0.5, 160);
  EXPECT_NO_THROW(validate_arch(big, space));
  EXPECT_NO_THROW(validate_arch(small, space));
  for (std::size_t s = 0; s < space.stages.size(); ++s) {
    EXPECT_EQ(big.stages[s].depth, space.stages[s].depths.back());
    EXPECT_EQ(small.stages[s].depth, space.stages[s].depths.front());
    for (int k : big.stages[s].kernels) EXPECT_EQ(k, 7);
    for (int e : big.stages[s].expands) EXPECT_EQ(e, 6);
    for (int k : small.stages[s].kernels) EXPECT_EQ(k, 3);
    for (int e : small.stages[s].expands) EXPECT_EQ(e, 3);
  }
  // The first block plus every stage's blocks.
  EXPECT_EQ(lower_to_net(space, big).blocks.size(), 1u + 4 * 5 + 1);
  EXPECT_EQ(lower_to_net(space, small).blocks.size(), 1u + 2 * 5 + 1);
}

} // namespace
} // namespace tinynas

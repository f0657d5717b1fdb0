#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {
namespace {

using nlohmann::json;

void expect_same_blocks(const NetSpec& a, const NetSpec& b) {
  EXPECT_EQ(a.resolution, b.resolution);
  EXPECT_EQ(a.input_channels, b.input_channels);
  EXPECT_EQ(a.first_conv.in_channels, b.first_conv.in_channels);
  EXPECT_EQ(a.first_conv.out_channels, b.first_conv.out_channels);
  EXPECT_EQ(a.first_conv.kernel, b.first_conv.kernel);
  EXPECT_EQ(a.first_conv.stride, b.first_conv.stride);
  ASSERT_EQ(a.blocks.size(), b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) {
    SCOPED_TRACE("block " + std::to_string(i));
    const MbBlockSpec& x = a.blocks[i];
    const MbBlockSpec& y = b.blocks[i];
    EXPECT_EQ(x.in_channels, y.in_channels);
    EXPECT_EQ(x.mid_channels, y.mid_channels);
    EXPECT_EQ(x.out_channels, y.out_channels);
    EXPECT_EQ(x.kernel, y.kernel);
    EXPECT_EQ(x.stride, y.stride);
    EXPECT_EQ(x.expand_ratio, y.expand_ratio);
    EXPECT_EQ(x.residual, y.residual);
  }
  EXPECT_EQ(a.feature_mix_channels, b.feature_mix_channels);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.activation, b.activation);
}

std::vector<int> depths_of(const Arch& a) {
  std::vector<int> d;
  for (const auto& st : a.stages) d.push_back(st.depth);
  return d;
}

class NetConfigTest : public ::testing::Test {
protected:
  SearchSpace space = SearchSpace::load("mcunet");
  std::string in3_text = test::read_text(test::mcunet_in3_path());
  std::string in0_text = test::read_text(test::mcunet_in0_path());
};

TEST_F(NetConfigTest, ImportsMcunetIn3) {
  ASSERT_TRUE(looks_like_netconfig(in3_text));
  EXPECT_FALSE(looks_like_arch_json(in3_text));
  NetSpec net = net_from_netconfig(in3_text, "in3.json");
  EXPECT_EQ(net.name, "ProxylessNASNets");
  EXPECT_EQ(net.resolution, 176);
  EXPECT_EQ(net.input_channels, 3);
  EXPECT_EQ(net.first_conv.out_channels, 16);
  EXPECT_EQ(net.first_conv.kernel, 3);
  EXPECT_EQ(net.first_conv.stride, 2);
  EXPECT_EQ(net.num_classes, 1000);
  EXPECT_EQ(net.feature_mix_channels, 0);
  EXPECT_EQ(net.activation, "relu6");
  ASSERT_EQ(net.blocks.size(), 18u);
  // The expand-1 first block: no expand conv, mid == in, no shortcut.
  EXPECT_EQ(net.blocks[0].in_channels, 16);
  EXPECT_EQ(net.blocks[0].mid_channels, 16);
  EXPECT_EQ(net.blocks[0].out_channels, 8);
  EXPECT_EQ(net.blocks[0].expand_ratio, 1);
  EXPECT_FALSE(net.blocks[0].residual);
  // blocks[11]: 40 -> 200 -> 48, kernel 5, stride 1, no shortcut (width changes).
  EXPECT_EQ(net.blocks[11].in_channels, 40);
  EXPECT_EQ(net.blocks[11].mid_channels, 200);
  EXPECT_EQ(net.blocks[11].out_channels, 48);
  EXPECT_EQ(net.blocks[11].kernel, 5);
  EXPECT_EQ(net.blocks[11].stride, 1);
  EXPECT_FALSE(net.blocks[11].residual);
  EXPECT_TRUE(net.blocks[12].residual);
  EXPECT_EQ(net.blocks[17].out_channels, 160);
}

TEST_F(NetConfigTest, In3IsTheMcunetSpaceAtWidthHalfResolution176) {
  NetSpec net = net_from_netconfig(in3_text, "in3.json");
  std::string why;
  std::optional<Arch> arch = arch_from_net(space, net, &why);
  ASSERT_TRUE(arch) << why;
  EXPECT_DOUBLE_EQ(arch->width, 0.5);
  EXPECT_EQ(arch->resolution, 176);
  // Four 16-channel blocks (1-4) before the stride-2 block to 24 channels, then 3,3,3,3,1.
  EXPECT_EQ(depths_of(*arch), (std::vector<int>{4, 3, 3, 3, 3, 1}));
  EXPECT_EQ(arch->id(), "w0.5-r176-k7375e3554-k555e555-k375e564-k573e555-k373e654-k7e5");
  EXPECT_NO_THROW(validate_arch(*arch, space));
  expect_same_blocks(lower_to_net(space, *arch), net);
}

TEST_F(NetConfigTest, In0IsTheMcunetSpaceAtWidth06Resolution48) {
  NetSpec net = net_from_netconfig(in0_text, "in0.json");
  EXPECT_EQ(net.resolution, 48);
  EXPECT_EQ(net.first_conv.out_channels, 24);
  ASSERT_EQ(net.blocks.size(), 15u);
  std::string why;
  std::optional<Arch> arch = arch_from_net(space, net, &why);
  ASSERT_TRUE(arch) << why;
  EXPECT_DOUBLE_EQ(arch->width, 0.6);
  EXPECT_EQ(arch->resolution, 48);
  EXPECT_EQ(depths_of(*arch), (std::vector<int>{3, 3, 2, 3, 2, 1}));
  EXPECT_EQ(arch->id(), "w0.6-r48-k533e434-k755e545-k75e54-k353e545-k35e64-k3e6");
  expect_same_blocks(lower_to_net(space, *arch), net);
}

// Published figures (MCUNet README): in3 81.8M MACs, 0.74M params; in0 6.4M MACs, 0.75M params.
// Summing the lowered graph's per-op counts must give them: an independent check of the import
// and of the lowering (the profiler tests check its own totals against the same figures).
TEST_F(NetConfigTest, LoweredGraphsReproduceThePublishedMacsAndParams) {
  struct Case {
    const std::string* text;
    double macs_m;
    double params_m;
  };
  for (const Case& c : {Case{&in3_text, 81.8, 0.74}, Case{&in0_text, 6.4, 0.75}}) {
    Graph g = lower_to_graph(net_from_netconfig(*c.text));
    std::int64_t macs = 0, params = 0;
    for (const Op& op : g.ops) {
      macs += op.macs(g.tensors);
      params += op.params(g.tensors);
    }
    EXPECT_NEAR(static_cast<double>(macs) / 1e6, c.macs_m, 0.05);
    EXPECT_NEAR(static_cast<double>(params) / 1e6, c.params_m, 0.005);
  }
}

TEST_F(NetConfigTest, ExportThenImportGivesTheSameNet) {
  for (const std::string* text : {&in3_text, &in0_text}) {
    NetSpec net = net_from_netconfig(*text);
    std::string exported = netconfig_from_net(net);
    EXPECT_TRUE(looks_like_netconfig(exported));
    NetSpec back = net_from_netconfig(exported, "exported.json");
    expect_same_blocks(back, net);
    EXPECT_EQ(back.name, net.name);
    // A second export is byte-identical: the writer is a function of the NetSpec alone.
    EXPECT_EQ(netconfig_from_net(back), exported);
  }
}

TEST_F(NetConfigTest, ExportedConfigHasTheFieldsOfaBuildsFrom) {
  json j = json::parse(netconfig_from_net(net_from_netconfig(in3_text)));
  EXPECT_EQ(j["first_conv"]["name"], "ConvLayer");
  EXPECT_EQ(j["blocks"][0]["mobile_inverted_conv"]["name"], "MBInvertedConvLayer");
  EXPECT_TRUE(j["blocks"][0]["mobile_inverted_conv"]["mid_channels"].is_null());
  EXPECT_TRUE(j["blocks"][0]["shortcut"].is_null());
  EXPECT_EQ(j["blocks"][2]["shortcut"]["name"], "IdentityLayer");
  EXPECT_EQ(j["blocks"][1]["mobile_inverted_conv"]["mid_channels"], 24);
  EXPECT_TRUE(j["feature_mix_layer"].is_null());
  EXPECT_EQ(j["classifier"]["in_features"], 160);
  EXPECT_EQ(j["classifier"]["out_features"], 1000);
  EXPECT_EQ(j["resolution"], 176);
}

TEST_F(NetConfigTest, EverySampledArchSurvivesNetConfigExportAndMapsBack) {
  Rng rng(11);
  for (int i = 0; i < 200; ++i) {
    Arch a = sample_arch(space, rng);
    NetSpec net = lower_to_net(space, a);
    NetSpec back = net_from_netconfig(netconfig_from_net(net));
    std::string why;
    std::optional<Arch> mapped = arch_from_net(space, back, &why);
    ASSERT_TRUE(mapped) << a.id() << ": " << why;
    EXPECT_EQ(mapped->id(), a.id());
  }
}

TEST_F(NetConfigTest, ZeroLayerAndNullBlocksAreSkipped) {
  json j = json::parse(in3_text);
  json zero = {{"name", "MobileInvertedResidualBlock"},
               {"mobile_inverted_conv", {{"name", "ZeroLayer"}, {"stride", 1}}},
               {"shortcut", {{"name", "IdentityLayer"}, {"in_channels", {16}}, {"out_channels", {16}}}}};
  json null_conv = {{"name", "MobileInvertedResidualBlock"}, {"mobile_inverted_conv", nullptr}, {"shortcut", nullptr}};
  j["blocks"].insert(j["blocks"].begin() + 4, zero);
  j["blocks"].insert(j["blocks"].begin() + 2, null_conv);
  NetSpec with_zero = net_from_netconfig(j.dump(), "zero.json");
  NetSpec plain = net_from_netconfig(in3_text);
  expect_same_blocks(with_zero, plain);
  EXPECT_TRUE(arch_from_net(space, with_zero));
}

TEST_F(NetConfigTest, NetOutsideTheSpaceSaysWhy) {
  json j = json::parse(in3_text);
  j["blocks"][3]["mobile_inverted_conv"]["kernel_size"] = 9;
  std::string why;
  EXPECT_FALSE(arch_from_net(space, net_from_netconfig(j.dump()), &why));
  EXPECT_FALSE(why.empty());

  j = json::parse(in3_text);
  j["resolution"] = 100;
  EXPECT_FALSE(arch_from_net(space, net_from_netconfig(j.dump()), &why));
  EXPECT_NE(why.find("resolution 100"), std::string::npos) << why;

  // The fashion_mnist space has 1 input channel and 10 classes.
  EXPECT_FALSE(arch_from_net(SearchSpace::load("fashion_mnist"), net_from_netconfig(in3_text), &why));
  EXPECT_NE(why.find("input channels"), std::string::npos) << why;
}

struct BrokenConfig {
  const char* what;
  std::function<void(json&)> edit;
  const char* field;
  const char* message_part;
};

TEST_F(NetConfigTest, BadNetConfigsNameTheFileAndField) {
  const std::vector<BrokenConfig> cases = {
      {"channels that do not chain", [](json& j) { j["blocks"][5]["mobile_inverted_conv"]["in_channels"] = 20; },
       "/blocks/5/mobile_inverted_conv/in_channels", "does not match"},
      {"squeeze-and-excitation", [](json& j) { j["blocks"][3]["mobile_inverted_conv"]["use_se"] = true; },
       "/blocks/3/mobile_inverted_conv/use_se", "squeeze-and-excitation"},
      {"missing resolution", [](json& j) { j.erase("resolution"); }, "/", "resolution"},
      {"missing first conv", [](json& j) { j.erase("first_conv"); }, "/", "first_conv"},
      {"even kernel", [](json& j) { j["blocks"][2]["mobile_inverted_conv"]["kernel_size"] = 4; },
       "/blocks/2/mobile_inverted_conv/kernel_size", "odd"},
      {"shortcut on a stride-2 block",
       [](json& j) {
         j["blocks"][5]["shortcut"] = {{"name", "IdentityLayer"}};
       },
       "/blocks/5/shortcut", "stride 1"},
      {"unknown shortcut", [](json& j) { j["blocks"][2]["shortcut"]["name"] = "ConvLayer"; }, "/blocks/2/shortcut/name",
       "identity"},
      {"unknown block layer", [](json& j) { j["blocks"][2]["mobile_inverted_conv"]["name"] = "MixedEdge"; },
       "/blocks/2/mobile_inverted_conv/name", "MixedEdge"},
      {"unsupported activation", [](json& j) { j["first_conv"]["act_func"] = "h_swish"; }, "/first_conv/act_func",
       "h_swish"},
      {"classifier width", [](json& j) { j["classifier"]["in_features"] = 1280; }, "/classifier/in_features", "1280"},
      {"grouped first conv", [](json& j) { j["first_conv"]["groups"] = 2; }, "/first_conv/groups", "grouped"},
      {"negative resolution", [](json& j) { j["resolution"] = -176; }, "/resolution", "positive"},
      // Both used to be skipped silently, as if they were identity blocks.
      {"a block that is a string", [](json& j) { j["blocks"][3] = "MobileInvertedResidualBlock"; }, "/blocks/3",
       "a block must be an object"},
      {"a misspelled layer key",
       [](json& j) {
         j["blocks"][3]["mobile_inverted_cnv"] = j["blocks"][3]["mobile_inverted_conv"];
         j["blocks"][3].erase("mobile_inverted_conv");
       },
       "/blocks/3",
       "missing \"mobile_inverted_conv\" (null for an identity block); it has: mobile_inverted_cnv, name, shortcut"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    json j = json::parse(in3_text);
    c.edit(j);
    try {
      net_from_netconfig(j.dump(), "net.json");
      FAIL() << "accepted a broken net config";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
      EXPECT_EQ(e.file(), "net.json");
      EXPECT_EQ(e.field(), c.field) << e.what();
      EXPECT_NE(e.message().find(c.message_part), std::string::npos) << e.what();
    }
  }
}

// With identity blocks in front, a broken block's pointer must still be its index in the file.
TEST_F(NetConfigTest, FieldsCountSkippedBlocks) {
  json j = json::parse(in3_text);
  json zero = {{"name", "MobileInvertedResidualBlock"}, {"mobile_inverted_conv", {{"name", "ZeroLayer"}}}};
  j["blocks"].insert(j["blocks"].begin() + 1, zero);
  j["blocks"][6]["mobile_inverted_conv"]["in_channels"] = 20; // was blocks[5]
  try {
    net_from_netconfig(j.dump(), "net.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "/blocks/6/mobile_inverted_conv/in_channels") << e.what();
  }
}

} // namespace
} // namespace tinynas

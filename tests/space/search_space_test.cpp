#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {
namespace {

using nlohmann::json;

std::vector<int> channels_at(const SearchSpace& s, double width) {
  std::vector<int> bases{s.first_conv_base, s.first_block_base};
  for (const auto& st : s.stages) bases.push_back(st.base_width);
  std::vector<int> out;
  for (int b : bases) out.push_back(s.channels(b, width));
  return out;
}

TEST(SearchSpaceLoad, McunetHasThePublishedLayout) {
  SearchSpace s = SearchSpace::load("mcunet");
  EXPECT_EQ(s.name, "mcunet");
  EXPECT_NE(s.file.find("configs/spaces/mcunet.json"), std::string::npos) << s.file;
  EXPECT_EQ(s.input_channels, 3);
  EXPECT_EQ(s.num_classes, 1000);
  EXPECT_EQ(s.activation, "relu6");
  EXPECT_EQ(s.first_conv_base, 32);
  EXPECT_EQ(s.first_conv_kernel, 3);
  EXPECT_EQ(s.first_conv_stride, 2);
  EXPECT_EQ(s.first_block_base, 16);
  EXPECT_EQ(s.first_block_kernel, 3);
  EXPECT_EQ(s.feature_mix_base, 0);
  ASSERT_EQ(s.stages.size(), 6u);
  const std::vector<int> bases{24, 40, 80, 96, 192, 320};
  const std::vector<int> strides{2, 2, 2, 1, 2, 1};
  for (std::size_t i = 0; i < 6; ++i) {
    SCOPED_TRACE("stage " + std::to_string(i));
    EXPECT_EQ(s.stages[i].base_width, bases[i]);
    EXPECT_EQ(s.stages[i].stride, strides[i]);
    EXPECT_EQ(s.stages[i].kernels, (std::vector<int>{3, 5, 7}));
    EXPECT_EQ(s.stages[i].expands, (std::vector<int>{3, 4, 5, 6}));
    EXPECT_EQ(s.stages[i].depths, (i == 5 ? std::vector<int>{1} : std::vector<int>{2, 3, 4}));
  }
  EXPECT_EQ(s.width_mults, (std::vector<double>{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}));
  EXPECT_EQ(s.resolutions, (std::vector<int>{48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224}));
  EXPECT_EQ(s.channel_divisor, 8);
  EXPECT_DOUBLE_EQ(s.min_round_ratio, 0.9);
  EXPECT_EQ(s.max_blocks(), 4 * 5 + 1);
}

TEST(SearchSpaceLoad, FashionMnistIsAOneChannelTenClassSpace) {
  SearchSpace s = SearchSpace::load("fashion_mnist");
  EXPECT_EQ(s.name, "fashion_mnist");
  EXPECT_EQ(s.input_channels, 1);
  EXPECT_EQ(s.num_classes, 10);
  // The rest of the space is sized by the supernet's training budget (docs/SUPERNET.md) and may
  // change with it; what the dataset fixes is checked here.
  EXPECT_NE(std::find(s.resolutions.begin(), s.resolutions.end(), 28), s.resolutions.end())
      << "the native 28x28 resolution must be searchable";
  EXPECT_FALSE(s.stages.empty());
  EXPECT_FALSE(s.width_mults.empty());
}

TEST(SearchSpaceLoad, ShippedNamesListBothSpaces) {
  std::vector<std::string> names = shipped_space_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "mcunet"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "fashion_mnist"), names.end());
}

TEST(SearchSpaceLoad, UnknownNameListsTheShippedOnes) {
  try {
    SearchSpace::load("imagenet21k");
    FAIL() << "loaded an unknown space";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("imagenet21k"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mcunet"), std::string::npos) << e.what();
  }
}

// make_divisible(v, 8) = max(8, int(v + 4) // 8 * 8), plus 8 if that lost more than 10% of v.
TEST(RoundChannels, MatchesMobileNetV2MakeDivisibleByHand) {
  SearchSpace s = SearchSpace::load("mcunet");
  EXPECT_EQ(s.round_channels(16), 16);
  EXPECT_EQ(s.round_channels(12), 16);   // int(16) // 8 * 8 = 16: ties round up
  EXPECT_EQ(s.round_channels(11.9), 16); // int(15.9) = 15 -> 8, but 8 < 0.9 * 11.9 = 10.71 -> 16
  EXPECT_EQ(s.round_channels(19.2), 24); // int(23.2) -> 16 < 17.28 -> 24
  EXPECT_EQ(s.round_channels(3), 8);     // never below the divisor
  EXPECT_EQ(s.round_channels(57.6), 56); // int(61.6) -> 56 >= 51.84
  EXPECT_EQ(s.round_channels(115.2), 112);
  EXPECT_EQ(s.round_channels(240), 240);
}

TEST(RoundChannels, McunetWidthsGiveMcunetChannels) {
  SearchSpace s = SearchSpace::load("mcunet");
  EXPECT_EQ(channels_at(s, 1.0), (std::vector<int>{32, 16, 24, 40, 80, 96, 192, 320}));
  // mcunet-in3's channels
  EXPECT_EQ(channels_at(s, 0.5), (std::vector<int>{16, 8, 16, 24, 40, 48, 96, 160}));
  // mcunet-in0's channels
  EXPECT_EQ(channels_at(s, 0.6), (std::vector<int>{24, 16, 16, 24, 48, 56, 112, 192}));
  // 0.2: 6.4 -> 8, 3.2 -> 8, 4.8 -> 8, 8, 16, 19.2 -> 24 (16 lost > 10%), 38.4 -> 40, 64
  EXPECT_EQ(channels_at(s, 0.2), (std::vector<int>{8, 8, 8, 8, 16, 24, 40, 64}));
}

TEST(RoundChannels, FollowsTheSpacesDivisor) {
  SearchSpace s = SearchSpace::load("mcunet");
  s.channel_divisor = 4;
  EXPECT_EQ(s.round_channels(10), 12);  // int(12) // 4 * 4
  EXPECT_EQ(s.round_channels(9.9), 12); // int(11.9) = 11 -> 8, but 8 < 0.9 * 9.9 = 8.91 -> 12
  EXPECT_EQ(s.round_channels(8.5), 8);  // int(10.5) = 10 -> 8 >= 0.9 * 8.5 = 7.65
}

TEST(SearchSpaceSize, Log10CountsEveryDistinctNetwork) {
  SearchSpace mcunet = SearchSpace::load("mcunet");
  // Per block 3 kernels x 4 expands = 12 choices; stages 0-4 have 12^2 + 12^3 + 12^4 = 22608
  // variants each, the last stage 12.
  double per_pair = 5 * std::log10(22608.0) + std::log10(12.0);
  EXPECT_NEAR(mcunet.log10_subnets_per_pair(), per_pair, 1e-9);
  EXPECT_NEAR(mcunet.log10_size(), per_pair + std::log10(9.0 * 12.0), 1e-9);
  EXPECT_NEAR(mcunet.log10_size(), 24.884, 0.001); // about 7.7e24 subnets

  // A hand-written space: 2 kernels x 1 expand per block; depths {1, 2} give 2 + 4 = 6 variants for
  // the first stage, depth {3} gives 8 for the second: 48 per pair, 2 x 3 pairs.
  SearchSpace small = SearchSpace::from_json(R"({"name": "small", "input_channels": 1, "num_classes": 2,
    "first_conv": {"base_width": 8, "kernel": 3, "stride": 2}, "first_block": {"base_width": 8, "kernel": 3},
    "stages": [{"base_width": 8, "stride": 2, "depths": [1, 2], "kernels": [3, 5], "expands": [3]},
               {"base_width": 16, "stride": 1, "depths": [3], "kernels": [3, 5], "expands": [6]}],
    "width_mults": [0.5, 1.0], "resolutions": [16, 24, 32]})");
  EXPECT_NEAR(small.log10_subnets_per_pair(), std::log10(48.0), 1e-12);
  EXPECT_NEAR(small.log10_size(), std::log10(48.0 * 6), 1e-12);
}

void expect_same_space(const SearchSpace& a, const SearchSpace& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.input_channels, b.input_channels);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.activation, b.activation);
  EXPECT_EQ(a.first_conv_base, b.first_conv_base);
  EXPECT_EQ(a.first_conv_kernel, b.first_conv_kernel);
  EXPECT_EQ(a.first_conv_stride, b.first_conv_stride);
  EXPECT_EQ(a.first_block_base, b.first_block_base);
  EXPECT_EQ(a.first_block_kernel, b.first_block_kernel);
  EXPECT_EQ(a.feature_mix_base, b.feature_mix_base);
  ASSERT_EQ(a.stages.size(), b.stages.size());
  for (std::size_t i = 0; i < a.stages.size(); ++i) {
    EXPECT_EQ(a.stages[i].base_width, b.stages[i].base_width);
    EXPECT_EQ(a.stages[i].stride, b.stages[i].stride);
    EXPECT_EQ(a.stages[i].depths, b.stages[i].depths);
    EXPECT_EQ(a.stages[i].kernels, b.stages[i].kernels);
    EXPECT_EQ(a.stages[i].expands, b.stages[i].expands);
  }
  EXPECT_EQ(a.width_mults, b.width_mults);
  EXPECT_EQ(a.resolutions, b.resolutions);
  EXPECT_EQ(a.channel_divisor, b.channel_divisor);
  EXPECT_EQ(a.min_round_ratio, b.min_round_ratio);
}

TEST(SearchSpaceJson, RoundTripsBothShippedSpaces) {
  for (const char* name : {"mcunet", "fashion_mnist"}) {
    SCOPED_TRACE(name);
    SearchSpace s = SearchSpace::load(name);
    std::string text = s.to_json();
    SearchSpace back = SearchSpace::from_json(text, "roundtrip.json");
    expect_same_space(s, back);
    EXPECT_EQ(back.file, "roundtrip.json");
    EXPECT_EQ(back.to_json(), text);
  }
}

// Loads a modified copy of configs/spaces/mcunet.json from a scratch file and returns the error.
Error load_broken(const std::function<void(json&)>& edit, std::string* path_out) {
  json j = json::parse(test::read_text(test::source_path("configs/spaces/mcunet.json")));
  edit(j);
  static int counter = 0;
  test::ScratchDir dir;
  std::string path = dir.write("broken" + std::to_string(counter++) + ".json", j.dump(2));
  *path_out = path;
  try {
    SearchSpace::load(path);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "loaded a broken space";
  return Error(ErrorCode::kInternal, "no error");
}

struct BrokenSpaceCase {
  const char* what;
  std::function<void(json&)> edit;
  const char* field;
  const char* message_part;
};

TEST(SearchSpaceJson, MalformedSpacesNameTheFileAndField) {
  const std::vector<BrokenSpaceCase> cases = {
      {"missing stage field", [](json& j) { j["stages"][1].erase("expands"); }, "/stages/1", "expands"},
      {"missing top-level field", [](json& j) { j.erase("num_classes"); }, "/", "num_classes"},
      {"even kernel",
       [](json& j) {
         j["stages"][2]["kernels"] = {3, 4, 7};
       },
       "/stages/2/kernels/1", "odd"},
      {"stride 3", [](json& j) { j["stages"][0]["stride"] = 3; }, "/stages/0/stride", "1 or 2"},
      {"non-ascending depths",
       [](json& j) {
         j["stages"][3]["depths"] = {3, 2, 4};
       },
       "/stages/3/depths/1", "ascending"},
      {"repeated width",
       [](json& j) {
         j["width_mults"] = {0.5, 0.5};
       },
       "/width_mults/1", "ascending"},
      {"empty choices", [](json& j) { j["resolutions"] = json::array(); }, "/resolutions", "at least one"},
      {"negative base width", [](json& j) { j["stages"][4]["base_width"] = -8; }, "/stages/4/base_width", "positive"},
      {"string for a number", [](json& j) { j["first_conv"]["kernel"] = "3"; }, "/first_conv/kernel", "integer"},
      {"unknown activation", [](json& j) { j["activation"] = "gelu"; }, "/activation", "gelu"},
      {"wrong format tag", [](json& j) { j["format"] = "tinynas-arch"; }, "/format", "tinynas-space"},
      {"rounding ratio", [](json& j) { j["channel_rounding"]["min_ratio"] = 1.5; }, "/channel_rounding/min_ratio",
       "(0, 1]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::string path;
    Error e = load_broken(c.edit, &path);
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.field(), c.field);
    EXPECT_NE(e.message().find(c.message_part), std::string::npos) << e.what();
    // what() reads "file: field: message"
    EXPECT_EQ(std::string(e.what()), path + ": " + c.field + ": " + e.message());
  }
}

TEST(SearchSpaceJson, BadJsonNamesTheFileAndByte) {
  test::ScratchDir dir;
  std::string path = dir.write("bad.json", "{\"name\": \"x\",\n \"stages\": [1, 2,]}");
  try {
    SearchSpace::load(path);
    FAIL() << "parsed malformed JSON";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(e.message().find("malformed JSON at byte"), std::string::npos) << e.what();
  }
}

// A number beyond double's range is the parser's other refusal (out_of_range, not parse_error): it escaped as an
// internal error until the fuzz targets found it.
TEST(SearchSpaceJson, ANumberBeyondDoublesRangeIsMalformedJson) {
  try {
    SearchSpace::from_json("{\"name\": \"x\", \"width_mults\": [1e400]}", "huge.json");
    FAIL() << "parsed 1e400";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), "huge.json");
    EXPECT_NE(e.message().find("malformed JSON: number overflow parsing '1e400'"), std::string::npos) << e.what();
  }
}

TEST(SearchSpaceJson, TruncatedOrEmptyJsonSaysSoWithoutTheParsersExceptionId) {
  test::ScratchDir dir;
  const std::string text = test::read_text(test::source_path("configs/spaces/mcunet.json"));
  struct Case {
    std::string text;
    std::string reason;
  };
  for (const Case& c :
       {Case{text.substr(0, text.size() / 2), "the file ends in the middle of a value (truncated?)"},
        Case{" \n", "the file is empty"}, Case{"{\"name\": \"x\",]", "syntax error while parsing object key"}}) {
    const std::string path = dir.write("cut.json", c.text);
    try {
      SearchSpace::load(path);
      FAIL() << "parsed " << c.text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
      EXPECT_EQ(e.file(), path);
      EXPECT_NE(e.message().find(c.reason), std::string::npos) << e.what();
      EXPECT_EQ(e.message().find("json.exception"), std::string::npos) << e.what();
    }
  }
}

TEST(SearchSpaceJson, MissingFileIsReported) {
  try {
    SearchSpace::load("/nonexistent/dir/space.json");
    FAIL() << "loaded a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), "/nonexistent/dir/space.json");
  }
}

} // namespace
} // namespace tinynas

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include "search_test_support.hpp"
#include "tinynas/search/stage1.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {
namespace {

using testing::f746;
using testing::mcunet;

// Two widths x two resolutions, one block in one stage, one choice per gene except where a test
// adds some: every network is small enough to count its MACs by hand.
//   width 1: first conv 1->8, first block dw 8 + pw 8->8, block pw 8->24, dw 3x3/2 on 24, pw 24->16, fc
//   16->10 width 2: first conv 1->16, first block dw 16 + pw 16->16, block pw 16->48, dw 3x3/2 on 48, pw
//   48->32, fc 32->10
constexpr const char* kTinySpace = R"({
  "format": "tinynas-space", "name": "tiny", "input_channels": 1, "num_classes": 10,
  "first_conv": {"base_width": 8, "kernel": 3, "stride": 1},
  "first_block": {"base_width": 8, "kernel": 3},
  "stages": [{"base_width": 16, "stride": 2, "depths": [1], "kernels": [KERNELS], "expands": [3]}],
  "width_mults": [1.0, 2.0],
  "resolutions": [8, 16]
})";

SearchSpace tiny_space(const std::string& kernels = "3") {
  std::string text = kTinySpace;
  text.replace(text.find("KERNELS"), 7, kernels);
  return SearchSpace::from_json(text, "tiny.json");
}

// Per output pixel at resolution r (stride-1 first conv, the block halves the resolution):
//   width 1: 9*8 + 9*8 + 8*8 + 8*24 + (9*24 + 24*16) / 4 = 550 per r^2, + fc 160
//   width 2: 9*16 + 9*16 + 16*16 + 16*48 + (9*48 + 48*32) / 4 = 1804 per r^2, + fc 320
std::int64_t hand_macs(int width, int r) { return width == 1 ? 550LL * r * r + 160 : 1804LL * r * r + 320; }

std::int64_t total_sram(const SearchSpace& space, double width, int resolution, const Constraints& c) {
  CostOptions options;
  options.schedule = c.schedule;
  return analyze(lower_to_graph(lower_to_net(space, smallest_arch(space, width, resolution))), c.board, options)
      .total_sram_bytes;
}

TEST(Stage1, PicksThePairWithTheLargestMeanOfFittingSubnets) {
  const SearchSpace space = tiny_space();
  // The budget is exactly what (width 1, resolution 16) needs: (2, 16) cannot fit, (2, 8) can but
  // has fewer MACs (115776 < 140960), so the rule must pick (1, 16).
  const Constraints probe = make_constraints(f746(), {}, {}, {}, Schedule::kInplaceDw);
  const auto budget = total_sram(space, 1.0, 16, probe);
  ASSERT_GT(total_sram(space, 2.0, 16, probe), budget);
  ASSERT_LE(total_sram(space, 2.0, 8, probe), budget);
  const Constraints c = make_constraints(f746(), static_cast<std::uint64_t>(budget), {}, {}, Schedule::kInplaceDw);

  Stage1Options options;
  options.samples = 20;
  const Stage1Result r = run_stage1(space, c, options);
  ASSERT_EQ(r.pairs.size(), 4u);
  // Width-major order: (1, 8), (1, 16), (2, 8), (2, 16).
  const double expected_fit[] = {1, 1, 1, 0};
  const std::int64_t expected_mean[] = {hand_macs(1, 8), hand_macs(1, 16), hand_macs(2, 8), 0};
  EXPECT_EQ(hand_macs(1, 16), 140960);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.pairs[i].fit_fraction, expected_fit[i]) << i;
    EXPECT_EQ(r.pairs[i].mean_macs, static_cast<double>(expected_mean[i])) << i;
    EXPECT_EQ(r.pairs[i].fitting_macs.size(), expected_fit[i] > 0 ? 20u : 0u);
  }
  EXPECT_EQ(r.chosen, 1);
  EXPECT_EQ(r.chosen_pair().width, 1.0);
  EXPECT_EQ(r.chosen_pair().resolution, 16);
  EXPECT_FALSE(r.fallback);
}

TEST(Stage1, StatisticsAreThoseOfTheFittingSamples) {
  // Kernels 3 and 7 for the strided depthwise: two networks per pair, 9*24/4 vs 49*24/4 MACs per r^2
  // at width 1, so every sample is one of two hand-known values.
  const SearchSpace space = tiny_space("3, 7");
  const Constraints c = make_constraints(f746(), {}, {}, {}, Schedule::kInplaceDw);
  Stage1Options options;
  options.samples = 200;
  const Stage1Result r = run_stage1(space, c, options);
  const PairStats& p = r.pairs[1]; // (width 1, resolution 16)
  const std::int64_t k3 = hand_macs(1, 16), k7 = k3 + (49 - 9) * 24 * 8 * 8;
  ASSERT_EQ(p.fitting, 200);
  std::int64_t sum = 0;
  int sevens = 0;
  for (std::int64_t m : p.fitting_macs) {
    ASSERT_TRUE(m == k3 || m == k7) << m;
    sum += m;
    sevens += m == k7;
  }
  EXPECT_TRUE(std::is_sorted(p.fitting_macs.begin(), p.fitting_macs.end()));
  EXPECT_GT(sevens, 60); // a fair coin over 200 draws
  EXPECT_LT(sevens, 140);
  EXPECT_DOUBLE_EQ(p.mean_macs, static_cast<double>(sum) / 200);
  const auto lo = static_cast<double>(k3), hi = static_cast<double>(k7);
  EXPECT_EQ(p.median_macs, sevens > 100 ? hi : (sevens < 100 ? lo : (lo + hi) / 2));
}

PairStats pair(int wi, int ri, double fit_fraction, double mean, double quantile) {
  PairStats p;
  p.width_index = wi;
  p.resolution_index = ri;
  p.samples = 1000;
  p.fitting = static_cast<int>(fit_fraction * 1000);
  p.fit_fraction = fit_fraction;
  p.mean_macs = mean;
  p.quantile_macs = quantile;
  return p;
}

TEST(Stage1, SelectionRulesTiesAndEligibility) {
  Stage1Options mean;
  // Highest mean wins even with a lower fit fraction.
  std::vector<PairStats> a{pair(0, 0, 0.9, 50, 60), pair(0, 1, 0.2, 70, 75), pair(1, 0, 0.5, 60, 90)};
  EXPECT_EQ(select_pair(a, mean), 1);
  // The quantile rule ranks by the p-th quantile instead.
  Stage1Options quantile;
  quantile.rule = Stage1Rule::kQuantile;
  EXPECT_EQ(select_pair(a, quantile), 2);
  // Equal means: the higher fit fraction, then the smaller width index, then the smaller resolution index.
  std::vector<PairStats> b{pair(1, 1, 0.3, 70, 0), pair(1, 0, 0.5, 70, 0), pair(0, 2, 0.3, 70, 0)};
  EXPECT_EQ(select_pair(b, mean), 1);
  std::vector<PairStats> c{pair(1, 1, 0.3, 70, 0), pair(0, 2, 0.3, 70, 0), pair(0, 1, 0.3, 70, 0)};
  EXPECT_EQ(select_pair(c, mean), 2);
  // Below the minimum fit fraction a pair is not eligible, however large its mean.
  std::vector<PairStats> d{pair(0, 0, 0.005, 900, 900), pair(0, 1, 0.02, 10, 10)};
  bool fallback = true;
  EXPECT_EQ(select_pair(d, mean, &fallback), 1);
  EXPECT_FALSE(fallback);
  EXPECT_FALSE(d[0].eligible);
  EXPECT_TRUE(d[1].eligible);
  // When no pair is eligible, the pairs with any fitting subnet compete, and fallback says so.
  std::vector<PairStats> e{pair(0, 0, 0.005, 900, 900), pair(0, 1, 0.002, 10, 10), pair(0, 2, 0, 0, 0)};
  EXPECT_EQ(select_pair(e, mean, &fallback), 0);
  EXPECT_TRUE(fallback);
  // Nothing fits anywhere: -1.
  std::vector<PairStats> f{pair(0, 0, 0, 0, 0)};
  EXPECT_EQ(select_pair(f, mean), -1);
}

TEST(Stage1, BitIdenticalAtAnyThreadCountAndSeedDependent) {
  const Constraints c = testing::in3_budgets();
  Stage1Options options;
  options.samples = 60; // not a multiple of the chunk size: the last chunk is short
  options.seed = 11;
  std::string one, two;
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
    one = run_stage1(mcunet(), c, options).to_json();
  }
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
    two = run_stage1(mcunet(), c, options).to_json();
  }
  EXPECT_EQ(one, two);
  options.seed = 12;
  EXPECT_NE(run_stage1(mcunet(), c, options).to_json(), one);
}

TEST(Stage1, JsonHoldsTheTableAndTheCdfs) {
  Stage1Options options;
  options.samples = 40;
  const Stage1Result r = run_stage1(mcunet(), testing::in3_budgets(), options);
  const auto j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j["format"], "tinynas-stage1");
  EXPECT_EQ(j["rule"], "mean");
  EXPECT_EQ(j["budgets"]["sram_bytes"], 320 * 1024);
  EXPECT_EQ(j["budgets"]["schedule"], "inplace-dw");
  ASSERT_EQ(j["pairs"].size(), 108u);
  EXPECT_EQ(j["chosen"]["width"], r.chosen_pair().width);
  EXPECT_EQ(j["chosen"]["resolution"], r.chosen_pair().resolution);
  for (std::size_t i = 0; i < 108; ++i) {
    const auto& p = j["pairs"][i];
    EXPECT_EQ(p["cdf_macs"].size(), p["fitting"].get<std::size_t>());
    EXPECT_EQ(p["mean_macs"].is_null(), p["fitting"] == 0);
    EXPECT_EQ(p["cdf_macs"].get<std::vector<std::int64_t>>(), r.pairs[i].fitting_macs);
  }
  // The compact form is the same document.
  EXPECT_EQ(nlohmann::json::parse(r.to_json(-1)), j);
}

TEST(Stage1, InfeasibleBudgetsNameTheBudgetsAndTheSmallestNeeds) {
  const Constraints c = make_constraints(f746(), 8 * 1024, {}, {}, Schedule::kInplaceDw);
  Stage1Options options;
  options.samples = 10;
  try {
    run_stage1(mcunet(), c, options);
    FAIL() << "expected Error(kInfeasible)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInfeasible);
    const std::string message = e.what();
    EXPECT_NE(message.find("SRAM 8.0 KiB"), std::string::npos) << message;
    EXPECT_NE(message.find(smallest_arch(mcunet(), 0.2, 48).id()), std::string::npos) << message;
    EXPECT_NE(message.find("the least SRAM needed was"), std::string::npos) << message;
  }
}

TEST(Stage1, RejectsBadOptionsNamingTheOption) {
  auto what_of = [](auto check) {
    try {
      check();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Stage1Options o;
  o.samples = 0;
  EXPECT_EQ(what_of([&] { validate(o); }), "samples: must be at least 1, found 0");
  o.samples = 10;
  o.quantile = 1.5;
  EXPECT_EQ(what_of([&] { validate(o); }), "stage1_quantile: must be in (0, 1], found 1.5");
  o.quantile = 0.8;
  o.min_fit_fraction = -0.5;
  EXPECT_EQ(what_of([&] { validate(o); }), "min_fit: must be a fraction in [0, 1], found -0.5");
  EXPECT_EQ(parse_stage1_rule("quantile"), Stage1Rule::kQuantile);
  EXPECT_EQ(what_of([] { parse_stage1_rule("median"); }),
            "stage1_rule: \"median\" is not a stage-1 rule (use mean or quantile)");
}

} // namespace
} // namespace tinynas

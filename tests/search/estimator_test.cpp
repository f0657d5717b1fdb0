#include <gtest/gtest.h>

#include "search_test_support.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/search/function_estimator.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/netconfig.hpp"

namespace tinynas {
namespace {

using testing::mcunet;

TEST(MacsProxyEstimator, ScoresAreTheCostModelsMacsAndItSaysItIsAProxy) {
  MacsProxyEstimator estimator(mcunet());
  EXPECT_EQ(estimator.name(), "macs");
  EXPECT_TRUE(estimator.is_proxy());
  EXPECT_EQ(estimator.score_unit(), "MACs");
  Rng rng(5);
  std::vector<Arch> archs;
  for (int i = 0; i < 10; ++i) archs.push_back(sample_arch(mcunet(), rng));
  const std::vector<double> scores = estimator.evaluate(archs);
  ASSERT_EQ(scores.size(), archs.size());
  for (std::size_t i = 0; i < archs.size(); ++i) {
    const CostReport r = analyze(lower_to_graph(lower_to_net(mcunet(), archs[i])), testing::f746());
    EXPECT_EQ(scores[i], static_cast<double>(r.macs)) << archs[i].id();
  }
  // Batch composition does not matter (the contract every estimator keeps).
  EXPECT_EQ(estimator.evaluate({archs[3]}), std::vector<double>{scores[3]});
}

TEST(MacsProxyEstimator, MatchesMcunetIn3PublishedMacs) {
  // mcunet-in3 is in the mcunet space; its published 81.8M MACs are the proxy's score for it.
  const auto model = load_model(std::string(TINYNAS_SOURCE_DIR) + "/configs/models/mcunet-in3.netconfig.json");
  ASSERT_TRUE(model.arch.has_value());
  MacsProxyEstimator estimator(mcunet());
  EXPECT_NEAR(estimator.evaluate({*model.arch})[0] / 1e6, 81.8, 0.05);
}

TEST(EstimatorFactory, MakesTheProxyAndAsksForTheSupernetFile) {
  EXPECT_EQ(make_estimator("macs", mcunet())->name(), "macs");
  EXPECT_EQ(make_estimator("macs", mcunet())->required_width(), 0);
  EXPECT_EQ(estimator_names(), (std::vector<std::string>{"macs", "supernet"}));
  try {
    make_estimator("supernet", mcunet());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.field(), "supernet");
    EXPECT_NE(std::string(e.what()).find("needs a supernet file"), std::string::npos) << e.what();
  }
  try {
    make_estimator("flops", mcunet());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "estimator: \"flops\" is not an estimator (valid: macs, supernet)");
  }
}

TEST(FunctionEstimator, CallsTheFunctionWithTheBatch) {
  std::size_t calls = 0;
  FunctionEstimator estimator("depth", false, "blocks", [&](const std::vector<Arch>& archs) {
    ++calls;
    std::vector<double> scores;
    for (const Arch& a : archs) {
      int blocks = 0;
      for (const auto& s : a.stages) blocks += s.depth;
      scores.push_back(blocks);
    }
    return scores;
  });
  EXPECT_EQ(estimator.name(), "depth");
  EXPECT_FALSE(estimator.is_proxy());
  const Arch big = largest_arch(mcunet(), 1.0, 224), small = smallest_arch(mcunet(), 0.2, 48);
  EXPECT_EQ(estimator.evaluate({big, small}), (std::vector<double>{21, 11}));
  EXPECT_EQ(calls, 1u);
}

} // namespace
} // namespace tinynas

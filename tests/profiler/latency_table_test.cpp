// The latency lookup table: least-squares fallback fits recover known coefficients, lookups by signature win
// over the fit, the JSON form round-trips, and instruction-count (QEMU) tables refuse to give milliseconds.
#include <gtest/gtest.h>

#include <cmath>

#include <cstdlib>
#include <filesystem>

#include "../test_networks.hpp"
#include "../test_support.hpp"
#include "tinynas/profiler/latency_table.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

TEST(LatencyTable, FallbackFitRecoversLinearCosts) {
  std::vector<OpMeasurement> ms;
  for (int i = 1; i <= 12; ++i) {
    OpMeasurement m;
    m.type = "pointwise";
    m.signature = "pointwise:" + std::to_string(i);
    m.macs = 1000 * i * i;
    m.elements = 300 * i + 7 * (i % 3);
    m.channels = 8 * (i % 4) + i;
    m.ticks = 1.5 * static_cast<double>(m.macs) + 4.0 * static_cast<double>(m.elements) +
              20.0 * static_cast<double>(m.channels) + 250.0;
    ms.push_back(m);
  }
  LatencyTable t;
  fit_latency_table(t, ms);
  ASSERT_EQ(t.fallback.count("pointwise"), 1u);
  EXPECT_NEAR(t.fallback["pointwise"][0], 1.5, 1e-6);
  EXPECT_NEAR(t.fallback["pointwise"][1], 4.0, 1e-4);
  EXPECT_NEAR(t.fallback["pointwise"][2], 20.0, 1e-3);
  EXPECT_NEAR(t.fallback["pointwise"][3], 250.0, 1e-2);
  EXPECT_EQ(t.entries.size(), 12u);
}

TEST(LatencyTable, DuplicateSignaturesAreAveraged) {
  LatencyTable t;
  fit_latency_table(t, {{"add:in=4x4x8,out=4x4x8", "add", 0, 256, 8, 100, "add"},
                        {"add:in=4x4x8,out=4x4x8", "add", 0, 256, 8, 110, "add"}});
  EXPECT_DOUBLE_EQ(t.entries["add:in=4x4x8,out=4x4x8"].ticks, 105);
  EXPECT_EQ(t.entries["add:in=4x4x8,out=4x4x8"].samples, 2);
}

// A cycle table of board `board` at 1 MHz fitted on every op of `g`, op o measured at ticks(o).
template <typename Ticks>
LatencyTable table_of(const std::string& board, const Graph& g, Ticks ticks) {
  LatencyTable t;
  t.board = board;
  t.unit = "cycles";
  t.source = "dwt-cycles";
  t.clock_hz = 1e6;
  std::vector<OpMeasurement> ms;
  for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) {
    OpMeasurement m = describe_op(g, o);
    m.ticks = ticks(o);
    ms.push_back(m);
  }
  fit_latency_table(t, ms);
  return t;
}

TEST(LatencyTable, PredictUsesEntriesThenTheFit) {
  const Graph g = lower_to_graph(test::small_net());
  const LatencyTable t = table_of("test", g, [](int o) { return 1000.0 + o; });
  const LatencyTable::Prediction p = t.predict(g);
  EXPECT_EQ(p.from_table, static_cast<int>(g.ops.size()));
  EXPECT_EQ(p.from_fit, 0);
  double expected = 0;
  for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) expected += 1000.0 + o;
  EXPECT_DOUBLE_EQ(p.ticks, expected);
  EXPECT_DOUBLE_EQ(t.predict_ms(g), expected / 1e6 * 1e3);
  // a different resolution: new signatures, estimated by the per-type fits
  const Graph other = lower_to_graph(test::small_net(16));
  const LatencyTable::Prediction q = t.predict(other);
  EXPECT_GT(q.from_fit, 0);
  EXPECT_GT(q.ticks, 0);
}

// An op that computes more MACs than its whole tensor (the patch schedule's halo) is predicted proportionally
// slower; ops without MACs keep their ticks. A run list of the wrong length is refused.
TEST(LatencyTable, OpsRecomputingTheirHaloTakeProportionallyLonger) {
  const Graph g = lower_to_graph(test::small_net());
  const LatencyTable t = table_of("test", g, [](int o) { return 1000.0 + o; });
  std::vector<OpRun> runs;
  for (const Op& op : g.ops) runs.push_back({op.macs(g.tensors), 1});
  runs[1].macs *= 3; // the first depthwise conv, computed three times over
  const LatencyTable::Prediction p = t.predict(g, runs);
  EXPECT_DOUBLE_EQ(p.op_ticks[1], 3 * 1001.0);
  EXPECT_DOUBLE_EQ(p.op_ticks[0], 1000.0);
  EXPECT_DOUBLE_EQ(p.ticks, t.predict(g).ticks + 2 * 1001.0);
  EXPECT_THROW(t.predict(g, {{1, 1}, {2, 1}}), Error);
}

// Op 1 of small_net at 12 px: a 3x3 depthwise conv on 6x6x8. On a 4x4 grid it runs 15 times more than once, and
// its extra tiles add 3 * (6 + 6) * 1 border rows per channel.
TEST(LatencyTable, PatchFeaturesCountExtraRunsAndBorderRows) {
  const Graph g = lower_to_graph(test::small_net());
  EXPECT_EQ(patch_overhead_features(g, 1, 1), (PatchOverheadFeatures{0, 0, 0}));
  EXPECT_EQ(patch_overhead_features(g, 1, 4), (PatchOverheadFeatures{15 * 8, 15, 3 * 12 * 8}));
  EXPECT_EQ(patch_overhead_features(g, 1, 2), (PatchOverheadFeatures{3 * 8, 3, 1 * 12 * 8}));
}

// A patch grid adds the type's fitted overhead to the halo-scaled ticks; grid 1 and types without a fit add none.
TEST(LatencyTable, PatchRunsAddTheFittedOverheadPerExtraRun) {
  const Graph g = lower_to_graph(test::small_net());
  LatencyTable t = table_of("test", g, [](int o) { return 1000.0 + o; });
  t.patch_overhead["depthwise"] = {2.0, 50.0, 0.5};
  std::vector<OpRun> runs;
  for (const Op& op : g.ops) runs.push_back({op.macs(g.tensors), 1});
  EXPECT_DOUBLE_EQ(t.predict(g, runs).ticks, t.predict(g).ticks) << "grid 1: in place";
  runs[0].grid = runs[1].grid = 4; // conv (no fit) and depthwise
  runs[1].macs *= 2;
  const LatencyTable::Prediction p = t.predict(g, runs);
  EXPECT_DOUBLE_EQ(p.op_ticks[0], 1000.0);
  EXPECT_DOUBLE_EQ(p.op_ticks[1], 2 * 1001.0 + 2.0 * 15 * 8 + 50.0 * 15 + 0.5 * 3 * 12 * 8);
  // A fit that would predict a negative overhead adds nothing.
  t.patch_overhead["depthwise"] = {-100.0, 0, 0};
  EXPECT_DOUBLE_EQ(t.predict(g, runs).op_ticks[1], 2 * 1001.0);
}

TEST(LatencyTable, PatchOverheadFitRecoversKnownCosts) {
  std::vector<PatchOpMeasurement> ms;
  for (int grid = 2; grid <= 4; ++grid)
    for (int resolution : {12, 16, 20, 24}) {
      const Graph g = lower_to_graph(test::small_net(resolution));
      for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) {
        if (g.ops[static_cast<std::size_t>(o)].type != OpType::kDepthwiseConv) continue;
        const PatchOverheadFeatures f = patch_overhead_features(g, o, grid);
        ms.push_back({"depthwise", f, 1200.0 * f[0] + 300.0 * f[1] + 7.0 * f[2]});
      }
    }
  LatencyTable t;
  fit_patch_overhead(t, ms);
  ASSERT_EQ(t.patch_overhead.size(), 1u);
  EXPECT_NEAR(t.patch_overhead["depthwise"][0], 1200.0, 1e-3);
  EXPECT_NEAR(t.patch_overhead["depthwise"][1], 300.0, 1e-2);
  EXPECT_NEAR(t.patch_overhead["depthwise"][2], 7.0, 1e-4);
}

TEST(LatencyTable, MeasurementsGetTheBoardTablesPrediction) {
  const Graph g = lower_to_graph(test::small_net());
  test::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "latency");
  Board board_a = Board::load("stm32f746g-disco"), board_b = board_a;
  board_a.latency_table = (dir.path() / "latency" / "board-a.json").string();
  board_b.latency_table = (dir.path() / "latency" / "board-b.json").string();
  const double measured = 2000.0; // cycles
  EXPECT_FALSE(predicted_latency(board_a, g, measured, "cycles")) << "no table: no prediction";

  table_of("board-a", g, [](int) { return 100.0; }).save(board_a.latency_table);
  const auto p = predicted_latency(board_a, g, measured, "cycles");
  ASSERT_TRUE(p);
  const double want = 100.0 * static_cast<double>(g.ops.size());
  EXPECT_DOUBLE_EQ(p->value, want);
  EXPECT_DOUBLE_EQ(p->error_pct, 100.0 * (want - 2000.0) / 2000.0);
  EXPECT_EQ(p->ops_from_table, static_cast<int>(g.ops.size()));
  EXPECT_EQ(p->table, board_a.latency_table);
  // A table in another unit says nothing about this measurement.
  EXPECT_FALSE(predicted_latency(board_a, g, measured, "ticks"));
  // A damaged table is skipped (logged), never thrown: the measurement must survive it.
  dir.write("latency/board-b.json", "{\"format\": \"tinynas-latency-table\", \"unit\": ");
  EXPECT_FALSE(predicted_latency(board_b, g, measured, "cycles"));
}

TEST(LatencyTable, JsonRoundTripAndTicksHaveNoMilliseconds) {
  LatencyTable t;
  t.board = "qemu-netduinoplus2";
  t.unit = "ticks";
  t.source = "qemu-icount-ticks";
  t.ticks_per_instruction = 1.344;
  t.space = "fashion_mnist";
  t.entries["conv:in=28x28x1,out=28x28x8,k=3,s=1"] = {12345.5, 3};
  t.fallback["conv"] = {4.5, 0.25, 12, 300};
  t.holdout.push_back({"w1.0-r28-...", 1000, 1050, 5.0, 0.5});
  t.holdout_mean_abs_error_pct = 5.0;
  t.holdout_max_abs_error_pct = 5.0;
  t.patch_overhead["depthwise"] = {1500.5, 20, 3.25};
  t.patch_holdout.push_back({"w1.0-r28-...", 1200, 1180, -1.5, 0.5});
  t.patch_holdout_mean_abs_error_pct = 1.5;
  t.patch_holdout_max_abs_error_pct = 1.5;
  const LatencyTable back = LatencyTable::from_json(t.to_json(), "t.json");
  EXPECT_EQ(back.patch_overhead, t.patch_overhead);
  ASSERT_EQ(back.patch_holdout.size(), 1u);
  EXPECT_DOUBLE_EQ(back.patch_holdout[0].error_pct, -1.5);
  EXPECT_DOUBLE_EQ(back.patch_holdout_max_abs_error_pct, 1.5);
  EXPECT_NE(back.describe("t.json").find("patch plans 1.5% / 1.5%"), std::string::npos) << back.describe("t.json");
  EXPECT_EQ(back.board, t.board);
  EXPECT_EQ(back.unit, "ticks");
  EXPECT_DOUBLE_EQ(back.entries.at("conv:in=28x28x1,out=28x28x8,k=3,s=1").ticks, 12345.5);
  EXPECT_EQ(back.fallback.at("conv"), t.fallback.at("conv"));
  ASSERT_EQ(back.holdout.size(), 1u);
  EXPECT_DOUBLE_EQ(back.holdout[0].error_pct, 5.0);
  EXPECT_THROW(back.predict_ms(lower_to_graph(test::small_net())), Error);
}

TEST(LatencyTable, MalformedFilesNameTheField) {
  try {
    LatencyTable::from_json(R"({"format":"tinynas-latency-table","board":"b","unit":"ticks","source":"s",
                                "entries":{"x":{"samples":1}},"fallback":{}})",
                            "bad.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.file(), "bad.json");
    EXPECT_NE(e.field().find("/entries/x"), std::string::npos) << e.field();
  }
}

TEST(LatencyTable, SignaturesDistinguishShapesKernelsAndStrides) {
  const Graph g = lower_to_graph(test::small_net());
  EXPECT_EQ(op_signature(g, 0), "conv:in=12x12x3,out=6x6x8,k=3,s=2");
  EXPECT_EQ(op_signature(g, 1), "depthwise:in=6x6x8,out=6x6x8,k=3,s=1");
}

} // namespace
} // namespace tinynas

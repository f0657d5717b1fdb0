// Cost model figures checked against hand computation (tiny_net.hpp) and against MCUNet's
// published figures for its model-zoo configs (tests/data/mcunet_configs/README.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tiny_net.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/profiler/patch_plan.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/netconfig.hpp"

namespace tinynas {
namespace {

Board test_board() {
  Board b;
  b.name = "test";
  b.core = "cortex-m7";
  b.clock_hz = 100e6;
  b.sram_bytes = 1024;
  b.flash_bytes = 4096;
  b.runtime_flash_bytes = 1000;
  b.runtime_sram_bytes = 100;
  b.latency = {2.0, 3.0, 1.0, 1.5, 4.0, 2.0, 100.0, "test"};
  return b;
}

CostReport analyze_tiny(Schedule s) {
  CostOptions o;
  o.schedule = s;
  return analyze(lower_to_graph(testing::tiny_net()), test_board(), o);
}

TEST(CostModel, TinyNetMacsParamsAndFlashByHand) {
  CostReport r = analyze_tiny(Schedule::kInplaceDw);
  // conv 36*16 + dw 36*16 + proj 32*16 + expand 128*16 + dw 144*16 + proj 128*16 + fc 80
  EXPECT_EQ(r.macs, 576 + 576 + 512 + 2048 + 2304 + 2048 + 80);
  // weights + 2 per BN channel; FC weights + bias
  EXPECT_EQ(r.params, 44 + 44 + 48 + 160 + 176 + 144 + 90);
  // weights + 12 bytes per output channel (bias + requant) + 32-byte op record; add 56, pool 40,
  // FC 80 + 40 + 8 + 32
  EXPECT_EQ(r.model_flash_bytes, 116 + 116 + 160 + 352 + 368 + 256 + 56 + 40 + 160);
  EXPECT_EQ(r.flash_bytes, 1624 + 1000);
  ASSERT_EQ(r.layers.size(), 9u);
  EXPECT_EQ(r.layers[4].name, "blocks.1.depthwise");
  EXPECT_EQ(r.layers[4].macs, 2304);
  EXPECT_EQ(r.layers[6].name, "blocks.1.add");
}

TEST(CostModel, PerLayerRowsSumToTotals) {
  CostReport r = analyze_tiny(Schedule::kLayerwise);
  std::int64_t macs = 0, params = 0, flash = 0;
  double latency = 0;
  for (const auto& l : r.layers) {
    macs += l.macs;
    params += l.params;
    flash += l.flash_bytes;
    latency += l.latency_ms;
  }
  EXPECT_EQ(macs, r.macs);
  EXPECT_EQ(params, r.params);
  EXPECT_EQ(flash, r.model_flash_bytes);
  EXPECT_NEAR(latency, r.latency_ms, 1e-9);
}

TEST(CostModel, LatencyEstimateFromCoefficients) {
  CostReport r = analyze_tiny(Schedule::kLayerwise);
  // 9 ops x 100 cycles + conv 576*2 + dw (576+2304)*3 + pw (512+2048+2048)*1 + fc 80*1.5
  // + add 128 elements * 4 + pool 128 elements * 2, at 100 MHz.
  double cycles = 900 + 1152 + 8640 + 4608 + 120 + 512 + 256;
  EXPECT_NEAR(r.latency_ms, cycles / 100e6 * 1e3, 1e-12);
}

TEST(CostModel, McunetAnalyticPeakByHand) {
  CostReport r = analyze_tiny(Schedule::kMcunetAnalytic);
  // block 1's depthwise: 256 in + 256 out + the 128-byte block input held for the residual
  EXPECT_EQ(r.peak_sram_bytes, 640);
  EXPECT_EQ(r.layers[static_cast<std::size_t>(r.peak_op)].name, "blocks.1.depthwise");
  EXPECT_EQ(r.layers[0].sram_bytes, 64 + 64);
  EXPECT_EQ(r.layers[3].sram_bytes, 128 + 256);
}

TEST(CostModel, LayerwisePeakByHand) {
  // Live at block 1's depthwise: block input 128 + expand output 256 + depthwise output 256 + the
  // 36-byte padded channel plane the firmware's depthwise kernel requests (in place or not); the
  // greedy plan reaches exactly that.
  CostReport r = analyze_tiny(Schedule::kLayerwise);
  EXPECT_EQ(r.peak_sram_bytes, 676);
  EXPECT_EQ(r.total_sram_bytes, 776);
  EXPECT_TRUE(r.fits_sram);
  // The first conv has one input channel, so the firmware runs tn_conv_1ch_s8: for 3x3 a 40-byte record
  // per output channel (6 weight words, bias, multiplier, 2 shift words), 4 * 40 = 160, plus k = 3 input
  // rows widened to int16 with the padding and one spare value, 2 * (8 + 2 * 1 + 1) = 22 bytes rounded up
  // to 24 each: 160 + 72.
  EXPECT_EQ(r.layers[0].scratch_bytes, 232);
}

TEST(CostModel, InplaceDepthwisePeakByHand) {
  // The depthwise output reuses its input: 128 block input + 256 shared + 128 project output at
  // block 1's project conv, + the 64 bytes of scratch the firmware's 1x1 kernel requests there (two
  // pixels' 16 input channels widened to int16); 36-byte padded channel plane as the depthwise scratch.
  CostReport r = analyze_tiny(Schedule::kInplaceDw);
  EXPECT_EQ(r.peak_sram_bytes, 576);
  EXPECT_EQ(r.layers[5].scratch_bytes, 64);
  EXPECT_EQ(r.layers[4].scratch_bytes, 36);
}

TEST(CostModel, PatchRecomputationByHand) {
  CostOptions o;
  o.schedule = Schedule::kPatch;
  o.patch.patches = 2;
  o.patch.split_block = 1;
  CostReport r = analyze(lower_to_graph(testing::tiny_net()), test_board(), o);
  // Rows each half needs, walking back from the 4x4 split tensor: first conv 4+4 of 4 rows,
  // block 0 dw and project 3+3, block 1 expand 3+3, then 2+2: halo MACs 1728 + 720 + 640 + 2560.
  EXPECT_EQ(r.patch_extra_macs, 5648);
  EXPECT_EQ(r.macs, 8144 + 5648);
  EXPECT_EQ(r.patch_split_block, 1);
  EXPECT_TRUE(r.layers[6].in_patch_stage);
  EXPECT_FALSE(r.layers[7].in_patch_stage);
}

// The patch schedule's arena is one plan for the whole net (what the firmware runs): valid, the split tensor
// live from the first op, the tensors before it at tile size, and the split rows cut into the grid's tiles.
TEST(CostModel, PatchArenaIsOnePlanForTheWholeNetwork) {
  const Graph g = lower_to_graph(testing::tiny_net());
  const int split = split_op_of_block(g, 1);
  const PatchTiling tiling = compute_patch_tiling(g, split, 2);
  const int split_tensor = g.ops[static_cast<std::size_t>(split)].output;
  EXPECT_EQ(tiling.spans[0][static_cast<std::size_t>(split_tensor)], (RowSpan{0, 2}));
  EXPECT_EQ(tiling.spans[1][static_cast<std::size_t>(split_tensor)], (RowSpan{2, 4}));
  EXPECT_TRUE(tiling.spans[0][static_cast<std::size_t>(split_tensor) + 1].empty()); // after the split: whole
  const ArenaResult r = plan_patch_arena(g, tiling, true);
  std::string why;
  EXPECT_TRUE(plan_is_valid(r.buffers, r.plan, &why)) << why;
  EXPECT_EQ(r.high_water.size(), g.ops.size());
  EXPECT_EQ(r.peak, r.plan.arena_bytes);
  bool split_found = false;
  for (const BufferRequest& b : r.buffers)
    if (b.bytes == g.tensors[static_cast<std::size_t>(split_tensor)].elements() && b.first_op == 0) split_found = true;
  EXPECT_TRUE(split_found) << "the split tensor is live from op 0";
  CostOptions o;
  o.schedule = Schedule::kPatch;
  o.patch.patches = 2;
  o.patch.split_block = 1;
  EXPECT_EQ(analyze(g, test_board(), o).peak_sram_bytes, r.peak);
  EXPECT_THROW(split_op_of_block(g, 7), Error);
}

TEST(CostModel, OnePatchRecomputesNothing) {
  CostOptions o;
  o.schedule = Schedule::kPatch;
  o.patch.patches = 1;
  o.patch.split_block = 1;
  CostReport r = analyze(lower_to_graph(testing::tiny_net()), test_board(), o);
  EXPECT_EQ(r.patch_extra_macs, 0);
  EXPECT_EQ(r.macs, 8144);
}

TEST(CostModel, UnknownSplitBlockIsRejected) {
  CostOptions o;
  o.schedule = Schedule::kPatch;
  o.patch.split_block = 7;
  EXPECT_THROW(analyze(lower_to_graph(testing::tiny_net()), test_board(), o), Error);
}

TEST(CostModel, FitChecksIncludeRuntime) {
  Board b = test_board();
  b.sram_bytes = 675; // 576 activations and scratch + 100 runtime = 676
  CostOptions o;
  CostReport r = analyze(lower_to_graph(testing::tiny_net()), b, o);
  EXPECT_FALSE(r.fits_sram);
  EXPECT_FALSE(r.fits);
  b.sram_bytes = 676;
  EXPECT_TRUE(analyze(lower_to_graph(testing::tiny_net()), b, o).fits_sram);
}

// Budgets are an input of the fit check: the board is never edited to change them, and the same budgets give the
// same verdict whoever asks (analyze here, the search through check_budgets).
TEST(CostModel, BudgetsAreAnExplicitInputDefaultingToTheBoard) {
  const Board b = test_board();
  const Graph g = lower_to_graph(testing::tiny_net());
  const CostReport by_board = analyze(g, b, {});
  EXPECT_EQ(by_board.sram_budget_bytes, b.sram_bytes);
  EXPECT_EQ(by_board.flash_budget_bytes, b.flash_bytes);
  EXPECT_FALSE(by_board.latency_budget_ms);
  EXPECT_TRUE(by_board.fits_latency);
  CostOptions o;
  o.budgets = Budgets{675, b.flash_bytes, std::nullopt}; // 576 activations and scratch + 100 runtime = 676
  const CostReport tight = analyze(g, b, o);
  EXPECT_FALSE(tight.fits_sram);
  EXPECT_FALSE(tight.fits);
  EXPECT_EQ(tight.sram_budget_bytes, 675u);
  EXPECT_EQ(check_budgets(tight.total_sram_bytes, tight.flash_bytes, tight.latency_ms, *o.budgets).all(), tight.fits);
  o.budgets->sram_bytes = 676;
  EXPECT_TRUE(analyze(g, b, o).fits);
  o.budgets->latency_ms = tight.latency_ms * 0.5;
  const CostReport slow = analyze(g, b, o);
  EXPECT_FALSE(slow.fits_latency);
  EXPECT_FALSE(slow.fits);
  EXPECT_TRUE(slow.fits_sram && slow.fits_flash);
}

// With the board's calibrated table, analyze predicts with it (per layer and in total) and says so; the
// coefficient estimate is the fallback, labelled as one.
TEST(CostModel, LatencyComesFromTheCalibratedTableWhenThereIsOne) {
  const Board b = test_board();
  const Graph g = lower_to_graph(testing::tiny_net());
  auto table = std::make_shared<LatencyTable>();
  table->board = b.name;
  table->unit = "cycles";
  table->source = "dwt-cycles";
  table->clock_hz = b.clock_hz;
  for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) table->entries[op_signature(g, o)] = {1000.0 * (o + 1), 1};
  CostOptions o;
  o.latency_table = table;
  const CostReport r = analyze(g, b, o);
  double ticks = 0;
  for (int op = 0; op < static_cast<int>(g.ops.size()); ++op) ticks += 1000.0 * (op + 1);
  EXPECT_DOUBLE_EQ(r.latency_ms, ticks / b.clock_hz * 1e3);
  EXPECT_TRUE(r.latency_calibrated);
  EXPECT_EQ(r.latency_source.rfind("calibrated table", 0), 0u) << r.latency_source;
  double sum = 0;
  for (const LayerCost& l : r.layers) sum += l.latency_ms;
  EXPECT_NEAR(sum, r.latency_ms, 1e-12);
  EXPECT_DOUBLE_EQ(summarize(g, b, o).latency_ms, r.latency_ms);
  const CostReport estimate = analyze(g, b, {});
  EXPECT_FALSE(estimate.latency_calibrated);
  EXPECT_EQ(estimate.latency_source, b.latency.source);
}

TEST(CostModel, SummaryMatchesFullReport) {
  Graph g = lower_to_graph(testing::tiny_net());
  for (Schedule s : {Schedule::kMcunetAnalytic, Schedule::kLayerwise, Schedule::kInplaceDw, Schedule::kPatch}) {
    CostOptions o;
    o.schedule = s;
    CostReport r = analyze(g, test_board(), o);
    CostSummary sum = summarize(g, test_board(), o);
    EXPECT_EQ(sum.macs, r.macs);
    EXPECT_EQ(sum.peak_sram_bytes, r.peak_sram_bytes);
    EXPECT_EQ(sum.flash_bytes, r.flash_bytes);
    EXPECT_DOUBLE_EQ(sum.latency_ms, r.latency_ms);
  }
}

TEST(CostModel, JsonHasTheDocumentedFields) {
  auto j = nlohmann::json::parse(analyze_tiny(Schedule::kInplaceDw).to_json());
  for (const char* key :
       {"macs", "params", "flash_bytes", "peak_sram_bytes", "schedule", "board", "fits", "layers", "latency"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["schedule"], "inplace-dw");
  EXPECT_EQ(j["layers"].size(), 9u);
  EXPECT_EQ(j["layers"][4]["type"], "depthwise");
  EXPECT_EQ(j["latency"]["unit"], "ms");
}

// MCUNet's model zoo, published figures (MCUNet README; "kB" = 1024 bytes): mcunet-in3 81.8M MACs,
// 0.74M params, 333 kB analytic peak; mcunet-in0 6.4M MACs, 0.75M params. The exact integers
// were recomputed independently from the net configs with a short Python script.
struct ZooModel {
  const char* file;
  std::int64_t macs;
  std::int64_t params;
  std::int64_t analytic_peak;
};

class McunetZoo : public ::testing::TestWithParam<ZooModel> {};

TEST_P(McunetZoo, ReproducesPublishedFigures) {
  const ZooModel& m = GetParam();
  LoadedModel model = load_model(std::string(TINYNAS_SOURCE_DIR) + "/tests/data/mcunet_configs/" + m.file);
  CostOptions o;
  o.schedule = Schedule::kMcunetAnalytic;
  CostReport r = analyze(lower_to_graph(model.net), Board::load("stm32f746g-disco"), o);
  EXPECT_EQ(r.macs, m.macs);
  EXPECT_EQ(r.params, m.params);
  EXPECT_EQ(r.peak_sram_bytes, m.analytic_peak);
}

INSTANTIATE_TEST_SUITE_P(Published, McunetZoo,
                         ::testing::Values(ZooModel{"mcunet-320kb-1mb_imagenet.json", 81785520, 737408, 340736},
                                           ZooModel{"mcunet-10fps_imagenet.json", 6364224, 749840, 46080}));

TEST(McunetZooRounding, In3MatchesThePaperAsPrinted) {
  LoadedModel model =
      load_model(std::string(TINYNAS_SOURCE_DIR) + "/tests/data/mcunet_configs/mcunet-320kb-1mb_imagenet.json");
  CostOptions o;
  o.schedule = Schedule::kMcunetAnalytic;
  CostReport r = analyze(lower_to_graph(model.net), Board::load("stm32f746g-disco"), o);
  EXPECT_EQ(std::llround(static_cast<double>(r.macs) / 1e5), 818);               // 81.8M
  EXPECT_EQ(std::llround(static_cast<double>(r.params) / 1e4), 74);              // 0.74M
  EXPECT_EQ(std::llround(static_cast<double>(r.peak_sram_bytes) / 1024.0), 333); // 333 kB
}

// ---- the auto schedule ----

struct AutoCase {
  Graph graph = lower_to_graph(
      load_model(std::string(TINYNAS_SOURCE_DIR) + "/tests/data/mcunet_configs/mcunet-320kb-1mb_imagenet.json").net);
  Board board = Board::load("stm32f746g-disco");
  CostReport with(Schedule s, std::uint64_t sram, int patches = 0, int split_block = -1) const {
    CostOptions o;
    o.schedule = s;
    o.budgets = Budgets{sram, board.flash_bytes, std::nullopt};
    if (patches > 0) {
      o.patch.patches = patches;
      o.patch.split_block = split_block;
    }
    return analyze(graph, board, o);
  }
};

TEST(AutoSchedule, TakesInplaceDwWhenItFits) {
  const AutoCase c;
  const CostReport inplace = c.with(Schedule::kInplaceDw, 1 << 20);
  const CostReport chosen = c.with(Schedule::kAuto, 1 << 20);
  EXPECT_EQ(chosen.schedule, "inplace-dw");
  EXPECT_TRUE(chosen.schedule_auto && chosen.fits);
  EXPECT_EQ(chosen.peak_sram_bytes, inplace.peak_sram_bytes);
  EXPECT_EQ(chosen.macs, inplace.macs);
  EXPECT_EQ(nlohmann::json::parse(chosen.to_json())["schedule_auto"], true);
}

// Where inplace-dw does not fit, auto takes the fitting grid and split with the fewest extra MACs: checked against
// every grid and split analysed one by one with the patch schedule.
TEST(AutoSchedule, TakesTheFittingPatchPlanWithTheFewestExtraMacs) {
  const AutoCase c;
  const CostReport inplace = c.with(Schedule::kInplaceDw, 1 << 20);
  // mcunet-in3: 242 KiB under inplace-dw, 212 KiB with patches (docs/COST_MODEL.md)
  const auto budget = static_cast<std::uint64_t>(inplace.total_sram_bytes) * 9 / 10;
  const CostReport chosen = c.with(Schedule::kAuto, budget);
  ASSERT_EQ(chosen.schedule, "patch");
  EXPECT_TRUE(chosen.fits);
  const std::int64_t cap = (inplace.macs) / 4; // PatchOptions::max_extra_macs
  std::int64_t fewest = -1;
  for (int block = 0; block < 20; ++block)
    for (int n = 2; n <= kAutoMaxPatches; ++n) {
      CostReport r;
      try {
        r = c.with(Schedule::kPatch, budget, n, block);
      } catch (const Error&) {
        break; // not a block boundary of this net
      }
      if (r.patches == n && r.fits && r.patch_extra_macs <= cap && (fewest < 0 || r.patch_extra_macs < fewest))
        fewest = r.patch_extra_macs;
    }
  ASSERT_GE(fewest, 0);
  EXPECT_EQ(chosen.patch_extra_macs, fewest);
  // Its figures are the patch schedule's for that grid and split, and the summary says which it was.
  const CostReport same = c.with(Schedule::kPatch, budget, chosen.patches, chosen.patch_split_block);
  EXPECT_EQ(chosen.peak_sram_bytes, same.peak_sram_bytes);
  EXPECT_EQ(chosen.macs, same.macs);
  CostOptions o;
  o.schedule = Schedule::kAuto;
  o.budgets = Budgets{budget, c.board.flash_bytes, std::nullopt};
  const CostSummary sum = summarize(c.graph, c.board, o);
  EXPECT_EQ(sum.patches, chosen.patches);
  EXPECT_EQ(sum.patch_split_block, chosen.patch_split_block);
}

TEST(AutoSchedule, NothingFitsIsReportedAsInplaceDwNotFitting) {
  const AutoCase c;
  const CostReport chosen = c.with(Schedule::kAuto, 16 * 1024);
  EXPECT_EQ(chosen.schedule, "inplace-dw");
  EXPECT_FALSE(chosen.fits_sram);
  EXPECT_EQ(chosen.patches, 0);
}

} // namespace
} // namespace tinynas

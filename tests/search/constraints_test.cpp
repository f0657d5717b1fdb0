#include <gtest/gtest.h>

#include <fmt/format.h>

#include "search_test_support.hpp"
#include "tinynas/search/constraints.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {
namespace {

using testing::f746;
using testing::mcunet;

TEST(Constraints, BudgetsDefaultToTheBoard) {
  Constraints c = make_constraints(f746(), {}, {}, {}, Schedule::kInplaceDw);
  EXPECT_EQ(c.sram_bytes, 320u * 1024);
  EXPECT_EQ(c.flash_bytes, 1024u * 1024);
  EXPECT_FALSE(c.latency_ms);
  Constraints d = make_constraints(f746(), 256u * 1024, 512u * 1024, 500.0, Schedule::kLayerwise);
  EXPECT_EQ(d.sram_bytes, 256u * 1024);
  EXPECT_EQ(d.flash_bytes, 512u * 1024);
  EXPECT_EQ(*d.latency_ms, 500.0);
  EXPECT_EQ(d.describe(),
            "SRAM 256.0 KiB, flash 512.0 KiB, latency 500 ms (estimate) (board stm32f746g-disco, schedule layerwise)");
}

TEST(Constraints, RejectsEmptyBudgetsNamingTheOption) {
  auto option_of = [](auto make) {
    try {
      make();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what(); // an option, not a CLI flag
      return e.field();
    }
    return std::string("no error");
  };
  EXPECT_EQ(option_of([] { make_constraints(f746(), 0, {}, {}, Schedule::kInplaceDw); }), "sram");
  EXPECT_EQ(option_of([] { make_constraints(f746(), {}, 0, {}, Schedule::kInplaceDw); }), "flash");
  EXPECT_EQ(option_of([] { make_constraints(f746(), {}, {}, -1.0, Schedule::kInplaceDw); }), "latency");
}

TEST(Constraints, FitsComparesTotalSramFlashAndLatencyInclusively) {
  Constraints c = make_constraints(f746(), 1000, 2000, {}, Schedule::kInplaceDw);
  CostSummary cost;
  cost.peak_sram_bytes = 900; // the runtime's share is in total_sram_bytes, which is what counts
  cost.total_sram_bytes = 1000;
  cost.flash_bytes = 2000;
  cost.latency_ms = 1e9;
  EXPECT_TRUE(fits(cost, c)); // budgets are inclusive; no latency budget: any latency
  cost.total_sram_bytes = 1001;
  EXPECT_FALSE(fits(cost, c));
  cost.total_sram_bytes = 1000;
  cost.flash_bytes = 2001;
  EXPECT_FALSE(fits(cost, c));
  cost.flash_bytes = 2000;
  c.latency_ms = 100;
  EXPECT_FALSE(fits(cost, c));
  cost.latency_ms = 100;
  EXPECT_TRUE(fits(cost, c));
}

TEST(Constraints, CheckFitAgreesWithAFullAnalysis) {
  Rng rng(3);
  for (Schedule schedule : {Schedule::kMcunetAnalytic, Schedule::kLayerwise, Schedule::kInplaceDw, Schedule::kPatch}) {
    Constraints c = make_constraints(f746(), {}, {}, 2000.0, schedule);
    for (int i = 0; i < 20; ++i) {
      const Arch arch = sample_arch(mcunet(), rng);
      const FitCheck check = check_fit(mcunet(), arch, c);
      CostOptions full;
      full.schedule = schedule;
      const CostReport report = analyze(lower_to_graph(lower_to_net(mcunet(), arch)), f746(), full);
      EXPECT_EQ(check.cost.macs, report.macs);
      EXPECT_EQ(check.cost.total_sram_bytes, report.total_sram_bytes);
      EXPECT_EQ(check.cost.flash_bytes, report.flash_bytes);
      EXPECT_EQ(check.fits, report.total_sram_bytes <= 320 * 1024 && report.flash_bytes <= 1024 * 1024 &&
                                report.latency_ms <= 2000.0)
          << arch.id() << " under " << schedule_name(schedule);
    }
  }
}

// The README's winner at 320 KB / 1 MB fits the F746 only in patches: what the search prints says so, and how many
// MACs the halo adds, which analyze (patch.extra_macs) computes its own way.
TEST(Constraints, TheRunPlanTextSaysWhetherAndHowTheSubnetRunsInPatches) {
  const Arch patched = arch_from_id("w0.7-r224-k7777e6643-k7777e5666-k537e564-k777e566-k33e33-k3e3", mcunet());
  const FitCheck check = check_fit(mcunet(), patched, testing::in3_budgets(Schedule::kAuto));
  ASSERT_TRUE(check.fits);
  EXPECT_EQ(run_plan_text(check.cost, testing::in3_budgets(Schedule::kAuto)),
            "patch 4x4 up to block 2 (auto's choice)");
  CostOptions same_plan;
  same_plan.schedule = Schedule::kPatch;
  same_plan.patch.patches = 4;
  same_plan.patch.split_block = 2;
  const CostReport report = analyze(lower_to_graph(lower_to_net(mcunet(), patched)), f746(), same_plan);
  EXPECT_EQ(recomputed_macs(mcunet(), patched, check.cost), report.patch_extra_macs);
  EXPECT_EQ(check.cost.macs - recomputed_macs(mcunet(), patched, check.cost), subnet_macs(mcunet(), patched));
  EXPECT_EQ(run_plan_text(check.cost, testing::in3_budgets(Schedule::kPatch)), "patch 4x4 up to block 2");
  EXPECT_EQ(macs_text(mcunet(), patched, check.cost),
            "300.48M (241.95M in the network + 58.53M recomputed in the patches' halos)"); // as the README shows

  const Arch small = arch_from_id("w0.3-r96-k33e33-k33e33-k33e33-k33e33-k33e33-k3e3", mcunet());
  const FitCheck in_place = check_fit(mcunet(), small, testing::in3_budgets(Schedule::kAuto));
  EXPECT_EQ(in_place.cost.patches, 0);
  EXPECT_EQ(recomputed_macs(mcunet(), small, in_place.cost), 0);
  EXPECT_EQ(macs_text(mcunet(), small, in_place.cost),
            fmt::format("{:.2f}M", static_cast<double>(subnet_macs(mcunet(), small)) / 1e6));
  EXPECT_EQ(run_plan_text(in_place.cost, testing::in3_budgets(Schedule::kAuto)),
            "in place (inplace-dw, auto's choice)");
  EXPECT_EQ(run_plan_text(in_place.cost, testing::in3_budgets(Schedule::kInplaceDw)), "inplace-dw");
}

TEST(Constraints, LatencyBudgetUsesTheBoardsCalibratedTable) {
  // configs/latency/qemu-mps2-an500.json ships with the repository (tinynas calibrate).
  const Board board = Board::load("qemu-mps2-an500");
  // One latency prediction per board: the table is used with or without a latency budget (issue 10, item 5).
  const Constraints without_budget = make_constraints(board, {}, {}, {}, Schedule::kInplaceDw);
  ASSERT_NE(without_budget.latency_table, nullptr);
  const Constraints with_budget = make_constraints(board, {}, {}, 500.0, Schedule::kInplaceDw);
  ASSERT_NE(with_budget.latency_table, nullptr);
  EXPECT_NE(with_budget.describe().find("calibrated table"), std::string::npos) << with_budget.describe();

  SearchSpace space = SearchSpace::load("fashion_mnist");
  Rng rng(5);
  const Arch arch = sample_arch(space, rng);
  const Graph graph = lower_to_graph(lower_to_net(space, arch));
  const LatencyTable& table = *with_budget.latency_table;
  // QEMU table: instructions at the board's clock, one per cycle.
  const double expected = table.predict(graph).ticks / table.ticks_per_instruction / table.clock_hz * 1e3;
  EXPECT_DOUBLE_EQ(check_fit(space, arch, with_budget).cost.latency_ms, expected);
  EXPECT_DOUBLE_EQ(check_fit(space, arch, without_budget).cost.latency_ms, expected);
  // ... and it is what analyze reports for the same model (the search's figure is analyze's figure).
  CostOptions analyze_options;
  analyze_options.latency_table = board_latency_table(board);
  EXPECT_DOUBLE_EQ(analyze(graph, board, analyze_options).latency_ms, expected);
}

TEST(Constraints, BoardsWithoutATableKeepTheEstimate) {
  const Constraints c = make_constraints(testing::f746(), {}, {}, 500.0, Schedule::kInplaceDw);
  EXPECT_EQ(c.latency_table, nullptr);
  EXPECT_NE(c.describe().find("(estimate)"), std::string::npos) << c.describe();
}

} // namespace
} // namespace tinynas

// `tinynas search --hil`: the search's finalists measured on an emulated board, the latency budget
// applied to the measurements.
#include <gtest/gtest.h>

#include <filesystem>

#include "hil_test_support.hpp"
#include "tinynas/hil/hil_check.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {
namespace {

class HilSearch : public ::testing::Test {
protected:
  void SetUp() override {
    if (!hil_test::have_program("qemu-system-arm")) GTEST_SKIP() << "qemu-system-arm not installed";
    try {
      HilProfiler probe(Board::load("qemu-mps2-an500"));
      if (!std::filesystem::exists(probe.firmware_path())) GTEST_SKIP() << "no firmware image";
    } catch (const Error& e) {
      GTEST_SKIP() << "firmware image not built: " << e.what();
    }
  }

  // A small search of the Fashion-MNIST space on the F746: tiny networks, quick under QEMU.
  static SearchResult small_search(Schedule schedule = Schedule::kInplaceDw, const char* sram = "64K") {
    SearchConfig c;
    c.space = SearchSpace::load("fashion_mnist");
    c.constraints =
        make_constraints(Board::load("stm32f746g-disco"), parse_size(sram), parse_size("256K"), {}, schedule);
    c.stage1.samples = 20;
    c.evolution.population = 8;
    c.evolution.parents = 3;
    c.evolution.generations = 1;
    MacsProxyEstimator estimator(c.space);
    return run_search(c, estimator, "");
  }
};

TEST_F(HilSearch, FinalistsAreMeasuredInScoreOrderAndTheBudgetUsesTheMeasurements) {
  SearchResult result = small_search();
  HilCheckOptions options;
  options.board = Board::load("qemu-mps2-an500");
  options.top_k = 2;
  HilCheckResult hil = check_finalists_on_board(result, options);
  ASSERT_EQ(hil.candidates.size(), 2u);
  EXPECT_TRUE(hil.emulated);
  EXPECT_EQ(hil.candidates[0].id, result.best().id);
  EXPECT_GE(hil.candidates[0].score, hil.candidates[1].score);
  for (const HilCandidate& c : hil.candidates) {
    EXPECT_TRUE(c.bit_exact) << c.id;
    EXPECT_EQ(c.peak_sram_bytes_measured, c.peak_sram_bytes_predicted) << c.id;
    EXPECT_GT(c.instructions, 0);
    // QEMU instructions at the search board's clock, one per cycle.
    EXPECT_NEAR(c.measured_ms, c.instructions / result.config.constraints.board.clock_hz * 1e3, 1e-9);
    EXPECT_TRUE(c.fits_latency); // no budget
  }
  EXPECT_EQ(hil.best, 0);

  // A budget between the two measurements keeps only the faster one; below both, none.
  const double fast = std::min(hil.candidates[0].measured_ms, hil.candidates[1].measured_ms);
  const double slow = std::max(hil.candidates[0].measured_ms, hil.candidates[1].measured_ms);
  if (fast < slow) {
    result.config.constraints.latency_ms = (fast + slow) / 2;
    HilCheckResult within = check_finalists_on_board(result, options);
    ASSERT_GE(within.best, 0);
    EXPECT_DOUBLE_EQ(within.candidates[static_cast<std::size_t>(within.best)].measured_ms, fast);
  }
  result.config.constraints.latency_ms = fast / 2;
  EXPECT_EQ(check_finalists_on_board(result, options).best, -1);
}

// A search with --schedule auto under an SRAM budget only patch plans meet: its finalists run on the board in the
// schedule the search found them with (patches), at the predicted peak.
TEST_F(HilSearch, FinalistsRunInTheSchedulesTheSearchChose) {
  const SearchResult result = small_search(Schedule::kAuto, "20K");
  ASSERT_TRUE(result.best().cost.patches > 0) << "the budget should need patches";
  HilCheckOptions options;
  options.board = Board::load("qemu-mps2-an500");
  options.top_k = 2;
  const HilCheckResult hil = check_finalists_on_board(result, options);
  ASSERT_EQ(hil.candidates.size(), 2u);
  EXPECT_EQ(hil.candidates[0].schedule, "patch");
  for (const HilCandidate& c : hil.candidates) {
    EXPECT_TRUE(c.bit_exact) << c.id;
    EXPECT_EQ(c.peak_sram_bytes_measured, c.peak_sram_bytes_predicted) << c.id;
  }
  EXPECT_EQ(hil.candidates[0].peak_sram_bytes_predicted, result.best().cost.peak_sram_bytes);
}

// The cores beyond M4/M7 as search boards: a search for the M3 (pure-C kernels) and the M33 (Armv8-M) with their
// calibrated tables, its finalists measured on those boards in the table's units, bit-exact at the predicted peak.
class HilSearchOnCore : public HilSearch, public ::testing::WithParamInterface<const char*> {};

TEST_P(HilSearchOnCore, FinalistsAreMeasuredNearTheTablesLatency) {
  SearchConfig c;
  c.space = SearchSpace::load("fashion_mnist");
  c.constraints = make_constraints(Board::load(GetParam()), parse_size("64K"), parse_size("256K"), {}, Schedule::kAuto);
  ASSERT_TRUE(c.constraints.latency_table) << "the board ships a calibrated table";
  c.stage1.samples = 20;
  c.evolution.population = 8;
  c.evolution.parents = 3;
  c.evolution.generations = 1;
  MacsProxyEstimator estimator(c.space);
  const SearchResult result = run_search(c, estimator, "");
  HilCheckOptions options;
  options.board = Board::load(GetParam());
  options.top_k = 2;
  const HilCheckResult hil = check_finalists_on_board(result, options);
  ASSERT_EQ(hil.candidates.size(), 2u);
  for (const HilCandidate& f : hil.candidates) {
    EXPECT_TRUE(f.bit_exact) << f.id;
    EXPECT_EQ(f.peak_sram_bytes_measured, f.peak_sram_bytes_predicted) << f.id;
    // The table was fitted on this board's own measurements (docs/HIL.md: held-out error under 4%).
    EXPECT_NEAR(f.measured_ms / f.estimated_ms, 1.0, 0.10) << f.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Cores, HilSearchOnCore, ::testing::Values("qemu-mps2-an385", "qemu-mps2-an505"));

TEST_F(HilSearch, TopKMustBePositive) {
  SearchResult result = small_search();
  HilCheckOptions options;
  options.board = Board::load("qemu-mps2-an500");
  options.top_k = 0;
  EXPECT_THROW(check_finalists_on_board(result, options), Error);
}

} // namespace
} // namespace tinynas

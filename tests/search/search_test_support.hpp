#pragma once
// Shared fixtures of the search tests: the shipped mcunet space and F746 board, small search
// options that keep every test under a second or two, and scratch directories.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/search/search_config.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::testing {

inline const SearchSpace& mcunet() {
  static const SearchSpace space = SearchSpace::load("mcunet");
  return space;
}

inline const Board& f746() {
  static const Board board = Board::load("stm32f746g-disco");
  return board;
}

// MCUNet's in3 setting: 320 KB SRAM and 1 MB flash on the STM32F746, TinyEngine-style schedule.
inline Constraints in3_budgets(Schedule schedule = Schedule::kInplaceDw) {
  return make_constraints(f746(), parse_size("320K"), parse_size("1M"), {}, schedule);
}

// A search small enough for a unit test: 50 samples per pair, population 16, 4 generations.
inline SearchConfig small_config(std::uint64_t seed = 7) {
  SearchConfig c;
  c.space = mcunet();
  c.constraints = in3_budgets();
  c.estimator = "macs";
  c.stage1.samples = 50;
  c.stage1.seed = seed;
  c.evolution.population = 16;
  c.evolution.parents = 4;
  c.evolution.generations = 4;
  c.evolution.seed = seed;
  return c;
}

// A fresh, empty directory named after the running test, under the system's temp directory.
inline std::string scratch_dir(const std::string& suffix = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("tinynas_search_" + std::string(info->test_suite_name()) + "_" + info->name() + suffix);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

using test::read_text;

} // namespace tinynas::testing

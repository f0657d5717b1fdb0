#pragma once
// A search as a user asks for it: every option of `tinynas search` and of Python's
// tinynas.search(), with its default, in one place. The CLI binds its flags to these fields and
// Python's keyword arguments default to them; make_search_config turns them into the SearchConfig
// the search runs, with the same checks and messages for both. Errors name an option as it is
// spelled here, which is also Python's keyword (`population`); the CLI prints its flag instead.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "tinynas/search/estimator.hpp"
#include "tinynas/search/search_config.hpp"

namespace tinynas {

inline constexpr const char* kDefaultSearchSpace = "mcunet";

// Numeric defaults are the search's own (Stage1Options, EvolutionOptions, ...), so they cannot drift.
struct SearchOptions {
  // Budgets and setting.
  std::optional<std::string> sram;    // "320K", "320KB", "320KiB", "1M" or bytes; unset: the board's SRAM
  std::optional<std::string> flash;   // unset: the board's flash
  std::optional<std::string> latency; // "500ms", "1.2s", "800us" or ms; unset: no latency budget
  std::string board = "stm32f746g-disco";
  std::optional<std::string> space; // unset: the supernet's space with a supernet, else kDefaultSearchSpace
  std::string schedule = schedule_name(Constraints{}.schedule);
  int patches = PatchOptions{}.patches; // patch schedule: an n x n grid
  std::optional<int> split_block;       // patch schedule: last block run per patch; unset: automatic
  // What ranks the subnets.
  std::string estimator; // one of estimator_names() or the caller's own; "": "supernet" with a supernet, else "macs"
  std::string supernet;  // the trained supernet file, read by estimator "supernet" only
  std::string data_dir;  // estimator "supernet": the dataset directory; "": Fashion-MNIST
  int eval_images = EstimatorOptions{}.eval_images; // estimator "supernet": images per subnet; 0: all
  // Stage 1 (the seed is both stages').
  std::uint64_t seed = EvolutionOptions{}.seed;
  int samples = Stage1Options{}.samples;
  std::string stage1_rule = stage1_rule_name(Stage1Options{}.rule);
  double stage1_quantile = Stage1Options{}.quantile;
  double min_fit = Stage1Options{}.min_fit_fraction;
  // Stage 2.
  int population = EvolutionOptions{}.population;
  int parents = EvolutionOptions{}.parents;
  int generations = EvolutionOptions{}.generations;
  double mutation_prob = EvolutionOptions{}.mutation_prob;
  double mutation_ratio = EvolutionOptions{}.mutation_ratio;
  int max_attempts = EvolutionOptions{}.max_attempts;
  // Stage 2's resolution window (EvolutionOptions); -1, the default, is "auto": 0 for a search,
  // kPipelineResolutionWindow for the whole pipeline (pipeline.hpp), whose supernet trains it.
  int resolution_window = -1;
  // Files and execution.
  std::string out;        // the directory for the result files and checkpoints; "": none
  std::string resume;     // continue the search checkpointed in this directory
  bool overwrite = false; // start over in an `out` that holds a search
  int threads = 0;        // 0: all cores
};

// The options' names, as the fields above and Python's keywords spell them.
const std::set<std::string>& search_option_names();

// The search `options` describe, checked (errors are invalid_option naming the option).
//  - A new search: the options on top of the defaults. An `out` that already holds a checkpoint
//    is refused unless `overwrite`.
//  - With `resume`: the checkpoint's configuration with the options named in `given` applied on
//    top (the others keep the checkpoint's values, so `resume` alone continues a search). Refused
//    unless it is the same search, with at least as many generations (only `generations` may grow).
// `given` is what the user set: the CLI's flags on the command line; all of them for Python, whose
// every keyword has a value.
SearchConfig make_search_config(const SearchOptions& options,
                                const std::set<std::string>& given = search_option_names());

// Records the estimator the search runs with and restricts stage 1 to the width it scores (a
// supernet's), as run_search and resume_search require.
void adopt_estimator(SearchConfig& config, const AccuracyEstimator& estimator);

} // namespace tinynas

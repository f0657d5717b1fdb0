#pragma once
// tinynas search: the two-stage TinyNAS search (search/search_run.hpp) from the command line.
// main.cpp binds the flags to the fields of SearchOptions (search/search_options.hpp, where the
// defaults and their checks live) and records which were given; search_command.cpp runs the search,
// shows progress on stderr and prints the result.
//
// With --resume DIR the options not given keep the checkpoint's values, and those given must leave
// it the same search (only --generations may grow), so `tinynas search --resume DIR` alone
// continues a search.

#include <optional>
#include <set>
#include <string>

#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/search/search_options.hpp"

namespace tinynas::cli {

// Where a new search writes without --out (SearchOptions' "" means no files, for Python).
inline constexpr const char* kDefaultSearchDir = "tinynas-search";

struct SearchCommandOptions {
  SearchOptions search;
  std::set<std::string> given;    // the options set on the command line, by SearchOptions' names
  bool json = false;              // --json            print the result as JSON on stdout
  std::optional<std::string> hil; // --hil BOARD       measure the best subnets on a board (QEMU or real)
  int hil_top = 5;                // --hil-top K       how many of the best to measure
  std::string farm;               // --farm farm.json  with --hil farm: the farm (default: this host's boards)
  // The whole pipeline (pipeline/pipeline.hpp) runs when --data is given without --supernet or
  // --estimator: these size its training phases.
  int supernet_epochs = PipelineOptions{}.supernet_epochs;                            // --supernet-epochs
  int finetune_epochs = PipelineOptions{}.finetune_epochs;                            // --finetune-epochs
  std::string final_training = final_training_name(PipelineOptions{}.final_training); // --final-training
  int limit = PipelineOptions{}.train_limit; // --limit N: train on the first N images
  std::string time_budget = format_time_budget(PipelineOptions{}.time_budget_seconds); // --time-budget
  // With --hil: the pipeline measures its winner on the board (the search its --hil-top best).
};

// Whether the options ask for the whole pipeline: data, and no supernet or estimator chosen; or
// --resume of a pipeline's run directory.
bool runs_pipeline(const SearchCommandOptions& options);

// Returns 0 with a result; throws tinynas::Error otherwise (kInfeasible when nothing fits: exit 2;
// kInterrupted after Ctrl-C, once the checkpoint is written: exit 130).
int run_search(const SearchCommandOptions& options);

} // namespace tinynas::cli

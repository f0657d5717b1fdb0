#pragma once
// The whole two-stage search as one call, with its files. With an output directory, it writes:
//   stage1.json          the stage-1 table and CDFs (right after stage 1)
//   history.jsonl        one line per evaluated subnet, appended at every checkpoint
//   checkpoint.json      everything needed to resume, rewritten atomically after every generation
//                        and, within a long one, about every minute (EvolutionHooks)
//   pareto.json          the Pareto front (score vs latency vs peak SRAM) over all evaluations
//   best.json            the best subnet as an arch file (`tinynas analyze` accepts it)
//   best.netconfig.json  the same subnet as an OFA/MCUNet net config
//   summary.md           a short human summary
// history.jsonl and checkpoint.json always agree after a resume: resuming rewrites history.jsonl
// from the checkpoint, dropping lines a killed run appended after its last checkpoint.

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "tinynas/search/estimator.hpp"
#include "tinynas/search/evolution.hpp"
#include "tinynas/search/search_config.hpp"
#include "tinynas/search/stage1.hpp"

namespace tinynas {

struct SearchHooks {
  std::function<void(const EvolutionProgress&)> progress;          // after every generation
  std::function<void(const EvaluationProgress&)> evaluating;       // within one, after every chunk of subnets
  const std::atomic<bool>* stop = nullptr;                         // Ctrl-C: stop after the next checkpoint
  double checkpoint_seconds = EvolutionHooks{}.checkpoint_seconds; // within a generation
};

struct SearchResult {
  SearchConfig config;
  Stage1Result stage1;
  EvolutionResult evolution;
  std::string out_dir; // "" when nothing was written

  const Evaluation& best() const { return evolution.history.at(evolution.best); }

  // {"best":{"id":..,"arch":{arch file},"score":..,"macs":..,"params":..,"peak_sram_bytes":..,
  //   "total_sram_bytes":..,"flash_bytes":..,"latency_ms":..,"fits":..,
  //   "patch":{"patches":..,"split_block":..,"extra_macs":..} (only when it runs in patches)},
  //  "estimator":{"name":..,"proxy":..,"score_unit":..},"budgets":{..},
  //  "stage1":{"rule":..,"chosen":{..},"fallback":..},"evaluations":..,"generations":..,
  //  "pareto_size":..,"out_dir":..}
  std::string to_json(int indent = 2) const;
  // to_json()'s "best" alone.
  std::string best_to_json(int indent = -1) const;
};

// Runs a new search. `estimator` must be the one config.estimator names. With `out_dir` non-empty
// the files above are written there; a directory that already holds a checkpoint is refused
// (invalid_option naming `out`, suggesting `resume`) unless `overwrite`.
// Throws Error(kInfeasible) when nothing fits, Error(kInterrupted) after a stop.
SearchResult run_search(const SearchConfig& config, AccuracyEstimator& estimator, const std::string& out_dir,
                        const SearchHooks& hooks = {}, bool overwrite = false);

// Continues the search checkpointed in `dir`, writing there. `config` must define the same search
// as the checkpoint's (see search_config_difference), except that evolution.generations may be
// larger (to extend a finished search) but not smaller than the generations already done.
// Reaches exactly the result an uninterrupted run_search with the same configuration reaches.
SearchResult resume_search(const std::string& dir, const SearchConfig& config, AccuracyEstimator& estimator,
                           const SearchHooks& hooks = {});

// The configuration a checkpoint in `dir` was made with (make_search_config starts a resumed
// search's from it).
SearchConfig read_search_config(const std::string& dir);

} // namespace tinynas

#pragma once
// The search checkpoint (DIR/checkpoint.json): the configuration, the pair stage 1 chose and the
// evolution state after the last completed generation. Written atomically (a temporary file in DIR,
// fsync, rename) after every generation, so a search killed at any moment (kill -9 included) leaves
// either the previous or the new checkpoint, never a torn one.

#include <optional>
#include <string>
#include <string_view>

#include "tinynas/search/evolution.hpp"
#include "tinynas/search/search_config.hpp"

namespace tinynas {

inline constexpr const char* kCheckpointFile = "checkpoint.json";

struct Checkpoint {
  SearchConfig config;
  double width = 0; // the pair stage 1 chose
  int resolution = 0;
  EvolutionState state;
  // The estimator's AccuracyEstimator::fingerprint; empty for the MACs proxy and in checkpoints from before it was
  // recorded (their supernet counts by its path).
  std::string fingerprint;
};

// {"format":"tinynas-search-checkpoint","version":1,"config":{..},"fingerprint":"..","chosen":{"width":..,
//  "resolution":..},"state":{"generation":..,"rng":"..","population":[full genes],"history":[evaluations]}}
// ("fingerprint" only when there is one). Takes the parts by reference: the search writes one after every generation.
std::string checkpoint_to_json(const SearchConfig& config, const std::string& fingerprint, double width, int resolution,
                               const EvolutionState& state);
// Throws Error(kInvalidFile) naming `file` and the field on malformed or inconsistent content.
Checkpoint checkpoint_from_json(std::string_view text, const std::string& file);

bool has_checkpoint(const std::string& dir);
// Atomic; Error(kIo) when the directory is not writable.
void write_checkpoint(const std::string& dir, const SearchConfig& config, const std::string& fingerprint, double width,
                      int resolution, const EvolutionState& state);
// invalid_option(resume) when `dir` holds no checkpoint.
Checkpoint read_checkpoint(const std::string& dir);

// The checks a new and a resumed search make, before anything runs. A new search refuses an
// `out_dir` that holds a checkpoint unless `overwrite` (invalid_option(out), suggesting `resume`);
// a resumed one must be the checkpointed search (see search_config_difference; invalid_option(resume)
// naming the first difference) with at least the generations done (invalid_option(generations)).
// A checkpoint with a fingerprint knows its supernet by content: the supernet may be at another path, and
// `fingerprint`, the estimator's now (nullopt before the estimator is made), must be the checkpoint's
// (invalid_option(supernet) otherwise).
void refuse_existing_checkpoint(const std::string& out_dir, bool overwrite);
void require_resumable(const Checkpoint& checkpoint, const SearchConfig& config, const std::string& dir,
                       const std::optional<std::string>& fingerprint = std::nullopt);

} // namespace tinynas

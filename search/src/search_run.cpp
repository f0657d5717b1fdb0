#include "tinynas/search/search_run.hpp"
#include <filesystem>

#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "output_files.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

void require_estimator(const SearchConfig& config, const AccuracyEstimator& estimator) {
  if (estimator.name() != config.estimator)
    throw Error(ErrorCode::kInvalidArgument, fmt::format("the search is configured for estimator \"{}\" but was given "
                                                         "estimator \"{}\"",
                                                         config.estimator, estimator.name()));
  const double width = estimator.required_width();
  if (width > 0 && std::abs(config.stage1.fixed_width - width) > 1e-9)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("estimator \"{}\" scores only subnets of width {:g}: restrict stage 1 to it "
                            "(Stage1Options::fixed_width, found {:g})",
                            estimator.name(), width, config.stage1.fixed_width));
}

// Makes `dir` a search's directory whose checkpoint (no pair chosen yet: `resume` starts over from
// stage 1) is there from the moment it can be seen: a kill at any instant leaves either no directory
// or one `resume` continues. A new directory is staged beside it and renamed into place; in an
// existing one (overwrite) the new checkpoint replaces the old before the old results go.
void start_directory(const std::string& dir, const SearchConfig& config, const std::string& fingerprint) {
  namespace fs = std::filesystem;
  if (fs::exists(dir)) {
    write_checkpoint(dir, config, fingerprint, 0, 0, {});
    outputs::remove_previous_results(dir);
    return;
  }
  const std::string staging = dir + ".starting";
  std::error_code ec;
  fs::remove_all(staging, ec); // a killed start's
  files::make_directory(staging);
  write_checkpoint(staging, config, fingerprint, 0, 0, {});
  fs::rename(staging, dir, ec);
  if (ec) throw Error(ErrorCode::kIo, "cannot create the search directory: " + ec.message(), dir);
}

// Stage 2 and the result files, shared by a new and a resumed search.
SearchResult evolve(const SearchConfig& config, Stage1Result stage1, AccuracyEstimator& estimator,
                    const std::string& dir, const SearchHooks& hooks, EvolutionState state) {
  const PairStats& pair = stage1.chosen_pair();
  const double width = pair.width;
  const int resolution = pair.resolution;
  EvolutionHooks evolution_hooks;
  evolution_hooks.progress = hooks.progress;
  evolution_hooks.evaluating = hooks.evaluating;
  evolution_hooks.checkpoint_seconds = hooks.checkpoint_seconds;
  evolution_hooks.stop = hooks.stop;
  if (!dir.empty()) {
    // History lines first, then the checkpoint: after a kill between the two, the checkpoint is
    // older than the history, and a resume rewrites the history from the checkpoint.
    evolution_hooks.checkpoint = [&](const EvolutionState& s, std::size_t first_new) {
      outputs::append_history(dir, s.history, first_new);
      write_checkpoint(dir, config, estimator.fingerprint(), width, resolution, s);
    };
  }
  EvolutionResult evolution = run_evolution(config.space, config.constraints, width, resolution, estimator,
                                            config.evolution, std::move(state), evolution_hooks);
  SearchResult result{config, std::move(stage1), std::move(evolution), dir};
  if (!dir.empty()) outputs::write_results(dir, result);
  const Evaluation& best = result.best();
  spdlog::info("search done: best {} ({} = {:g}, {:.2f}M MACs) after {} evaluations", best.id,
               result.evolution.score_unit, best.score, static_cast<double>(best.cost.macs) / 1e6,
               result.evolution.history.size());
  return result;
}

} // namespace

SearchResult run_search(const SearchConfig& config, AccuracyEstimator& estimator, const std::string& out_dir,
                        const SearchHooks& hooks, bool overwrite) {
  validate(config);
  require_estimator(config, estimator);
  refuse_existing_checkpoint(out_dir, overwrite);
  if (!out_dir.empty()) start_directory(out_dir, config, estimator.fingerprint());
  Stage1Result stage1 = run_stage1(config.space, config.constraints, config.stage1);
  if (!out_dir.empty()) {
    outputs::write_stage1(out_dir, stage1);
    outputs::rewrite_history(out_dir, {});
    write_checkpoint(out_dir, config, estimator.fingerprint(), stage1.chosen_pair().width,
                     stage1.chosen_pair().resolution, {});
  }
  return evolve(config, std::move(stage1), estimator, out_dir, hooks, {});
}

SearchConfig read_search_config(const std::string& dir) { return read_checkpoint(dir).config; }

SearchResult resume_search(const std::string& dir, const SearchConfig& config, AccuracyEstimator& estimator,
                           const SearchHooks& hooks) {
  validate(config);
  require_estimator(config, estimator);
  Checkpoint checkpoint = read_checkpoint(dir);
  require_resumable(checkpoint, config, dir, estimator.fingerprint());
  // Stage 1 is recomputed rather than stored: it is deterministic and takes about a second. It must
  // choose the pair the checkpoint evolved in, or the cost model changed under the checkpoint.
  Stage1Result stage1 = run_stage1(config.space, config.constraints, config.stage1);
  const PairStats& pair = stage1.chosen_pair();
  const bool stage1_done = checkpoint.width > 0; // a search killed in stage 1 chose no pair yet
  if (stage1_done && (pair.width != checkpoint.width || pair.resolution != checkpoint.resolution))
    throw Error(
        ErrorCode::kInvalidFile,
        fmt::format("stage 1 now chooses width {:g}, resolution {}, but the checkpoint evolved in width {:g}, "
                    "resolution {}: the cost model or the board changed since it was written; start a new search",
                    pair.width, pair.resolution, checkpoint.width, checkpoint.resolution),
        outputs::path_in(dir, kCheckpointFile));
  outputs::write_stage1(dir, stage1);
  outputs::rewrite_history(dir, checkpoint.state.history);
  const int done = checkpoint.state.generation;
  spdlog::info("resuming {} {} ({} subnets evaluated)", dir,
               done < 0 ? std::string("in generation 0") : fmt::format("after generation {}", done),
               checkpoint.state.history.size());
  return evolve(config, std::move(stage1), estimator, dir, hooks, std::move(checkpoint.state));
}

} // namespace tinynas

#pragma once
// Stage 2 of TinyNAS: evolutionary search at the width stage 1 chose, at its resolution or (with
// resolution_window) at the resolutions around it, in the
// style of Once-for-All's evolution.py (which MCUNet used):
//
//   generation 0   `population` random subnets that fit the constraints, evaluated
//   generation g   parents = the `parents` best distinct subnets of the current population;
//                  round(mutation_ratio * population) children by mutation of a random parent
//                  (each gene resampled with probability mutation_prob: every stage's depth, every
//                  block slot's kernel and expand ratio, then the resolution), the rest of `population` children by
//                  crossover of two random parents (each gene from either parent with equal
//                  probability); population = parents + children
//
// Constraints are checked before any accuracy is evaluated: a child that does not fit is drawn
// again from the same parent(s), at most max_attempts times, then Error(kInfeasible). Every
// subnet is evaluated at most once: scores are cached by Arch::id() (the cache is the history).
// All randomness comes from one Rng seeded by stream_seed(seed, kEvolutionStream) whose state is
// part of EvolutionState, so a run resumed from the state of generation k reaches exactly the
// result of an uninterrupted run.
//
// A generation's subnets go to the estimator in chunks (EvolutionHooks::chunk), and the evaluations
// made so far are checkpointed between chunks too: a generation can take half an hour (a supernet
// scoring a population of a thousand), and a kill must not lose it. Such a mid-generation state
// keeps the last completed generation's number, population and Rng state, its history already
// holding some of the next generation's evaluations; a resume draws the same subnets again from
// that Rng state and evaluates only those the history lacks, in the same order, so it still
// reaches the uninterrupted result.
//
// Differences from evolution.py, on purpose: parents are distinct subnets (evolution.py can pick
// the same network twice, shrinking the gene pool), scores come from a cache instead of being
// recomputed, and the search never loops forever on impossible constraints.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/search/constraints.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

// Stream of stream_seed() for the evolution Rng; stage 1 uses streams 0 .. pairs-1.
inline constexpr std::uint64_t kEvolutionStream = 0x45564f4c5554494full; // "EVOLUTIO"

struct EvolutionOptions {
  int population = 100;        // subnets per generation (initial population and children)
  int parents = 20;            // best subnets kept as parents
  double mutation_ratio = 0.5; // share of the children made by mutation; the rest by crossover
  double mutation_prob = 0.1;  // per gene
  int generations = 30;        // after the initial population
  std::uint64_t seed = 0;
  int max_attempts = 10000; // draws per subnet before giving up with Error(kInfeasible)
  // Stage 2 also searches the resolution: the space's resolutions within this many steps of stage
  // 1's (0: stage 1's only, as MCUNet's stage 2). The resolution is then a gene like the others:
  // drawn uniformly for random subnets, resampled with mutation_prob, inherited in crossover.
  int resolution_window = 0;
};

// The resolutions stage 2 searches around stage 1's `resolution` (which must be one of the space's).
std::vector<int> stage2_resolutions(const SearchSpace& space, int resolution, int window);

// Throws invalid_option naming the option of the first bad value (population, parents, ...).
void validate(const EvolutionOptions& options);

// One evaluated subnet.
struct Evaluation {
  std::string id; // Arch::id(): the cache key
  Arch arch;      // canonical genes: inactive block slots hold the space's smallest choices
  int generation = 0;
  double score = 0; // the estimator's score (higher is better)
  CostSummary cost; // under the search's constraints (board, schedule)
};

// Everything needed to continue a search: written to the checkpoint after every generation.
struct EvolutionState {
  int generation = -1;             // last completed generation: -1 none, 0 the initial population
  std::string rng_state;           // Rng::state() after that generation
  std::vector<Arch> population;    // full genes: inactive slots matter to later mutations
  std::vector<Evaluation> history; // every evaluation in order (mid-generation, also the next
                                   // generation's first); the cache is its id index
};

struct EvolutionProgress {
  int generation = 0;
  int generations = 0;
  std::size_t evaluations = 0;       // total, including those before a resume
  const Evaluation* best = nullptr;  // best so far; points into the history, valid during the call
  double evaluations_per_second = 0; // of the evaluations made by this process, with the checks
  double seconds = 0;                // wall time in this process
  double seconds_left = 0;           // the search's, at the pace of this process's generations
};

// Within a generation, after every chunk of subnets the estimator scored.
struct EvaluationProgress {
  int generation = 0;      // the generation being evaluated (0 = the initial population)
  int generations = 0;     // the last one
  std::size_t done = 0;    // of its subnets to evaluate, scored so far
  std::size_t total = 0;   // its subnets to evaluate (those the cache already held are not counted)
  double seconds = 0;      // since this process began scoring them
  double seconds_left = 0; // in this generation, at the rate of its subnets scored so far
};

// Called in this order after every generation (0 = the initial population): checkpoint, progress,
// then the stop flag is read. Between the chunks of a generation: evaluating, then (when
// checkpoint_seconds have passed since the last checkpoint, or the stop flag is set) checkpoint,
// then the stop flag is read.
struct EvolutionHooks {
  // Persist `state`; history entries from `first_new` on are the ones not persisted before.
  // Throwing stops the search with that exception.
  std::function<void(const EvolutionState& state, std::size_t first_new)> checkpoint;
  // For progress displays.
  std::function<void(const EvolutionProgress&)> progress;
  std::function<void(const EvaluationProgress&)> evaluating;
  // When set, the search throws Error(kInterrupted): the last checkpoint is complete and resumable.
  const std::atomic<bool>* stop = nullptr;
  // Subnets per estimator call, and the least time between two mid-generation checkpoints. Neither
  // changes the result (estimators score an arch the same in any batch); they bound what a kill
  // loses and how long a stop waits, against the cost of rewriting the checkpoint.
  std::size_t chunk = 20;
  double checkpoint_seconds = 60;
};

struct EvolutionResult {
  std::vector<Evaluation> history;
  std::size_t best = 0;                          // index into history: highest score, earliest on ties
  std::vector<std::size_t> pareto;               // indices into history (score vs latency vs peak SRAM)
  std::vector<double> best_score_per_generation; // [0 .. generations]
  int generations = 0;
  std::string estimator;
  bool proxy = false;
  std::string score_unit;
};

// Runs (or, with a non-empty `state`, continues) the evolution in the pair (width, resolution).
// Throws Error(kInfeasible) when a fitting subnet cannot be drawn within max_attempts, and
// Error(kInterrupted) when the stop flag is set (after the hooks of the last generation or chunk ran).
EvolutionResult run_evolution(const SearchSpace& space, const Constraints& constraints, double width, int resolution,
                              AccuracyEstimator& estimator, const EvolutionOptions& options, EvolutionState state = {},
                              const EvolutionHooks& hooks = {});

// The result an evolution state stands for (best, Pareto front, best per generation).
EvolutionResult summarize_evolution(const EvolutionState& state, const AccuracyEstimator& estimator);

} // namespace tinynas

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include <tbb/global_control.h>

#include "genetic_ops.hpp"
#include "search_test_support.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/search/evolution.hpp"
#include "tinynas/search/function_estimator.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/search/stage1.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {
namespace {

using testing::in3_budgets;
using testing::mcunet;

EvolutionOptions small_options(std::uint64_t seed = 3) {
  EvolutionOptions o;
  o.population = 20;
  o.parents = 5;
  o.generations = 5;
  o.seed = seed;
  return o;
}

// The pair stage 1 picks for 320 KB / 1 MB (a small scan is enough to land in a fitting pair).
const PairStats& in3_pair() {
  static const Stage1Result r = [] {
    Stage1Options o;
    o.samples = 50;
    return run_stage1(mcunet(), in3_budgets(), o);
  }();
  return r.chosen_pair();
}

EvolutionResult evolve(AccuracyEstimator& estimator, const EvolutionOptions& options, EvolutionState state = {},
                       const EvolutionHooks& hooks = {}) {
  return run_evolution(mcunet(), in3_budgets(), in3_pair().width, in3_pair().resolution, estimator, options,
                       std::move(state), hooks);
}

void expect_same(const EvolutionResult& a, const EvolutionResult& b) {
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].id, b.history[i].id) << i;
    EXPECT_EQ(a.history[i].score, b.history[i].score) << i;
    EXPECT_EQ(a.history[i].generation, b.history[i].generation) << i;
    EXPECT_EQ(a.history[i].cost.total_sram_bytes, b.history[i].cost.total_sram_bytes) << i;
  }
  EXPECT_EQ(a.best, b.best);
  EXPECT_EQ(a.pareto, b.pareto);
  EXPECT_EQ(a.best_score_per_generation, b.best_score_per_generation);
}

TEST(Evolution, EverySubnetItEvaluatesFitsWhenAnalyzedIndependently) {
  MacsProxyEstimator estimator(mcunet());
  const EvolutionResult r = evolve(estimator, small_options());
  ASSERT_GE(r.history.size(), 20u);
  for (const Evaluation& e : r.history) {
    CostOptions full; // a full per-layer analysis of the arch rebuilt from its id
    full.schedule = Schedule::kInplaceDw;
    const CostReport report =
        analyze(lower_to_graph(lower_to_net(mcunet(), arch_from_id(e.id, mcunet()))), testing::f746(), full);
    EXPECT_LE(report.total_sram_bytes, 320 * 1024) << e.id;
    EXPECT_LE(report.flash_bytes, 1024 * 1024) << e.id;
    EXPECT_EQ(report.macs, e.cost.macs) << e.id;
    EXPECT_EQ(report.peak_sram_bytes, e.cost.peak_sram_bytes) << e.id;
    EXPECT_EQ(e.score, static_cast<double>(report.macs)) << e.id;
    EXPECT_EQ(e.arch.width, in3_pair().width);
    EXPECT_EQ(e.arch.resolution, in3_pair().resolution);
  }
  // The best is the highest score, and the best per generation never decreases.
  for (const Evaluation& e : r.history) EXPECT_LE(e.score, r.history[r.best].score);
  ASSERT_EQ(r.best_score_per_generation.size(), 6u);
  for (std::size_t g = 1; g < r.best_score_per_generation.size(); ++g)
    EXPECT_GE(r.best_score_per_generation[g], r.best_score_per_generation[g - 1]);
  EXPECT_EQ(r.best_score_per_generation.back(), r.history[r.best].score);
}

TEST(Evolution, EvaluatesEachIdOnceOnlyAfterTheConstraintsPassedOneBatchPerGeneration) {
  std::set<std::string> seen;
  int calls = 0, repeats = 0, unfit = 0;
  FunctionEstimator estimator("recording", true, "blocks", [&](const std::vector<Arch>& archs) {
    ++calls;
    std::vector<double> scores;
    for (const Arch& a : archs) {
      repeats += !seen.insert(a.id()).second;
      unfit += !check_fit(mcunet(), a, in3_budgets()).fits;
      int blocks = 0;
      for (const auto& s : a.stages) blocks += s.depth;
      scores.push_back(blocks); // coarse scores: many ties and many repeated children
    }
    return scores;
  });
  EvolutionOptions o = small_options();
  o.generations = 8;
  const EvolutionResult r = evolve(estimator, o);
  EXPECT_EQ(repeats, 0);
  EXPECT_EQ(unfit, 0);
  EXPECT_EQ(seen.size(), r.history.size());
  EXPECT_LE(calls, 9);                         // at most one batch per generation (none when every child was cached)
  EXPECT_LT(r.history.size(), 20u + 8u * 20u); // some children were already evaluated: served by the cache
}

TEST(Evolution, SameResultAtOneAndTwoThreads) {
  MacsProxyEstimator estimator(mcunet());
  EvolutionResult one, two;
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
    one = evolve(estimator, small_options(9));
  }
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
    two = evolve(estimator, small_options(9));
  }
  expect_same(one, two);
  const EvolutionResult other = evolve(estimator, small_options(10));
  EXPECT_NE(other.history.front().id, one.history.front().id);
}

// Runs an evolution its hooks stop; the message of the Error(kInterrupted) it ends with.
std::string interrupted(AccuracyEstimator& estimator, const EvolutionOptions& o, const EvolutionHooks& hooks) {
  try {
    evolve(estimator, o, {}, hooks);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
    return e.what();
  }
  ADD_FAILURE() << "the stop flag was ignored";
  return "";
}

TEST(Evolution, ResumingFromACheckpointAfterAStopEqualsTheUninterruptedRun) {
  MacsProxyEstimator estimator(mcunet());
  const EvolutionOptions o = small_options(4);
  const EvolutionResult uninterrupted = evolve(estimator, o);

  for (int stop_after : {0, 2, 4}) {
    std::atomic<bool> stop{false};
    std::string saved; // the checkpoint as it would be on disk
    EvolutionHooks hooks;
    hooks.checkpoint = [&](const EvolutionState& s, std::size_t) {
      saved = checkpoint_to_json(testing::small_config(), "", in3_pair().width, in3_pair().resolution, s);
    };
    hooks.progress = [&](const EvolutionProgress& p) { stop = p.generation == stop_after; };
    hooks.stop = &stop;
    EXPECT_NE(interrupted(estimator, o, hooks).find("stopped after generation " + std::to_string(stop_after)),
              std::string::npos);
    Checkpoint checkpoint = checkpoint_from_json(saved, "checkpoint.json");
    EXPECT_EQ(checkpoint.state.generation, stop_after);
    const EvolutionResult resumed = evolve(estimator, o, std::move(checkpoint.state));
    expect_same(uninterrupted, resumed);
  }
}

// A stop between the chunks of generation 0 and of generation 2: the checkpoint is of the last
// completed generation plus the subnets scored since, and resuming reaches the uninterrupted result.
// Every front end shows the time left the library computes (GenerationPace): some while work remains,
// none once a generation, and then the search, is done.
TEST(Evolution, ProgressSaysTheTimeLeftAndNoneAtTheEnd) {
  MacsProxyEstimator estimator(mcunet());
  std::vector<EvolutionProgress> generations;
  std::vector<EvaluationProgress> chunks;
  EvolutionHooks hooks;
  hooks.chunk = 7;
  hooks.progress = [&](const EvolutionProgress& p) { generations.push_back(p); };
  hooks.evaluating = [&](const EvaluationProgress& p) { chunks.push_back(p); };
  evolve(estimator, small_options(), {}, hooks);
  ASSERT_EQ(generations.size(), 6u);
  for (const EvolutionProgress& p : generations) EXPECT_GE(p.seconds_left, 0) << p.generation;
  EXPECT_EQ(generations.back().seconds_left, 0);
  ASSERT_FALSE(chunks.empty());
  for (const EvaluationProgress& p : chunks) {
    EXPECT_GE(p.seconds_left, 0);
    if (p.done == p.total) {
      EXPECT_EQ(p.seconds_left, 0) << "generation " << p.generation;
    }
  }
}

TEST(Evolution, AStopWithinAGenerationResumesToTheUninterruptedRun) {
  MacsProxyEstimator estimator(mcunet());
  const EvolutionOptions o = small_options(4);
  const EvolutionResult uninterrupted = evolve(estimator, o);

  for (int stop_in : {0, 2}) {
    std::atomic<bool> stop{false};
    std::string saved;
    std::size_t scored = 0; // history entries when the stop came
    EvolutionHooks hooks;
    hooks.chunk = 7;
    hooks.checkpoint_seconds = 1e9; // only the stop checkpoints mid-generation
    hooks.checkpoint = [&](const EvolutionState& s, std::size_t) {
      saved = checkpoint_to_json(testing::small_config(), "", in3_pair().width, in3_pair().resolution, s);
      scored = s.history.size();
    };
    hooks.evaluating = [&](const EvaluationProgress& p) {
      EXPECT_LE(p.done, p.total);
      stop = p.generation == stop_in && p.done < p.total;
    };
    hooks.stop = &stop;
    const std::string message = interrupted(estimator, o, hooks);
    EXPECT_NE(message.find("stopped in generation " + std::to_string(stop_in) + " of 5 after 7 of"), std::string::npos)
        << message;
    Checkpoint checkpoint = checkpoint_from_json(saved, "checkpoint.json");
    EXPECT_EQ(checkpoint.state.generation, stop_in - 1);
    ASSERT_EQ(checkpoint.state.history.size(), scored);
    EXPECT_EQ(checkpoint.state.history.back().generation, stop_in) << "the stopped generation's first chunk is kept";
    const EvolutionResult resumed = evolve(estimator, o, std::move(checkpoint.state));
    expect_same(uninterrupted, resumed);
  }
}

// An estimator that fails in the middle of a generation (a crash, a lost GPU) leaves a checkpoint of
// the chunks before it, each history entry passed to the hook exactly once; the resume scores only
// what is missing.
TEST(Evolution, AnEstimatorFailingMidGenerationLosesOnlyItsChunk) {
  MacsProxyEstimator macs(mcunet());
  const EvolutionOptions o = small_options(6);
  const EvolutionResult uninterrupted = evolve(macs, o);

  int calls = 0;
  FunctionEstimator failing("macs", true, "MACs", [&](const std::vector<Arch>& archs) {
    if (++calls == 5) throw std::runtime_error("estimator died");
    return macs.evaluate(archs);
  });
  EvolutionState saved;
  std::vector<std::string> handed_over; // what a history file would hold, appended at each checkpoint
  EvolutionHooks hooks;
  hooks.chunk = 6;
  hooks.checkpoint_seconds = 0;
  hooks.checkpoint = [&](const EvolutionState& s, std::size_t first_new) {
    EXPECT_EQ(first_new, handed_over.size());
    for (std::size_t i = first_new; i < s.history.size(); ++i) handed_over.push_back(s.history[i].id);
    saved = s;
  };
  EXPECT_THROW(evolve(failing, o, {}, hooks), std::runtime_error);
  // Generation 0's 20 subnets in chunks of 6 (calls 1 to 4), then the failing call, generation 1's first.
  EXPECT_EQ(saved.generation, 0);
  ASSERT_EQ(saved.history.size(), 20u);
  ASSERT_EQ(handed_over.size(), 20u);
  for (std::size_t i = 0; i < handed_over.size(); ++i) EXPECT_EQ(handed_over[i], saved.history[i].id);

  // Failing again later, in generation 1's third chunk: its first two chunks are kept.
  calls = 2;
  EvolutionState before = saved;
  EXPECT_THROW(evolve(failing, o, before, hooks), std::runtime_error);
  EXPECT_EQ(saved.generation, 0);
  EXPECT_EQ(saved.history.size(), 32u);
  EXPECT_EQ(handed_over.size(), 32u);

  std::set<std::string> rescored;
  FunctionEstimator recording("macs", true, "MACs", [&](const std::vector<Arch>& archs) {
    for (const Arch& a : archs) EXPECT_TRUE(rescored.insert(a.id()).second) << a.id();
    return macs.evaluate(archs);
  });
  const std::size_t kept = saved.history.size();
  const EvolutionResult resumed = evolve(recording, o, saved);
  expect_same(uninterrupted, resumed);
  EXPECT_EQ(rescored.size(), uninterrupted.history.size() - kept);
  for (std::size_t i = 0; i < kept; ++i) EXPECT_EQ(rescored.count(uninterrupted.history[i].id), 0u) << i;
}

// Distance of an arch to a target, gene by gene over the active blocks: 0 only for the target.
int distance(const Arch& a, const Arch& target) {
  int d = 0;
  for (std::size_t s = 0; s < a.stages.size(); ++s) {
    const StageGenes& x = a.stages[s];
    const StageGenes& t = target.stages[s];
    for (std::size_t b = 0; b < x.kernels.size(); ++b) {
      const bool in_x = static_cast<int>(b) < x.depth, in_t = static_cast<int>(b) < t.depth;
      if (in_x && in_t) d += (x.kernels[b] != t.kernels[b]) + (x.expands[b] != t.expands[b]);
      else if (in_x != in_t) d += 2;
    }
  }
  return d;
}

TEST(Evolution, GetsCloserToAKnownOptimumThanRandomSearchWithTheSameEvaluations) {
  // Loose budgets: every subnet fits, so only the search strategy differs.
  const Constraints loose =
      make_constraints(testing::f746(), parse_size("64M"), parse_size("64M"), {}, Schedule::kInplaceDw);
  for (std::uint64_t seed : {1, 2, 3}) {
    Rng target_rng(1000 + seed);
    const Arch target = sample_arch(mcunet(), target_rng, 0.5, 128);
    FunctionEstimator estimator("synthetic", false, "-distance", [&](const std::vector<Arch>& archs) {
      std::vector<double> scores;
      for (const Arch& a : archs) scores.push_back(-distance(a, target));
      return scores;
    });
    EvolutionOptions o;
    o.population = 50;
    o.parents = 10;
    o.generations = 10;
    o.seed = seed;
    const EvolutionResult evo = run_evolution(mcunet(), loose, 0.5, 128, estimator, o);
    const int evolution_distance = -static_cast<int>(evo.history[evo.best].score);

    Rng random_rng(stream_seed(seed, 77));
    int random_distance = 1 << 30;
    for (std::size_t i = 0; i < evo.history.size(); ++i)
      random_distance = std::min(random_distance, distance(sample_arch(mcunet(), random_rng, 0.5, 128), target));
    EXPECT_LT(evolution_distance, random_distance) << "seed " << seed << ", " << evo.history.size() << " evaluations";
  }
}

TEST(Evolution, GivesUpWithInfeasibleAfterBoundedAttempts) {
  MacsProxyEstimator estimator(mcunet());
  EvolutionOptions o = small_options();
  o.max_attempts = 30;
  try {
    // Width 1.0 at 224 pixels needs far more than 320 KB under any schedule.
    run_evolution(mcunet(), in3_budgets(), 1.0, 224, estimator, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInfeasible);
    EXPECT_NE(std::string(e.what()).find("in 30 attempts"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("SRAM 320.0 KiB"), std::string::npos) << e.what();
  }
}

TEST(Evolution, RejectsBadOptionsNamingTheOption) {
  auto message = [](EvolutionOptions o) {
    try {
      validate(o);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string();
  };
  EvolutionOptions o;
  o.parents = 200;
  EXPECT_EQ(message(o), "parents: must be between 1 and the population (100), found 200");
  o = {};
  o.mutation_prob = 1.5;
  EXPECT_EQ(message(o), "mutation_prob: must be in [0, 1], found 1.5");
  o = {};
  o.mutation_ratio = -1;
  EXPECT_EQ(message(o), "mutation_ratio: must be in [0, 1], found -1");
  o = {};
  o.population = 0;
  EXPECT_EQ(message(o), "population: must be at least 1, found 0");
  o = {};
  o.generations = -1;
  EXPECT_EQ(message(o), "generations: must be 0 or more, found -1");
  o = {};
  o.max_attempts = 0;
  EXPECT_EQ(message(o), "max_attempts: must be at least 1, found 0");
  EXPECT_EQ(message(EvolutionOptions{}), "");
}

TEST(Stage2Resolutions, AWindowOfStepsAroundStage1sResolutionClippedToTheSpace) {
  // mcunet: 48, 64, ..., 224 in steps of 16.
  EXPECT_EQ(stage2_resolutions(mcunet(), 128, 0), std::vector<int>{128});
  EXPECT_EQ(stage2_resolutions(mcunet(), 128, 1), (std::vector<int>{112, 128, 144}));
  EXPECT_EQ(stage2_resolutions(mcunet(), 48, 2), (std::vector<int>{48, 64, 80}));
  EXPECT_EQ(stage2_resolutions(mcunet(), 224, 1), (std::vector<int>{208, 224}));
  EXPECT_EQ(stage2_resolutions(mcunet(), 128, 64).size(), mcunet().resolutions.size());
  EXPECT_THROW(stage2_resolutions(mcunet(), 100, 1), Error);
}

TEST(Evolution, WithAResolutionWindowStage2SearchesTheResolutionsAroundStage1s) {
  MacsProxyEstimator estimator(mcunet());
  EvolutionOptions o = small_options(4);
  o.resolution_window = 1;
  const EvolutionResult r = evolve(estimator, o);
  const std::vector<int> allowed = stage2_resolutions(mcunet(), in3_pair().resolution, 1);
  std::set<int> seen;
  for (const Evaluation& e : r.history) {
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), e.arch.resolution), allowed.end()) << e.id;
    EXPECT_EQ(e.arch.width, in3_pair().width);
    seen.insert(e.arch.resolution);
  }
  // Stage 1's pair sits near the edge of what fits, so the larger neighbour may never fit: at least
  // one resolution besides stage 1's is searched.
  EXPECT_GE(seen.size(), 2u);
  EXPECT_TRUE(seen.count(in3_pair().resolution));
  // The MACs proxy prefers the larger resolution wherever it fits: the best is not below stage 1's.
  EXPECT_GE(r.history[r.best].arch.resolution, in3_pair().resolution);
  // Resuming checks the population against the window, and a stopped run resumes exactly.
  std::atomic<bool> stop{false};
  std::string saved;
  EvolutionHooks hooks;
  hooks.checkpoint = [&](const EvolutionState& s, std::size_t) {
    saved = checkpoint_to_json(testing::small_config(), "", in3_pair().width, in3_pair().resolution, s);
  };
  hooks.progress = [&](const EvolutionProgress& p) { stop = p.generation == 2; };
  hooks.stop = &stop;
  EXPECT_THROW(evolve(estimator, o, {}, hooks), Error);
  expect_same(r, evolve(estimator, o, checkpoint_from_json(saved, "checkpoint.json").state));
  o.resolution_window = 0;
  try {
    evolve(estimator, o, checkpoint_from_json(saved, "checkpoint.json").state);
    FAIL() << "a population outside stage 1's resolution resumed without a window";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not where stage 2 searches"), std::string::npos) << e.what();
  }
}

TEST(GeneticOps, MutationAndCrossoverStayInTheSpaceAndTakeGenesFromTheParents) {
  Rng rng(21);
  const Arch a = sample_arch(mcunet(), rng, 0.5, 128);
  const Arch b = sample_arch(mcunet(), rng, 0.5, 128);
  // Probability 0 changes nothing, inactive slots included.
  const std::vector<int> only{128};
  const Arch same = genetic::mutate(a, mcunet(), only, 0.0, rng);
  for (std::size_t s = 0; s < a.stages.size(); ++s) {
    EXPECT_EQ(same.stages[s].depth, a.stages[s].depth);
    EXPECT_EQ(same.stages[s].kernels, a.stages[s].kernels);
    EXPECT_EQ(same.stages[s].expands, a.stages[s].expands);
  }
  int changed = 0;
  for (int i = 0; i < 200; ++i) {
    const Arch m = genetic::mutate(a, mcunet(), only, 0.1, rng);
    validate_arch(m, mcunet());
    EXPECT_EQ(m.width, a.width);
    EXPECT_EQ(m.resolution, a.resolution);
    changed += m.id() != a.id();
    const Arch c = genetic::crossover(a, b, only, rng);
    validate_arch(c, mcunet());
    for (std::size_t s = 0; s < c.stages.size(); ++s) {
      EXPECT_TRUE(c.stages[s].depth == a.stages[s].depth || c.stages[s].depth == b.stages[s].depth);
      for (std::size_t k = 0; k < c.stages[s].kernels.size(); ++k) {
        EXPECT_TRUE(c.stages[s].kernels[k] == a.stages[s].kernels[k] ||
                    c.stages[s].kernels[k] == b.stages[s].kernels[k]);
        EXPECT_TRUE(c.stages[s].expands[k] == a.stages[s].expands[k] ||
                    c.stages[s].expands[k] == b.stages[s].expands[k]);
      }
    }
  }
  // 48 genes at 0.1 each (a resample may redraw the same value or touch an inactive slot): most
  // mutations change the network, not all.
  EXPECT_GT(changed, 120);
  EXPECT_LT(changed, 200);
  // The canonical form is the one arch_from_id gives back.
  const Arch canonical = genetic::canonical(a, mcunet());
  const Arch parsed = arch_from_id(a.id(), mcunet());
  for (std::size_t s = 0; s < a.stages.size(); ++s) {
    EXPECT_EQ(canonical.stages[s].kernels, parsed.stages[s].kernels);
    EXPECT_EQ(canonical.stages[s].expands, parsed.stages[s].expands);
  }
}

} // namespace
} // namespace tinynas

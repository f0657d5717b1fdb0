#include "tinynas/search/evolution.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "generation_pace.hpp"
#include "genetic_ops.hpp"
#include "tinynas/search/pareto.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/stopwatch.hpp"

namespace tinynas {

void validate(const EvolutionOptions& o) {
  if (o.population < 1) throw invalid_option("population", fmt::format("must be at least 1, found {}", o.population));
  if (o.parents < 1 || o.parents > o.population)
    throw invalid_option("parents",
                         fmt::format("must be between 1 and the population ({}), found {}", o.population, o.parents));
  if (!(o.mutation_ratio >= 0 && o.mutation_ratio <= 1))
    throw invalid_option("mutation_ratio", fmt::format("must be in [0, 1], found {:g}", o.mutation_ratio));
  if (!(o.mutation_prob >= 0 && o.mutation_prob <= 1))
    throw invalid_option("mutation_prob", fmt::format("must be in [0, 1], found {:g}", o.mutation_prob));
  if (o.generations < 0) throw invalid_option("generations", fmt::format("must be 0 or more, found {}", o.generations));
  if (o.max_attempts < 1)
    throw invalid_option("max_attempts", fmt::format("must be at least 1, found {}", o.max_attempts));
  if (o.resolution_window < 0 || o.resolution_window > 64)
    throw invalid_option("resolution_window", fmt::format("must be 0 to 64, found {}", o.resolution_window));
}

std::vector<int> stage2_resolutions(const SearchSpace& space, int resolution, int window) {
  const std::vector<int>& all = space.resolutions;
  const auto at = std::find(all.begin(), all.end(), resolution);
  if (at == all.end())
    throw Error(ErrorCode::kOutOfSpace, fmt::format("resolution {} is not one of space {}'s", resolution, space.name));
  const auto i = at - all.begin(), n = static_cast<std::ptrdiff_t>(all.size());
  return {all.begin() + std::max<std::ptrdiff_t>(0, i - window), all.begin() + std::min(n, i + window + 1)};
}

EvolutionResult summarize_evolution(const EvolutionState& state, const AccuracyEstimator& estimator) {
  EvolutionResult r;
  r.history = state.history;
  r.generations = state.generation;
  r.estimator = estimator.name();
  r.proxy = estimator.is_proxy();
  r.score_unit = estimator.score_unit();
  std::vector<ParetoPoint> points;
  points.reserve(r.history.size());
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    const Evaluation& e = r.history[i];
    if (e.score > r.history[r.best].score) r.best = i;
    points.push_back({e.score, e.cost.latency_ms, e.cost.peak_sram_bytes});
  }
  r.pareto = pareto_front(points);
  // The history is in generation order, so a running maximum gives the best per generation.
  double best = -INFINITY;
  std::size_t next = 0;
  for (int g = 0; g <= state.generation; ++g) {
    for (; next < r.history.size() && r.history[next].generation <= g; ++next)
      best = std::max(best, r.history[next].score);
    r.best_score_per_generation.push_back(best);
  }
  return r;
}

namespace {

class Evolver {
public:
  Evolver(const SearchSpace& space, const Constraints& constraints, double width, int resolution,
          AccuracyEstimator& estimator, const EvolutionOptions& options, EvolutionState state,
          const EvolutionHooks& hooks)
      : space_(space), constraints_(constraints), width_(width), resolution_(resolution),
        resolutions_(stage2_resolutions(space, resolution, options.resolution_window)), estimator_(estimator),
        options_(options), state_(std::move(state)), hooks_(hooks) {}

  EvolutionResult run() {
    validate(options_);
    checkpointed_ = state_.history.size(); // a resumed state's history is on disk already
    if (state_.generation < 0) {
      index_history(); // evaluations of generation 0 checkpointed before a kill, if any
      rng_ = Rng(stream_seed(options_.seed, kEvolutionStream));
      std::vector<Arch> population;
      population.reserve(static_cast<std::size_t>(options_.population));
      for (int i = 0; i < options_.population; ++i)
        population.push_back(draw_fitting("random subnet", [&] {
          // A single resolution draws no random number: searches without a window stay as they were.
          const int r = resolutions_.size() == 1 ? resolution_ : resolutions_[rng_.index(resolutions_.size())];
          return sample_arch(space_, rng_, width_, r);
        }));
      const std::size_t first_new = state_.history.size();
      evaluate(population, 0);
      state_.population = std::move(population);
      state_.generation = 0;
      end_generation(first_new);
    } else {
      restore();
    }
    while (state_.generation < options_.generations) next_generation();
    return summarize_evolution(state_, estimator_);
  }

private:
  void restore() {
    if (state_.population.empty()) throw Error(ErrorCode::kInvalidFile, "checkpoint has an empty population");
    for (std::size_t i = 0; i < state_.population.size(); ++i) {
      const Arch& a = state_.population[i];
      validate_arch(a, space_, "checkpoint");
      if (a.width != width_ || std::find(resolutions_.begin(), resolutions_.end(), a.resolution) == resolutions_.end())
        throw Error(ErrorCode::kInvalidFile,
                    fmt::format("population member {} is in (width {:g}, resolution {}), not where stage 2 searches "
                                "(width {:g}, resolutions {})",
                                i, a.width, a.resolution, width_, fmt::join(resolutions_, ", ")),
                    "checkpoint", "/state/population/" + std::to_string(i));
    }
    rng_.set_state(state_.rng_state);
    index_history();
    for (const Arch& a : state_.population)
      if (!cache_.count(a.id()))
        throw Error(ErrorCode::kInvalidFile, "population member " + a.id() + " has no evaluation in the history",
                    "checkpoint", "/state/population");
  }

  void next_generation() {
    const int generation = state_.generation + 1;
    const std::vector<Arch> parents = select_parents();
    const auto mutations = static_cast<int>(std::lround(options_.mutation_ratio * options_.population));
    auto random_parent = [&]() -> const Arch& { return parents[rng_.index(parents.size())]; };

    std::vector<Arch> children;
    children.reserve(static_cast<std::size_t>(options_.population));
    for (int i = 0; i < mutations; ++i) {
      const Arch& parent = random_parent();
      children.push_back(draw_fitting("mutation of " + parent.id(), [&] {
        return genetic::mutate(parent, space_, resolutions_, options_.mutation_prob, rng_);
      }));
    }
    for (int i = mutations; i < options_.population; ++i) {
      const Arch& a = random_parent();
      const Arch& b = random_parent();
      children.push_back(draw_fitting("crossover of " + a.id() + " and " + b.id(),
                                      [&] { return genetic::crossover(a, b, resolutions_, rng_); }));
    }
    const std::size_t first_new = state_.history.size();
    evaluate(children, generation);
    state_.population = parents;
    state_.population.insert(state_.population.end(), std::make_move_iterator(children.begin()),
                             std::make_move_iterator(children.end()));
    state_.generation = generation;
    end_generation(first_new);
  }

  // The `parents` best distinct subnets of the population: by score, then by evaluation order, then
  // by position (so equal-id members with different inactive genes resolve the same way always).
  std::vector<Arch> select_parents() const {
    struct Ranked {
      double score;
      std::size_t evaluation;
      std::size_t member;
    };
    std::vector<Ranked> ranked;
    ranked.reserve(state_.population.size());
    for (std::size_t m = 0; m < state_.population.size(); ++m) {
      const std::size_t e = cache_.at(state_.population[m].id());
      ranked.push_back({state_.history[e].score, e, m});
    }
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.evaluation != b.evaluation) return a.evaluation < b.evaluation;
      return a.member < b.member;
    });
    std::vector<Arch> parents;
    std::unordered_set<std::size_t> taken;
    for (const Ranked& r : ranked) {
      if (parents.size() == static_cast<std::size_t>(options_.parents)) break;
      if (taken.insert(r.evaluation).second) parents.push_back(state_.population[r.member]);
    }
    return parents;
  }

  // Draws until a subnet fits the constraints: rejection sampling, bounded.
  template <typename Draw>
  Arch draw_fitting(const std::string& what, Draw draw) {
    for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
      Arch candidate = draw();
      if (check(candidate).fits) return candidate;
    }
    throw Error(ErrorCode::kInfeasible,
                fmt::format("stage 2 found no {} that fits {} in {} attempts (width {:g}, resolution {}); relax the "
                            "budgets or raise `max_attempts`",
                            what, constraints_.describe(), options_.max_attempts, width_, resolution_));
  }

  void index_history() {
    for (std::size_t i = 0; i < state_.history.size(); ++i) {
      if (!cache_.emplace(state_.history[i].id, i).second)
        throw Error(ErrorCode::kInvalidFile, "subnet " + state_.history[i].id + " appears twice in the history",
                    "checkpoint", "/state/history/" + std::to_string(i));
      note_best(i);
    }
  }

  const FitCheck& check(const Arch& arch) {
    std::string id = arch.id();
    auto found = checked_.find(id);
    if (found != checked_.end()) return found->second;
    return checked_.emplace(std::move(id), check_fit(space_, arch, constraints_)).first->second;
  }

  // Evaluates the candidates not evaluated before (each id once), in candidate order, in chunks.
  void evaluate(const std::vector<Arch>& candidates, int generation) {
    std::vector<Arch> batch;
    std::vector<std::string> ids;
    std::unordered_set<std::string> in_batch;
    for (const Arch& a : candidates) {
      std::string id = a.id();
      if (cache_.count(id) || !in_batch.insert(id).second) continue;
      batch.push_back(genetic::canonical(a, space_));
      ids.push_back(std::move(id));
    }
    const auto began = std::chrono::steady_clock::now();
    const std::size_t chunk = std::max<std::size_t>(1, hooks_.chunk);
    for (std::size_t start = 0; start < batch.size(); start += chunk) {
      const std::size_t end = std::min(batch.size(), start + chunk);
      std::vector<Arch> part(std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(start)),
                             std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(end)));
      const std::vector<double> scores = estimator_.evaluate(part);
      if (scores.size() != part.size())
        throw Error(ErrorCode::kInvalidArgument, fmt::format("estimator \"{}\" returned {} scores for {} subnets",
                                                             estimator_.name(), scores.size(), part.size()));
      for (std::size_t i = 0; i < part.size(); ++i) {
        const std::string& id = ids[start + i];
        if (!std::isfinite(scores[i]))
          throw Error(ErrorCode::kInvalidArgument, fmt::format("estimator \"{}\" returned the non-finite score {} "
                                                               "for subnet {}",
                                                               estimator_.name(), scores[i], id));
        const std::size_t index = state_.history.size();
        state_.history.push_back({id, std::move(part[i]), generation, scores[i], checked_.at(id).cost});
        cache_.emplace(id, index);
        note_best(index);
      }
      if (hooks_.evaluating) {
        const double seconds = seconds_since(began);
        hooks_.evaluating({generation, options_.generations, end, batch.size(), seconds,
                           seconds_left_in_generation(end, batch.size(), seconds)});
      }
      if (end < batch.size()) between_chunks(generation, end, batch.size());
    }
  }

  // A mid-generation checkpoint when one is due or a stop was asked for (see evolution.hpp).
  void between_chunks(int generation, std::size_t done, std::size_t total) {
    const bool stopping = hooks_.stop && hooks_.stop->load();
    if (stopping || seconds_since(last_checkpoint_) >= hooks_.checkpoint_seconds) persist();
    if (stopping)
      throw Error(ErrorCode::kInterrupted,
                  fmt::format("stopped in generation {} of {} after {} of its {} subnets; {}", generation,
                              options_.generations, done, total,
                              hooks_.checkpoint ? "the checkpoint holds them and everything needed to resume"
                                                : "nothing was checkpointed"));
  }

  void persist() {
    if (hooks_.checkpoint) hooks_.checkpoint(state_, checkpointed_);
    checkpointed_ = state_.history.size();
    last_checkpoint_ = std::chrono::steady_clock::now();
  }

  void note_best(std::size_t index) {
    if (!best_ || state_.history[index].score > state_.history[*best_].score) best_ = index;
  }

  void end_generation(std::size_t first_new) {
    state_.rng_state = rng_.state();
    persist();
    const double seconds = seconds_since(start_);
    evaluated_here_ += state_.history.size() - first_new;
    const Evaluation& best = state_.history[*best_];
    spdlog::debug("generation {}/{}: {} evaluations, best {} = {:g}", state_.generation, options_.generations,
                  state_.history.size(), best.id, best.score);
    if (hooks_.progress) {
      EvolutionProgress p;
      p.generation = state_.generation;
      p.generations = options_.generations;
      p.evaluations = state_.history.size();
      p.best = &best;
      p.seconds = seconds;
      p.evaluations_per_second = seconds > 0 ? static_cast<double>(evaluated_here_) / seconds : 0;
      p.seconds_left = pace_.seconds_left(state_.generation, options_.generations, seconds);
      hooks_.progress(p);
    }
    if (hooks_.stop && hooks_.stop->load())
      throw Error(ErrorCode::kInterrupted,
                  fmt::format("stopped after generation {} of {}; {}", state_.generation, options_.generations,
                              hooks_.checkpoint ? "the checkpoint holds everything needed to resume"
                                                : "nothing was checkpointed"));
  }

  const SearchSpace& space_;
  const Constraints& constraints_;
  const double width_;
  const int resolution_;
  const std::vector<int> resolutions_; // where stage 2 searches (resolution_ alone without a window)
  AccuracyEstimator& estimator_;
  const EvolutionOptions& options_;
  EvolutionState state_;
  const EvolutionHooks& hooks_;

  Rng rng_;
  std::unordered_map<std::string, std::size_t> cache_; // id -> history index: the evaluation cache
  std::unordered_map<std::string, FitCheck> checked_;  // id -> cost; in memory only (pure function)
  std::optional<std::size_t> best_;
  std::size_t evaluated_here_ = 0;
  GenerationPace pace_;
  std::size_t checkpointed_ = 0; // history entries the checkpoint hook has seen
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_checkpoint_ = start_;
};

} // namespace

EvolutionResult run_evolution(const SearchSpace& space, const Constraints& constraints, double width, int resolution,
                              AccuracyEstimator& estimator, const EvolutionOptions& options, EvolutionState state,
                              const EvolutionHooks& hooks) {
  return Evolver(space, constraints, width, resolution, estimator, options, std::move(state), hooks).run();
}

} // namespace tinynas

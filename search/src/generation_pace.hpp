#pragma once
// Private: the time stage 2 has left, for every front end's progress (EvolutionProgress and
// EvaluationProgress carry it), so the CLI and Python say the same thing.

#include <cstddef>

namespace tinynas {

// The search's time left after a generation, at the pace of the generations this process completed.
// Generation 0 scores a whole random population, later ones only the children not scored before,
// and a resumed search starts late, perhaps within a generation: so the pace is measured from this
// process's first completed generation on. Until a second one completes, the first one's time
// stands for each of the rest.
class GenerationPace {
public:
  // After `generation` of `generations` completed, `seconds` after this process began the search.
  double seconds_left(int generation, int generations, double seconds);

private:
  int first_generation_ = -1;
  double first_seconds_ = 0;
};

// Within a generation, after `done` of its `total` subnets were scored in `seconds`: the rest at that
// rate (0 before the first is scored).
double seconds_left_in_generation(std::size_t done, std::size_t total, double seconds);

} // namespace tinynas

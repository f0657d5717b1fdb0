#include "genetic_ops.hpp"

namespace tinynas::genetic {

namespace {

template <typename T>
T pick(const std::vector<T>& choices, Rng& rng) {
  return choices[rng.index(choices.size())];
}

} // namespace

Arch mutate(const Arch& parent, const SearchSpace& space, const std::vector<int>& resolutions, double prob, Rng& rng) {
  Arch child = parent;
  for (std::size_t s = 0; s < child.stages.size(); ++s) {
    const StageSpace& choices = space.stages[s];
    StageGenes& genes = child.stages[s];
    if (rng.uniform() < prob) genes.depth = pick(choices.depths, rng);
    for (std::size_t b = 0; b < genes.kernels.size(); ++b) {
      if (rng.uniform() < prob) genes.kernels[b] = pick(choices.kernels, rng);
      if (rng.uniform() < prob) genes.expands[b] = pick(choices.expands, rng);
    }
  }
  if (resolutions.size() > 1 && rng.uniform() < prob) child.resolution = pick(resolutions, rng);
  return child;
}

Arch crossover(const Arch& a, const Arch& b, const std::vector<int>& resolutions, Rng& rng) {
  Arch child = a;
  for (std::size_t s = 0; s < child.stages.size(); ++s) {
    const StageGenes& other = b.stages[s];
    StageGenes& genes = child.stages[s];
    if (rng.index(2) == 1) genes.depth = other.depth;
    for (std::size_t i = 0; i < genes.kernels.size(); ++i) {
      if (rng.index(2) == 1) genes.kernels[i] = other.kernels[i];
      if (rng.index(2) == 1) genes.expands[i] = other.expands[i];
    }
  }
  if (resolutions.size() > 1 && rng.index(2) == 1) child.resolution = b.resolution;
  return child;
}

Arch canonical(const Arch& arch, const SearchSpace& space) {
  Arch out = arch;
  for (std::size_t s = 0; s < out.stages.size(); ++s) {
    StageGenes& genes = out.stages[s];
    for (std::size_t i = static_cast<std::size_t>(genes.depth); i < genes.kernels.size(); ++i) {
      genes.kernels[i] = space.stages[s].kernels.front();
      genes.expands[i] = space.stages[s].expands.front();
    }
  }
  return out;
}

} // namespace tinynas::genetic

#pragma once
// Private: the genetic operators of stage 2 on an arch's genes (the width stays fixed).
// Genes, in the order random numbers are drawn: for each stage its depth, then for each block slot
// its kernel and its expand ratio, then the resolution when stage 2 searches more than one (with a
// single resolution no number is drawn for it, so such searches repeat their earlier results). Inactive slots are genes
// too (Once-for-All keeps them), so a mutation that deepens a stage revives blocks with inherited values.

#include "tinynas/space/arch.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas::genetic {

// Each gene is resampled uniformly from its choices with probability `prob` (the new value may
// equal the old one, as in evolution.py).
// `resolutions`: where stage 2 searches.
Arch mutate(const Arch& parent, const SearchSpace& space, const std::vector<int>& resolutions, double prob, Rng& rng);

// Each gene comes from `a` or `b` with probability 1/2. Both parents share the width.
Arch crossover(const Arch& a, const Arch& b, const std::vector<int>& resolutions, Rng& rng);

// The arch with its inactive slots set to the space's smallest choices: the form arch_from_id()
// produces, so evaluations read back from a checkpoint equal the ones made in memory.
Arch canonical(const Arch& arch, const SearchSpace& space);

} // namespace tinynas::genetic

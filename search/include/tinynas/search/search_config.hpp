#pragma once
// Everything that defines a search and so decides its result: the space, the constraints, the
// estimator's name and both stages' options. It is stored in the checkpoint; a resumed search must
// run with the same configuration (only the number of generations may grow).

#include <string>

#include "tinynas/search/constraints.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/search/evolution.hpp"
#include "tinynas/search/stage1.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

struct SearchConfig {
  SearchSpace space;
  Constraints constraints;
  std::string estimator = "macs"; // AccuracyEstimator::name()
  EstimatorOptions estimator_options;
  Stage1Options stage1;
  EvolutionOptions evolution;
};

// Both stages' validate().
void validate(const SearchConfig& config);

// JSON with the whole space and board embedded, so the configuration is self-contained.
std::string search_config_to_json(const SearchConfig& config, int indent = 2);
SearchConfig search_config_from_json(std::string_view text, const std::string& file);

// "" when `a` and `b` define the same search (generations ignored), else the first difference:
// "/constraints/sram_bytes: 327680 in the checkpoint, 262144 now".
std::string search_config_difference(const SearchConfig& checkpoint, const SearchConfig& now);

} // namespace tinynas

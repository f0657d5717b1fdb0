#pragma once
// Whether a dataset can feed a space's networks: the same input channels, every label one of the
// space's classes. Checked before any work, with a message that says how to fix the mismatch.

#include <string>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas::engine {

// Throws Error(kInvalidArgument) naming the split ("training", "validation", ...) and the fix. An
// empty set fits.
void check_dataset_fits(const SearchSpace& space, const ImageSet& images, const std::string& split);

// What training (and fine-tuning) needs of its data: training images, both splits fitting the space,
// and class names, when the data has them, one per class of the space.
void check_training_data(const SearchSpace& space, const DatasetSplits& data);

} // namespace tinynas::engine

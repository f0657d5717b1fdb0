#pragma once
// Whether a dataset can feed a space's networks: the same input channels, every label one of the
// space's classes. Checked before any work, with a message that says how to fix the mismatch.

#include <string>

#include "tinynas/dataset/image_set.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas::engine {

// Throws Error(kInvalidArgument) naming the split ("training", "validation", ...) and the fix.
void check_dataset_fits(const SearchSpace& space, const ImageSet& images, const std::string& split);

} // namespace tinynas::engine

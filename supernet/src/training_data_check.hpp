#pragma once
// The checks training makes of its data (trainer.cpp), shared with fine-tuning (finetune_model.cpp).

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

// Throws Error(kInvalidArgument) for images the space cannot take, no training images, or a
// training label not below the space's classes.
void check_training_data(const SearchSpace& space, const DatasetSplits& data);

} // namespace tinynas

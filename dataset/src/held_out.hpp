#pragma once
// The images held out from a training source for validation (and, for a source with no test
// split, for testing): the last ones, so the split is the same whether or not the test set is
// loaded and however many images training keeps.

#include <string>

#include "tinynas/dataset/dataset.hpp"

namespace tinynas::data {

// How many of `available` images one held-out split takes: `requested`, or for 0 ("auto") a tenth
// of them, at most kAutoHeldOutMax. `parts` splits are held out (1: validation; 2: validation and
// test). Throws Error(kInvalidArgument) when nothing would be left to train on.
int held_out_count(int available, int requested, int parts);

// Fills splits.val with the last held-out images of `all` and splits.train with the rest (only the
// first options.train_limit when that is set).
void hold_out_validation(const ImageSet& all, const DatasetOptions& options, DatasetSplits& splits);

// A test split read from its own file must have the training images' size and channels (BN is
// recalibrated on training images before the test images run through the same network). Otherwise
// Error(kInvalidFile) for `file`, naming both sources with their sizes: `test_source` prefixes the
// message (may be empty when `file` is the test images), `train_source` names the training images.
void require_same_image_shape(const ImageSet& test, const ImageSet& train, const std::string& file,
                              const std::string& test_source, const std::string& train_source);

} // namespace tinynas::data

#pragma once
// Private to search: what `eval --int8` (subnet_accuracy.cpp) and the deploy step (quantized_subnet.cpp) share,
// so both build the same int8 model from the same images: the dataset split of the training run, and the
// quantisation of a subnet with activation ranges from training images spread evenly over the training split.

#include <string>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/subnet_graph.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::subnet_int8 {

// Error(kInvalidArgument) unless count >= 1: checked before the slow work starts.
void check_calibration_images(int count);

// The dataset as the training run of `supernet_path` split it (so held-out images stay held out), read from
// `data_dir` when given, else from the default directory.
DatasetSplits load_training_dataset(const std::string& supernet_path, const std::string& data_dir, bool load_test);

struct SubnetQuantization {
  SubnetGraph subnet; // graph and float weights with the recalibrated BN statistics
  QuantizedModel model;
  int calibration_images = 0; // min(count, train.size())
};

// `stats` are the arch's recalibrated BN statistics (SubnetEvaluator::recalibrate); the activation ranges come
// from `count` images of `train`, evenly spaced.
SubnetQuantization quantize_subnet(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats,
                                   const ImageSet& train, int count);

} // namespace tinynas::subnet_int8

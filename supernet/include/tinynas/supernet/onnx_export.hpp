#pragma once
// Export of one subnet with its inherited weights to ONNX (float32, opset 13), written with ONNX's
// own C++ protobuf classes and checked with onnx::checker before it is written.
//
// Graph: input "input" [batch, C, R, R] (normalised pixels: (p / 255 - mean) / std with the
// supernet's input_mean()/input_std(), also stored in the model's metadata), Conv (+ Clip(0, 6) for
// ReLU6) per layer, Add for residual blocks, GlobalAveragePool, Flatten, Gemm -> "logits" [batch, K].
// Batch norm is folded into the convolutions by default (what an int8 deployment does:
// W' = W gamma / sqrt(var + eps), b' = beta - mean gamma / sqrt(var + eps)); with
// fold_batch_norm = false every BN is a BatchNormalization node with the recalibrated statistics.
// Initializer names follow tests/python/torch_reference.py's module names (first_conv.conv.weight,
// blocks.3.depthwise.bn.running_var, classifier.weight, ...).

#include <cstdint>
#include <string>

#include "tinynas/space/arch.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {

struct OnnxExportOptions {
  bool fold_batch_norm = true;
};

// `stats` must be the arch's recalibrated statistics (SubnetEvaluator::recalibrate). Writes `path`
// atomically; throws Error(kOutOfSpace) for an arch outside the supernet, Error(kIo) on write
// failure and Error(kInternal) if the ONNX checker rejects the model.
void export_onnx(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats, const std::string& path,
                 const OnnxExportOptions& options = {});

// The same for a trained supernet or model file: BN recalibrated (seeded by `seed`) on the training
// split of the data it was trained on, read from `data_dir` ("" = the default dataset), as `tinynas
// eval` recalibrates. Returns the loaded supernet (for what the caller reports about its input).
Supernet export_trained_onnx(const std::string& supernet_path, const Arch& arch, const std::string& data_dir,
                             std::uint64_t seed, const std::string& path, const OnnxExportOptions& options = {});

} // namespace tinynas

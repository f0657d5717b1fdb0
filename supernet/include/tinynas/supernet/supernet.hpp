#pragma once
// A weight-shared supernet (Once-for-All style) over an MCUNet-style search space at one width
// multiplier: the weights of the space's largest subnet, from which every subnet of that width
// (any depth, kernel, expand ratio and resolution of the space) inherits its weights by slicing.
//
// The supernet holds weights only. A subnet is an immutable Arch passed to each call (unlike OFA,
// nothing about the "active" subnet is stored here), so one const Supernet serves many threads.
// Its batch-norm statistics depend on the subnet; they are recalibrated per subnet
// (SubnetEvaluator, recalibrate_bn) and live in a SubnetBnStats value, not in the supernet.
//
// Files: a versioned binary format (docs/SUPERNET.md): magic "TNSUPNET", format version, a JSON
// header holding the space definition, the width, the kernel-transform mode and the parameter
// table, then little-endian float32 arrays and a CRC-32. load() rejects other, newer, truncated
// or corrupt files with an Error(kInvalidFile) naming the file.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tinynas/dataset/normalization.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

// How a smaller depthwise kernel is derived from the stored largest one.
enum class KernelTransform {
  kCentreCrop, // the centre k x k window (default; what MCUNet's released supernets use)
  kOfaMatrix,  // Once-for-All: centre crop, then a learned k^2 x k^2 matrix per block and size
};
const char* kernel_transform_name(KernelTransform t);            // "centre" or "ofa-matrix"
KernelTransform parse_kernel_transform(const std::string& name); // Error(kInvalidArgument) if unknown

// One named weight array of the supernet (for inspection and tests).
struct ParameterInfo {
  std::string name;       // e.g. "stages.1.blocks.0.expand.weight"
  std::vector<int> shape; // PyTorch order, e.g. [96, 16, 1, 1]
  std::int64_t size = 0;
};

class Supernet {
public:
  // Fresh weights (Once-for-All's initialisation) from `seed`. Throws Error(kOutOfSpace) if
  // `width` is not one of the space's multipliers, Error(kInvalidFile) if the space cannot be
  // made elastic (an expand ratio of 1 among its choices).
  Supernet(SearchSpace space, double width, std::uint64_t seed = 0,
           KernelTransform transform = KernelTransform::kCentreCrop);
  ~Supernet();
  Supernet(Supernet&&) noexcept;
  Supernet& operator=(Supernet&&) noexcept;
  // A deep copy (e.g. to fine-tune one subnet alone without touching the shared weights).
  Supernet clone() const;

  static Supernet load(const std::string& path);
  // Writes atomically (temporary file, fsync, rename): a crash never leaves a half-written file.
  void save(const std::string& path) const;

  const SearchSpace& space() const;
  double width() const;
  KernelTransform kernel_transform() const;

  // Input normalisation the weights were trained with, one mean and std per input channel
  // (exported ONNX models expect normalised input too). Setting it checks the channel count.
  const InputNormalization& input_normalization() const;
  void set_input_normalization(InputNormalization normalization);

  // The names of the classes, by label, as the training data gave them (class folders or
  // dataset.json); empty when the data named none. Setting checks the count against the space.
  const std::vector<std::string>& class_names() const;
  void set_class_names(std::vector<std::string> names);

  std::int64_t parameter_count() const;
  std::vector<ParameterInfo> parameters() const;
  // CRC-32 (zlib's) of the weights: which supernet this is, wherever its file is (a fine-tuned model and a search
  // checkpoint record it to know their supernet again).
  std::uint32_t weights_crc32() const;

  // Throws Error(kOutOfSpace) naming the field if `arch` is not a subnet of this supernet: not in
  // the space, or of another width multiplier than the supernet's.
  void validate(const Arch& arch, const std::string& file = {}) const;
  // The largest and smallest subnets; resolution 0 means the space's largest (smallest).
  Arch largest(int resolution = 0) const;
  Arch smallest(int resolution = 0) const;

  // Engine internals (supernet/src); not part of the public API.
  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }
  explicit Supernet(std::unique_ptr<Impl> impl);

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace tinynas

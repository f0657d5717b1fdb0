#pragma once
// The supernet file format (docs/SUPERNET.md), little-endian:
//   "TNSUPNET"            8 bytes magic
//   u32 format version    (kSupernetFormatVersion)
//   u32 flags             bit 0: a training-state section follows the weights
//   u64 n, n bytes        header JSON: format, space (the whole space definition), width,
//                         kernel_transform, parameter_count, parameters [{name, shape}]
//   u64 count, float32[count]                       weights in the header's parameter order
//   [u64 n, n bytes JSON, u64 count, float32[count]] training state: trainer JSON and momentum
//   u32 CRC-32 (zlib) of every byte before it
// A reader checks the magic, the version, the sizes, the checksum, and that the parameter table is
// exactly the one the space, width and kernel transform produce.

#include <memory>
#include <optional>
#include <string>

#include "buffer.hpp"
#include "supernet_impl.hpp"

namespace tinynas::engine {

constexpr std::uint32_t kSupernetFormatVersion = 1;

// What the trainer stores to resume: its own JSON (options, progress) and the SGD momentum.
struct TrainingState {
  std::string json;
  FloatBuffer momentum;
};

struct SupernetFileContents {
  std::unique_ptr<Supernet::Impl> supernet;
  std::optional<TrainingState> training;
};

void write_supernet_file(const std::string& path, const Supernet::Impl& net, const TrainingState* training);
SupernetFileContents read_supernet_file(const std::string& path);

} // namespace tinynas::engine

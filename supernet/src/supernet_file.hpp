#pragma once
// The supernet file format (docs/SUPERNET.md), little-endian:
//   "TNSUPNET"            8 bytes magic
//   u32 format version    1, or 2 for a model file (kModelFormatVersion)
//   u32 flags             bit 0: a training-state section follows the weights
//   u64 n, n bytes        header JSON: format, space (the whole space definition), width,
//                         kernel_transform, parameter_count, parameters [{name, shape}];
//                         version 2 adds "arch" (an arch JSON object) when the file is a model:
//                         one fine-tuned subnet (tinynas/supernet/finetune.hpp)
//   u64 count, float32[count]                       weights in the header's parameter order
//   [u64 n, n bytes JSON, u64 count, float32[count]] training state: trainer JSON and momentum
//                         (a model's: the fine-tuning state, finetune_state.hpp)
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
// Written only for model files, so a reader of version 1 refuses a model rather than misreading its
// fine-tuning state as a supernet training run. Readers take both.
constexpr std::uint32_t kModelFormatVersion = 2;

// What the trainer stores to resume: its own JSON (options, progress) and the SGD momentum.
struct TrainingState {
  std::string json;
  FloatBuffer momentum;
};

// The same, to write: references to the trainer's own JSON and momentum, so a checkpoint copies
// neither.
struct TrainingStateRef {
  const std::string& json;
  const FloatBuffer& momentum;
};

struct SupernetFileContents {
  std::unique_ptr<Supernet::Impl> supernet;
  std::optional<TrainingState> training;
  std::optional<std::string> model_arch; // a model file's arch JSON (the header's "arch"); none in a supernet
};

// `model_arch`, when given, makes the file a model (version 2, the header's "arch").
void write_supernet_file(const std::string& path, const Supernet::Impl& net, const TrainingStateRef* training,
                         const std::string* model_arch = nullptr);
SupernetFileContents read_supernet_file(const std::string& path);
// The same from the file's bytes; `path` names it in errors.
SupernetFileContents parse_supernet_file(const std::string& bytes, const std::string& path);

// CRC-32 (zlib) of the weights' bytes: tells a model's resume it has the supernet it started from.
std::uint32_t weights_crc32(const Supernet::Impl& net);

} // namespace tinynas::engine

// The supernet / model file (TNSUPNET). The input is the file without its CRC-32 trailer, which the target
// appends, so the fuzzer reaches the header, tables and sections behind the checksum. A training-state section is
// then read as the product reads it: a model's as fine-tuning progress, a supernet's as training progress.
#include <zlib.h>

#include "finetune_state.hpp"
#include "fuzz_target.hpp"
#include "supernet_file.hpp"
#include "training_progress.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  std::string bytes(fuzz::text_of(data, size));
  const auto crc = static_cast<std::uint32_t>(crc32(0L, data, static_cast<uInt>(size)));
  bytes.append(reinterpret_cast<const char*>(&crc), 4); // little-endian, as the file stores it
  fuzz::refuse_or_accept([&] {
    const engine::SupernetFileContents contents = engine::parse_supernet_file(bytes, "fuzz.tns");
    if (!contents.training) return;
    if (contents.model_arch) (void)parse_finetune_progress(contents.training->json, "fuzz.tns");
    else (void)parse_training_progress(contents.training->json, "fuzz.tns");
  });
  return 0;
}

// The search checkpoint (RUN/checkpoint.json): anything accepted writes back to the same checkpoint.
#include "fuzz_target.hpp"
#include "tinynas/search/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept([&] {
    const Checkpoint c = checkpoint_from_json(fuzz::text_of(data, size), "checkpoint.json");
    const std::string written = checkpoint_to_json(c.config, c.fingerprint, c.width, c.resolution, c.state);
    const Checkpoint again = checkpoint_from_json(written, "rewritten.json");
    if (checkpoint_to_json(again.config, again.fingerprint, again.width, again.resolution, again.state) != written)
      fuzz::finding("a checkpoint does not survive checkpoint_to_json -> checkpoint_from_json");
  });
  return 0;
}

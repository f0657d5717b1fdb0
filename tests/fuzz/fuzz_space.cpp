// Search-space JSON (configs/spaces/*.json): anything accepted writes back to JSON that loads to the same space.
#include "fuzz_target.hpp"
#include "tinynas/space/search_space.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept([&] {
    const SearchSpace space = SearchSpace::from_json(fuzz::text_of(data, size), "fuzz.json");
    const std::string written = space.to_json();
    if (SearchSpace::from_json(written, "rewritten.json").to_json() != written)
      fuzz::finding("a space does not survive to_json -> from_json");
    (void)space.log10_size();
  });
  return 0;
}

// Arch JSON of the shipped mcunet space: anything accepted is an arch of the space, writes back to the same JSON,
// and lowers to a graph.
#include "fuzz_target.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/search_space.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  static const SearchSpace space = SearchSpace::load("mcunet");
  fuzz::refuse_or_accept([&] {
    const Arch arch = arch_from_json(fuzz::text_of(data, size), space, "fuzz.json");
    const std::string written = arch_to_json(arch, space);
    if (arch_to_json(arch_from_json(written, space, "rewritten.json"), space) != written)
      fuzz::finding("an arch does not survive arch_to_json -> arch_from_json");
    (void)lower_to_graph(lower_to_net(space, arch));
  });
  return 0;
}

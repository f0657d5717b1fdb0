// OFA / MCUNet net-config JSON: anything accepted writes back to a net config that reads to the same network.
#include "fuzz_target.hpp"
#include "tinynas/space/netconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tinynas;
  fuzz::refuse_or_accept([&] {
    const NetSpec net = net_from_netconfig(fuzz::text_of(data, size), "fuzz.json");
    const std::string written = netconfig_from_net(net);
    if (netconfig_from_net(net_from_netconfig(written, "rewritten.json")) != written)
      fuzz::finding("a net config does not survive netconfig_from_net -> net_from_netconfig");
  });
  return 0;
}

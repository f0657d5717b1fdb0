#pragma once
// Import and export of the OFA / ProxylessNAS / MCUNet "net config" JSON format
// (first_conv, blocks[] of MobileInvertedResidualBlock with mobile_inverted_conv and shortcut,
// feature_mix_layer, classifier, resolution), so models of MCUNet's zoo can be analyzed and the
// models TinyNAS finds can be built with MCUNet's or Once-for-All's PyTorch code.

#include <optional>
#include <string>
#include <string_view>

#include "tinynas/space/arch.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

// Whether JSON text looks like a net config (has "first_conv" and "blocks").
bool looks_like_netconfig(std::string_view text);

// Parses a net config. ZeroLayer blocks (and blocks whose conv is null) are identities and are
// skipped. Throws Error(kInvalidFile) naming `file` and the field on malformed input.
NetSpec net_from_netconfig(std::string_view text, std::string_view file = "<memory>");

// Writes a net config that OFA's / MCUNet's build_from_config accepts.
std::string netconfig_from_net(const NetSpec& net, int indent = 2);

// The arch of `space` that lowers exactly to `net`, if there is one. On failure `why` (if given)
// receives the first reason (e.g. "stage 3 has 5 blocks; the space allows [2,3,4]").
std::optional<Arch> arch_from_net(const SearchSpace& space, const NetSpec& net, std::string* why = nullptr);

// A model file as users pass it on the command line: an arch JSON (of `space`, or of the space it
// names) or a net config. `arch` is set when the model is an arch or a net config that is a member
// of `space`.
struct LoadedModel {
  NetSpec net;
  std::optional<Arch> arch;
  std::string space_name; // the space `arch` belongs to, when set
  std::string file;
};
// `default_space` is used for arch files that name no space and to map net configs to an arch.
LoadedModel load_model(const std::string& path, std::string_view default_space = "mcunet");

} // namespace tinynas

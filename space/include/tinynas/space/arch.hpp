#pragma once
// An arch is one subnet of a search space: a width multiplier, an input resolution, and per stage
// a depth plus a (kernel, expand) gene for every block slot. Gene vectors always have the stage's
// max depth; slots past the depth are inactive and do not change the network (they keep their
// values so mutation can bring a block back, as Once-for-All does).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

struct StageGenes {
  int depth = 0;
  std::vector<int> kernels; // size == stage max depth
  std::vector<int> expands; // size == stage max depth
};

struct Arch {
  double width = 1.0;
  int resolution = 224;
  std::vector<StageGenes> stages;

  // Equality of the networks they describe (inactive slots ignored).
  friend bool operator==(const Arch& a, const Arch& b) { return a.id() == b.id(); }

  // Stable compact id of the network, e.g. "w0.5-r176-k737e355-k555e555-...-k7e5": one group per
  // stage with the active blocks' kernels and expands. Two archs share an id iff they lower to the
  // same network; arch_from_id() parses it back.
  std::string id() const;
};

// Throws Error(kOutOfSpace) naming the field ("/stages/2/kernels/1") if `arch` is not in `space`.
void validate_arch(const Arch& arch, const SearchSpace& space, std::string_view file = {});

// Uniform random subnet. width/resolution <= 0 mean "sample those too".
Arch sample_arch(const SearchSpace& space, Rng& rng, double width = 0, int resolution = 0);

// The largest and smallest subnets at a width and resolution.
Arch largest_arch(const SearchSpace& space, double width, int resolution);
Arch smallest_arch(const SearchSpace& space, double width, int resolution);

// JSON: {"format":"tinynas-arch","space":"mcunet","width":0.5,"resolution":176,
//        "stages":[{"depth":3,"kernels":[7,3,7],"expands":[3,5,5]}, ...]} (active blocks only).
std::string arch_to_json(const Arch& arch, const SearchSpace& space, int indent = 2);
// Parses and validates against `space`; inactive slots are filled with the space's smallest
// choices. `file` is used in error messages.
Arch arch_from_json(std::string_view text, const SearchSpace& space, std::string_view file = "<memory>");
// Whether JSON text is an arch file (as opposed to a net config) — by its "format" key.
bool looks_like_arch_json(std::string_view text);
// Name of the space an arch file declares, or "" when it declares none.
std::string arch_json_space_name(std::string_view text, std::string_view file = "<memory>");

Arch arch_from_id(std::string_view id, const SearchSpace& space);

} // namespace tinynas

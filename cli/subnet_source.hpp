#pragma once
// Which subnet `eval`, `export` and `profile` work on and which file holds its weights, from either
// form they take: --supernet S ARCH (a subnet of a supernet, weights inherited) or --model MODEL (a
// model file of `tinynas finetune`: the arch is the one it holds, the weights its own). A model file
// is a supernet file with an arch in its header, so everything downstream reads `file` as a supernet.

#include <string>

#include "tinynas/space/arch.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::cli {

struct SubnetSource {
  std::string file; // the supernet or model file to read the weights from
  Arch arch;
};

// Exactly one form must be given: Error(kInvalidArgument) for both, neither, or --supernet without
// ARCH; Error(kInvalidFile) naming the file for a plain supernet given as --model.
SubnetSource resolve_subnet(const std::string& supernet, const std::string& arch, const std::string& model);

// The model file's own subnet (the --model form alone).
SubnetSource model_subnet(const std::string& model);

// The subnet an ARCH argument names: an arch JSON file of the supernet's space, an arch id as the
// search prints it (w1-r28-k753e464-...), or "largest" / "smallest". Throws Error naming the file on a bad arch or one
// the supernet does not hold.
Arch subnet_argument(const Supernet& supernet, const std::string& argument);

// An ARCH argument of `space` with no supernet: an arch JSON file or id, or "largest" / "smallest"
// (at the space's largest / smallest width and resolution). Errors name the file.
Arch arch_argument(const SearchSpace& space, const std::string& argument);

// A MODEL argument of `profile` and `analyze`: an arch JSON file or net config (load_model), or an arch id of
// `space` (w1-r28-k753e464-...).
LoadedModel model_argument(const std::string& argument, const std::string& space);

} // namespace tinynas::cli

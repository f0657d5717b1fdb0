#include "subnet_source.hpp"

#include <filesystem>

#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/finetune.hpp"

namespace tinynas::cli {

namespace {

// An arch id as the search prints it ("w1-r28-k753e464-..."), not a file name.
bool looks_like_arch_id(const std::string& argument) {
  return argument.size() > 3 && argument[0] == 'w' && argument.find("-r") != std::string::npos &&
         argument.find('/') == std::string::npos && !std::filesystem::exists(argument);
}

// `argument` of `space`: largest / smallest, an arch id, or an arch JSON file.
Arch parse_arch_argument(const SearchSpace& space, const std::string& argument) {
  if (argument == "largest") return largest_arch(space, space.width_mults.back(), space.resolutions.back());
  if (argument == "smallest") return smallest_arch(space, space.width_mults.front(), space.resolutions.front());
  if (looks_like_arch_id(argument)) return arch_from_id(argument, space);
  std::string text;
  try {
    text = files::read_file(argument, files::kMaxConfigFileBytes);
  } catch (const Error& e) {
    throw Error(e.code(), e.message() + " (an arch file or id, or say largest / smallest)", argument);
  }
  return arch_from_json(text, space, argument);
}

} // namespace

LoadedModel model_argument(const std::string& argument, const std::string& space) {
  if (!looks_like_arch_id(argument)) return load_model(argument, space);
  const SearchSpace s = SearchSpace::load(space);
  const Arch arch = arch_from_id(argument, s);
  return {lower_to_net(s, arch), arch, s.name, argument};
}

Arch subnet_argument(const Supernet& supernet, const std::string& argument) {
  if (argument == "largest") return supernet.largest();
  if (argument == "smallest") return supernet.smallest();
  const Arch arch = parse_arch_argument(supernet.space(), argument);
  supernet.validate(arch, argument);
  return arch;
}

Arch arch_argument(const SearchSpace& space, const std::string& argument) {
  return parse_arch_argument(space, argument);
}

SubnetSource model_subnet(const std::string& model) { return {model, read_model_arch(model)}; }

SubnetSource resolve_subnet(const std::string& supernet, const std::string& arch, const std::string& model) {
  if (!model.empty()) {
    if (!supernet.empty() || !arch.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  "give either --supernet S ARCH or --model MODEL, not both (a model holds its own arch)");
    return model_subnet(model);
  }
  if (supernet.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "no subnet given: --supernet S ARCH (inherited weights) or --model MODEL (tinynas finetune --out)");
  if (arch.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "--supernet needs an ARCH: an arch JSON file, largest or smallest (or give --model MODEL instead)");
  return {supernet, subnet_argument(Supernet::load(supernet), arch)};
}

} // namespace tinynas::cli

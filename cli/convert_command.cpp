// `tinynas convert`: a model between the TinyNAS arch format and the OFA/MCUNet net-config format,
// so a found subnet can be built with MCUNet's or Once-for-All's PyTorch code and MCUNet's models
// can be handled as archs of a space.

#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas::cli {

namespace {

std::string to_arch_json(const LoadedModel& model, const std::string& space_name) {
  if (model.arch) return arch_to_json(*model.arch, SearchSpace::load(model.space_name));
  // Say why the net is not a member, so the user knows which layer to look at.
  SearchSpace space = SearchSpace::load(space_name);
  std::string why;
  arch_from_net(space, model.net, &why);
  throw Error(ErrorCode::kOutOfSpace,
              "not an arch of space \"" + space.name + "\": " + why + " (choose another space with --space)",
              model.file);
}

void write_output(const std::string& text, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << text << "\n";
    return;
  }
  // As every other output: never half-written, a directory refused as the user's mistake, errno named.
  files::write_file_atomic(path, text + "\n");
  spdlog::info("wrote {}", path);
}

} // namespace

int run_convert(const ConvertOptions& options) {
  if (options.to != "netconfig" && options.to != "arch")
    throw Error(ErrorCode::kInvalidArgument, "--to must be netconfig or arch, not \"" + options.to + "\"");
  LoadedModel model = load_model(options.model, options.space);
  std::string text = options.to == "netconfig" ? netconfig_from_net(model.net) : to_arch_json(model, options.space);
  write_output(text, options.output);
  return 0;
}

} // namespace tinynas::cli

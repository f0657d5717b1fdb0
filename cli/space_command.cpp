// `tinynas space sample` and `tinynas space info`: random subnets of a search space (arch JSON, one
// per line) and a description of the space (size, choices, channels at every width).

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "text_output.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas::cli {

namespace {

using nlohmann::json;

// Output channels of the first conv, the first block and every stage at a width multiplier.
std::vector<int> channels_at(const SearchSpace& space, double width) {
  std::vector<int> out{space.channels(space.first_conv_base, width), space.channels(space.first_block_base, width)};
  for (const auto& st : space.stages) out.push_back(space.channels(st.base_width, width));
  return out;
}

std::size_t pair_count(const SearchSpace& space) { return space.width_mults.size() * space.resolutions.size(); }

json info_json(const SearchSpace& space) {
  json j;
  j["name"] = space.name;
  j["file"] = space.file;
  j["log10_size"] = space.log10_size();
  j["log10_subnets_per_pair"] = space.log10_subnets_per_pair();
  j["pairs"] = pair_count(space);
  j["input_channels"] = space.input_channels;
  j["num_classes"] = space.num_classes;
  j["width_mults"] = space.width_mults;
  j["resolutions"] = space.resolutions;
  j["stages"] = json::array();
  for (const auto& st : space.stages)
    j["stages"].push_back({{"base_width", st.base_width},
                           {"stride", st.stride},
                           {"depths", st.depths},
                           {"kernels", st.kernels},
                           {"expands", st.expands}});
  j["channels"] = json::array();
  for (double w : space.width_mults) {
    std::vector<int> c = channels_at(space, w);
    j["channels"].push_back({{"width", w},
                             {"first_conv", c[0]},
                             {"first_block", c[1]},
                             {"stages", std::vector<int>(c.begin() + 2, c.end())}});
  }
  j["space"] = json::parse(space.to_json());
  return j;
}

void print_info(const SearchSpace& space) {
  std::cout << "Space        " << space.name << " (" << space.file << ")\n"
            << "Input        " << space.input_channels << " channels, " << space.num_classes << " classes, "
            << space.activation << "\n"
            << "Size         10^" << format_fixed(space.log10_size(), 2) << " subnets: 10^"
            << format_fixed(space.log10_subnets_per_pair(), 2) << " per (width, resolution) pair x "
            << pair_count(space) << " pairs\n"
            << "Widths       ";
  for (std::size_t i = 0; i < space.width_mults.size(); ++i)
    std::cout << (i ? " " : "") << format_width(space.width_mults[i]);
  std::cout << "\nResolutions  " << join(space.resolutions, " ") << "\n"
            << "First conv   " << space.first_conv_kernel << "x" << space.first_conv_kernel << " stride "
            << space.first_conv_stride << ", base width " << space.first_conv_base << "\n"
            << "First block  MBConv expand 1, " << space.first_block_kernel << "x" << space.first_block_kernel
            << ", base width " << space.first_block_base << "\n";
  if (space.feature_mix_base > 0) std::cout << "Feature mix  1x1 conv, base width " << space.feature_mix_base << "\n";

  std::cout << "\nStages (MBConv blocks; kernel and expand ratio chosen per block)\n";
  TextTable stages;
  for (const char* h : {"stage", "base width", "stride", "depths", "kernels", "expands"}) stages.add_column(h);
  for (std::size_t i = 0; i < space.stages.size(); ++i) {
    const StageSpace& st = space.stages[i];
    stages.add_row({std::to_string(i), std::to_string(st.base_width), std::to_string(st.stride), join(st.depths),
                    join(st.kernels), join(st.expands)});
  }
  std::cout << stages.render("  ");

  std::cout << "\nChannels at each width (rounded to multiples of " << space.channel_divisor << ", at least "
            << format_fixed(space.min_round_ratio * 100, 0) << "% of the exact value)\n";
  TextTable channels;
  channels.add_column("width");
  channels.add_column("first conv");
  channels.add_column("first block");
  for (std::size_t i = 0; i < space.stages.size(); ++i) channels.add_column("stage " + std::to_string(i));
  for (double w : space.width_mults) {
    std::vector<std::string> row{format_width(w)};
    for (int c : channels_at(space, w)) row.push_back(std::to_string(c));
    channels.add_row(std::move(row));
  }
  std::cout << channels.render("  ");
}

// --width and --resolution must name one of the space's choices (0: not given, sampled). Returns the
// space's own value of the width, so ids match the space's spelling exactly.
double checked_width(const SearchSpace& space, double width, int resolution) {
  auto listed = [&](double w) { return std::abs(w - width) < 1e-9; };
  auto found = std::find_if(space.width_mults.begin(), space.width_mults.end(), listed);
  if (width != 0 && found == space.width_mults.end()) {
    std::string choices;
    for (double w : space.width_mults) choices += (choices.empty() ? "" : " ") + format_width(w);
    throw Error(ErrorCode::kInvalidArgument, "--width " + format_width(width) +
                                                 " is not a width multiplier of space \"" + space.name + "\" (" +
                                                 choices + ")");
  }
  if (resolution != 0 &&
      std::find(space.resolutions.begin(), space.resolutions.end(), resolution) == space.resolutions.end())
    throw Error(ErrorCode::kInvalidArgument, "--resolution " + std::to_string(resolution) +
                                                 " is not a resolution of space \"" + space.name + "\" (" +
                                                 join(space.resolutions, " ") + ")");
  return width == 0 ? 0 : *found;
}

} // namespace

int run_space_sample(const SpaceSampleOptions& options) {
  if (options.count < 0) throw Error(ErrorCode::kInvalidArgument, "-n must not be negative");
  SearchSpace space = SearchSpace::load(options.space);
  const double width = checked_width(space, options.width, options.resolution);
  Rng rng(options.seed);
  spdlog::info("sampling {} subnets of {} with seed {}", options.count, space.name, options.seed);
  for (int i = 0; i < options.count; ++i) {
    Arch arch = sample_arch(space, rng, width, options.resolution);
    std::cout << arch_to_json(arch, space, -1) << "\n";
  }
  return 0;
}

int run_space_info(const SpaceInfoOptions& options) {
  SearchSpace space = SearchSpace::load(options.space);
  if (options.json) std::cout << info_json(space).dump(2) << "\n";
  else print_info(space);
  return 0;
}

} // namespace tinynas::cli

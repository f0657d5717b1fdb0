#include "tinynas/space/search_space.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/limits.hpp"

namespace tinynas {

using json_util::Field;
using nlohmann::json;

namespace {

// A choice list: 1 to limits::kMaxChoices ascending values in (0, max].
template <typename T>
std::vector<T> read_choices(const Field& f, T max) {
  if (f.size() > static_cast<std::size_t>(limits::kMaxChoices))
    f.fail(fmt::format("lists {} choices; at most {} are allowed", f.size(), limits::kMaxChoices));
  std::vector<T> values;
  if constexpr (std::is_same_v<T, int>) values = f.as_int_list();
  else values = f.as_double_list();
  if (values.empty()) f.fail("must list at least one choice");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] > 0)) f.at(i).fail("must be positive");
    if (!(values[i] <= max)) f.at(i).fail(fmt::format("must be at most {}, found {}", max, values[i]));
    if (i > 0 && !(values[i] > values[i - 1])) f.at(i).fail("choices must be strictly ascending");
  }
  return values;
}

void require_odd_kernels(const Field& f, const std::vector<int>& kernels) {
  for (std::size_t i = 0; i < kernels.size(); ++i)
    if (kernels[i] % 2 == 0)
      f.at(i).fail("kernel sizes must be odd (same padding), found " + std::to_string(kernels[i]));
}

int read_positive(const Field& f, const char* key, int max) {
  int v = f.get_int(key);
  if (v <= 0) f.at(key).fail("must be positive, found " + std::to_string(v));
  if (v > max) f.at(key).fail(fmt::format("must be at most {}, found {}", max, v));
  return v;
}

int read_stride(const Field& f, const char* key) {
  int v = f.get_int(key);
  if (v != 1 && v != 2) f.at(key).fail("stride must be 1 or 2, found " + std::to_string(v));
  return v;
}

} // namespace

SearchSpace SearchSpace::from_json(std::string_view text, std::string_view file) {
  json doc = json_util::parse(text, file);
  Field root(doc, std::string(file));
  if (root.has("format") && root.get_string("format") != "tinynas-space")
    root.at("format").fail("expected \"tinynas-space\", found \"" + root.get_string("format") + "\"");

  SearchSpace s;
  s.file = std::string(file);
  s.name = root.get_string("name");
  s.input_channels = read_positive(root, "input_channels", limits::kMaxInputChannels);
  s.num_classes = read_positive(root, "num_classes", limits::kMaxClasses);
  s.activation = root.get_string("activation", "relu6");
  if (s.activation != "relu6" && s.activation != "relu")
    root.at("activation").fail("supported activations are relu6 and relu, found \"" + s.activation + "\"");

  Field first_conv = root.at("first_conv");
  s.first_conv_base = read_positive(first_conv, "base_width", limits::kMaxChannels);
  s.first_conv_kernel = read_positive(first_conv, "kernel", limits::kMaxKernel);
  s.first_conv_stride = read_stride(first_conv, "stride");
  if (s.first_conv_kernel % 2 == 0) first_conv.at("kernel").fail("kernel size must be odd");

  Field first_block = root.at("first_block");
  s.first_block_base = read_positive(first_block, "base_width", limits::kMaxChannels);
  s.first_block_kernel = read_positive(first_block, "kernel", limits::kMaxKernel);
  if (s.first_block_kernel % 2 == 0) first_block.at("kernel").fail("kernel size must be odd");

  Field stages = root.at("stages");
  if (stages.size() == 0) stages.fail("a space needs at least one stage");
  if (stages.size() > static_cast<std::size_t>(limits::kMaxStages))
    stages.fail(fmt::format("has {} stages; at most {} are allowed", stages.size(), limits::kMaxStages));
  for (std::size_t i = 0; i < stages.size(); ++i) {
    Field st = stages.at(i);
    StageSpace stage;
    stage.base_width = read_positive(st, "base_width", limits::kMaxChannels);
    stage.stride = read_stride(st, "stride");
    stage.depths = read_choices<int>(st.at("depths"), limits::kMaxDepth);
    stage.kernels = read_choices<int>(st.at("kernels"), limits::kMaxKernel);
    require_odd_kernels(st.at("kernels"), stage.kernels);
    stage.expands = read_choices<int>(st.at("expands"), limits::kMaxExpand);
    s.stages.push_back(std::move(stage));
  }
  s.feature_mix_base = root.get_int("feature_mix_base_width", 0);
  if (s.feature_mix_base < 0 || s.feature_mix_base > limits::kMaxChannels)
    root.at("feature_mix_base_width").fail(fmt::format("must be 0 (none) or positive up to {}", limits::kMaxChannels));

  s.width_mults = read_choices<double>(root.at("width_mults"), limits::kMaxWidthMult);
  s.resolutions = read_choices<int>(root.at("resolutions"), limits::kMaxResolution);
  if (root.has("channel_rounding")) {
    Field r = root.at("channel_rounding");
    s.channel_divisor = read_positive(r, "divisor", limits::kMaxChannels);
    s.min_round_ratio = r.get_double("min_ratio", 0.9);
    if (!(s.min_round_ratio > 0 && s.min_round_ratio <= 1)) r.at("min_ratio").fail("must be in (0, 1]");
  }
  // The widest layer: a base width at the largest multiplier, expanded. Bounded before any channel
  // count is converted to an int (1e9 x a base width used to wrap to 16 channels).
  int widest_base = std::max({s.first_conv_base, s.first_block_base, s.feature_mix_base});
  int widest_expanded = 0;
  for (const StageSpace& st : s.stages) {
    widest_base = std::max(widest_base, st.base_width);
    widest_expanded = std::max(widest_expanded, st.base_width * st.expands.back());
  }
  const double widest = s.width_mults.back() * std::max(widest_base, widest_expanded);
  if (widest > limits::kMaxChannels)
    root.at("width_mults")
        .fail(fmt::format("width {:g} makes a layer of about {:.0f} channels; at most {} are allowed",
                          s.width_mults.back(), widest, limits::kMaxChannels));
  return s;
}

SearchSpace SearchSpace::load(std::string_view name_or_path) {
  std::string path = resolve_config("spaces", name_or_path);
  return from_json(files::read_file(path, files::kMaxConfigFileBytes), path);
}

std::string SearchSpace::to_json() const {
  json j;
  j["format"] = "tinynas-space";
  j["name"] = name;
  j["input_channels"] = input_channels;
  j["num_classes"] = num_classes;
  j["activation"] = activation;
  j["first_conv"] = {{"base_width", first_conv_base}, {"kernel", first_conv_kernel}, {"stride", first_conv_stride}};
  j["first_block"] = {{"base_width", first_block_base}, {"kernel", first_block_kernel}};
  j["stages"] = json::array();
  for (const auto& st : stages) {
    j["stages"].push_back({{"base_width", st.base_width},
                           {"stride", st.stride},
                           {"depths", st.depths},
                           {"kernels", st.kernels},
                           {"expands", st.expands}});
  }
  j["feature_mix_base_width"] = feature_mix_base;
  j["width_mults"] = width_mults;
  j["resolutions"] = resolutions;
  j["channel_rounding"] = {{"divisor", channel_divisor}, {"min_ratio", min_round_ratio}};
  return j.dump(2);
}

int SearchSpace::round_channels(double exact) const {
  // MobileNetV2 / Once-for-All make_divisible, with the same float operations so the results
  // match theirs channel for channel.
  const int divisor = channel_divisor;
  int rounded = std::max(divisor, static_cast<int>(exact + divisor / 2.0) / divisor * divisor);
  if (rounded < min_round_ratio * exact) rounded += divisor;
  return rounded;
}

int SearchSpace::max_blocks() const {
  int n = 0;
  for (const auto& st : stages) n += st.max_depth();
  return n;
}

double SearchSpace::log10_subnets_per_pair() const {
  double total = 0;
  for (const auto& st : stages) {
    double per_block = std::log10(static_cast<double>(st.kernels.size() * st.expands.size()));
    // sum over depths d of (K*E)^d, in log space relative to the largest term
    double largest = per_block * st.max_depth();
    double sum = 0;
    for (int d : st.depths) sum += std::pow(10.0, per_block * d - largest);
    total += largest + std::log10(sum);
  }
  return total;
}

double SearchSpace::log10_size() const {
  return log10_subnets_per_pair() + std::log10(static_cast<double>(width_mults.size() * resolutions.size()));
}

std::vector<std::string> shipped_space_names() { return list_configs("spaces"); }

} // namespace tinynas

#include "tinynas/space/netconfig.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/limits.hpp"

namespace tinynas {

using json_util::Field;
using nlohmann::json;

namespace {

std::string read_activation(const Field& layer) {
  if (!layer.has("act_func") || layer.value()["act_func"].is_null()) return "";
  std::string act = layer.get_string("act_func");
  if (act != "relu6" && act != "relu")
    layer.at("act_func").fail("activation \"" + act + "\" is not supported (relu6, relu)");
  return act;
}

void reject_unsupported(const Field& layer) {
  if (layer.has("use_se") && layer.at("use_se").as_bool())
    layer.at("use_se").fail("squeeze-and-excitation blocks are not supported");
  if (layer.has("groups") && !layer.value()["groups"].is_null() && layer.get_int("groups") != 1)
    layer.at("groups").fail("grouped convolutions are not supported here");
  if (layer.has("dilation") && layer.get_int("dilation") != 1)
    layer.at("dilation").fail("dilated convolutions are not supported");
}

json conv_layer_json(int in, int out, int kernel, int stride, const std::string& act) {
  return {{"name", "ConvLayer"},
          {"kernel_size", kernel},
          {"stride", stride},
          {"dilation", 1},
          {"groups", 1},
          {"bias", false},
          {"has_shuffle", false},
          {"in_channels", in},
          {"out_channels", out},
          {"use_bn", true},
          {"act_func", act},
          {"dropout_rate", 0},
          {"ops_order", "weight_bn_act"}};
}

// validate_net names NetSpec fields ("/blocks/4/in_channels"). In the file the same value sits at
// "/blocks/<index in the file>/mobile_inverted_conv/in_channels": skipped ZeroLayer blocks count in
// the file's indices, and every block field but the shortcut lives inside mobile_inverted_conv.
std::string file_pointer(const std::string& net_field, const std::vector<std::size_t>& file_index) {
  const std::string prefix = "/blocks/";
  if (net_field.compare(0, prefix.size(), prefix) != 0) return net_field;
  std::size_t end = net_field.find('/', prefix.size());
  std::size_t block = std::stoul(net_field.substr(prefix.size(), end - prefix.size()));
  std::string member = end == std::string::npos ? "" : net_field.substr(end);
  std::string pointer = prefix + std::to_string(file_index.at(block));
  return pointer + (member == "/shortcut" ? member : "/mobile_inverted_conv" + member);
}

} // namespace

bool looks_like_netconfig(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  return j.is_object() && j.contains("first_conv") && j.contains("blocks");
}

NetSpec net_from_netconfig(std::string_view text, std::string_view file) {
  json doc = json_util::parse(text, file);
  Field root(doc, std::string(file));
  NetSpec net;
  net.name = root.get_string("name", "netconfig");
  if (!root.has("resolution"))
    root.fail("missing required field \"resolution\" (the input image size the MACs and memory depend on)");
  net.resolution = root.get_int("resolution");

  Field fc = root.at("first_conv");
  reject_unsupported(fc);
  net.first_conv = {fc.get_int("in_channels"), fc.get_int("out_channels"), fc.get_int("kernel_size"),
                    fc.get_int("stride")};
  net.input_channels = net.first_conv.in_channels;
  std::string act = read_activation(fc);
  net.activation = act.empty() ? "relu6" : act;

  Field blocks = root.at("blocks");
  std::vector<std::size_t> file_index; // net.blocks[k] is blocks[file_index[k]] in the file
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    Field blk = blocks.at(i);
    // Every block of OFA's and MCUNet's configs names its layer; a null one is an identity block.
    // Anything else (a string, a misspelled key) used to be skipped as if it were one.
    if (!blk.value().is_object()) blk.fail("a block must be an object with \"mobile_inverted_conv\" and \"shortcut\"");
    if (!blk.has("mobile_inverted_conv")) {
      std::string keys;
      for (const auto& item : blk.value().items()) keys += (keys.empty() ? "" : ", ") + item.key();
      blk.fail("missing \"mobile_inverted_conv\" (null for an identity block); it has: " + keys);
    }
    if (blk.value()["mobile_inverted_conv"].is_null()) continue;
    Field conv = blk.at("mobile_inverted_conv");
    std::string kind = conv.get_string("name", "MBInvertedConvLayer");
    if (kind == "ZeroLayer") continue; // an identity block: skipped, as OFA's builders do
    if (kind != "MBInvertedConvLayer" && kind != "MBConvLayer")
      conv.at("name").fail("unsupported block layer \"" + kind + "\" (MBInvertedConvLayer or ZeroLayer)");
    reject_unsupported(conv);
    read_activation(conv);
    MbBlockSpec b;
    b.in_channels = conv.get_int("in_channels");
    b.out_channels = conv.get_int("out_channels");
    b.kernel = conv.get_int("kernel_size");
    b.stride = conv.get_int("stride");
    double expand = conv.get_double("expand_ratio", 1.0);
    if (!(expand >= 1)) conv.at("expand_ratio").fail("must be at least 1");
    if (!(expand <= limits::kMaxExpand))
      conv.at("expand_ratio").fail("must be at most " + std::to_string(limits::kMaxExpand));
    if (b.in_channels > limits::kMaxChannels) // before in x expand is converted to a count
      conv.at("in_channels").fail("must be at most " + std::to_string(limits::kMaxChannels));
    b.expand_ratio = static_cast<int>(std::lround(expand));
    bool has_mid = conv.has("mid_channels") && !conv.value()["mid_channels"].is_null();
    // Static OFA layers: mid = round(in * expand) when not given.
    b.mid_channels = expand == 1 ? b.in_channels
                     : has_mid   ? conv.get_int("mid_channels")
                                 : static_cast<int>(std::lround(b.in_channels * expand));
    if (blk.has("shortcut") && !blk.value()["shortcut"].is_null()) {
      Field sc = blk.at("shortcut");
      std::string sc_name = sc.get_string("name", "IdentityLayer");
      if (sc_name != "IdentityLayer")
        sc.at("name").fail("only identity shortcuts are supported, found \"" + sc_name + "\"");
      b.residual = true;
    }
    net.blocks.push_back(b);
    file_index.push_back(i);
  }

  if (root.has("feature_mix_layer") && !root.value()["feature_mix_layer"].is_null()) {
    Field mix = root.at("feature_mix_layer");
    if (mix.get_int("kernel_size", 1) != 1) mix.at("kernel_size").fail("the feature-mix layer must be a 1x1 conv");
    net.feature_mix_channels = mix.get_int("out_channels");
  }
  Field cls = root.at("classifier");
  net.num_classes = cls.get_int("out_features");
  int features = net.feature_mix_channels > 0 ? net.feature_mix_channels
                 : net.blocks.empty()         ? net.first_conv.out_channels
                                              : net.blocks.back().out_channels;
  if (cls.get_int("in_features") != features)
    cls.at("in_features")
        .fail(std::to_string(cls.get_int("in_features")) + " does not match the " + std::to_string(features) +
              " channels feeding the classifier");
  try {
    validate_net(net, std::string(file));
  } catch (const Error& e) {
    throw Error(e.code(), e.message(), e.file(), file_pointer(e.field(), file_index));
  }
  return net;
}

std::string netconfig_from_net(const NetSpec& net, int indent) {
  json j;
  j["name"] = "ProxylessNASNets";
  j["bn"] = {{"momentum", 0.1}, {"eps", 0.001}};
  j["first_conv"] = conv_layer_json(net.first_conv.in_channels, net.first_conv.out_channels, net.first_conv.kernel,
                                    net.first_conv.stride, net.activation);
  j["blocks"] = json::array();
  for (const auto& b : net.blocks) {
    json conv = {{"name", "MBInvertedConvLayer"},
                 {"in_channels", b.in_channels},
                 {"out_channels", b.out_channels},
                 {"kernel_size", b.kernel},
                 {"stride", b.stride},
                 {"expand_ratio", b.expand_ratio},
                 {"mid_channels", b.expand_ratio == 1 ? json(nullptr) : json(b.mid_channels)},
                 {"act_func", net.activation},
                 {"use_se", false}};
    json shortcut = nullptr;
    if (b.residual) {
      shortcut = {{"name", "IdentityLayer"},
                  {"in_channels", {b.in_channels}},
                  {"out_channels", {b.out_channels}},
                  {"use_bn", false},
                  {"act_func", nullptr},
                  {"dropout_rate", 0},
                  {"ops_order", "weight_bn_act"}};
    }
    j["blocks"].push_back(
        {{"name", "MobileInvertedResidualBlock"}, {"mobile_inverted_conv", conv}, {"shortcut", shortcut}});
  }
  int features = net.blocks.empty() ? net.first_conv.out_channels : net.blocks.back().out_channels;
  if (net.feature_mix_channels > 0) {
    j["feature_mix_layer"] = conv_layer_json(features, net.feature_mix_channels, 1, 1, net.activation);
    features = net.feature_mix_channels;
  } else {
    j["feature_mix_layer"] = nullptr;
  }
  j["classifier"] = {{"name", "LinearLayer"},
                     {"in_features", features},
                     {"out_features", net.num_classes},
                     {"bias", true},
                     {"use_bn", false},
                     {"act_func", nullptr},
                     {"dropout_rate", 0},
                     {"ops_order", "weight_bn_act"}};
  j["resolution"] = net.resolution;
  return j.dump(indent);
}

std::optional<Arch> arch_from_net(const SearchSpace& space, const NetSpec& net, std::string* why) {
  auto reject = [&](const std::string& reason) -> std::optional<Arch> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (net.input_channels != space.input_channels)
    return reject(std::to_string(net.input_channels) + " input channels; the space has " +
                  std::to_string(space.input_channels));
  if (net.num_classes != space.num_classes)
    return reject(std::to_string(net.num_classes) + " classes; the space has " + std::to_string(space.num_classes));
  if (std::find(space.resolutions.begin(), space.resolutions.end(), net.resolution) == space.resolutions.end())
    return reject("resolution " + std::to_string(net.resolution) + " is not one of the space's");
  if (net.first_conv.kernel != space.first_conv_kernel || net.first_conv.stride != space.first_conv_stride)
    return reject("the first conv's kernel or stride differs from the space's");
  if (net.blocks.empty()) return reject("the net has no blocks");

  std::string last_reason = "no width multiplier of the space gives the first conv's " +
                            std::to_string(net.first_conv.out_channels) + " channels";
  for (double width : space.width_mults) {
    if (space.channels(space.first_conv_base, width) != net.first_conv.out_channels) continue;
    const MbBlockSpec& first = net.blocks.front();
    if (first.out_channels != space.channels(space.first_block_base, width) || first.expand_ratio != 1 ||
        first.kernel != space.first_block_kernel || first.stride != 1) {
      last_reason = "the first block does not match the space's expand-1 first block";
      continue;
    }
    Arch arch;
    arch.width = width;
    arch.resolution = net.resolution;
    arch.stages.resize(space.stages.size());
    // Depth-first match of blocks to stages: stage widths can coincide at small multipliers, so a
    // greedy split could pick the wrong boundary.
    std::function<bool(std::size_t, std::size_t)> match = [&](std::size_t s, std::size_t next) -> bool {
      if (s == space.stages.size()) return next == net.blocks.size();
      const StageSpace& st = space.stages[s];
      int out = space.channels(st.base_width, width);
      for (int depth : st.depths) {
        if (next + static_cast<std::size_t>(depth) > net.blocks.size()) break;
        StageGenes genes;
        genes.depth = depth;
        genes.kernels.assign(static_cast<std::size_t>(st.max_depth()), st.kernels.front());
        genes.expands.assign(static_cast<std::size_t>(st.max_depth()), st.expands.front());
        bool ok = true;
        for (int b = 0; b < depth && ok; ++b) {
          const MbBlockSpec& blk = net.blocks[next + static_cast<std::size_t>(b)];
          int expected_mid = space.round_channels(std::round(blk.in_channels * static_cast<double>(blk.expand_ratio)));
          ok = blk.out_channels == out && blk.stride == (b == 0 ? st.stride : 1) &&
               std::find(st.kernels.begin(), st.kernels.end(), blk.kernel) != st.kernels.end() &&
               std::find(st.expands.begin(), st.expands.end(), blk.expand_ratio) != st.expands.end() &&
               blk.mid_channels == expected_mid && blk.residual == (blk.stride == 1 && blk.in_channels == out);
          genes.kernels[static_cast<std::size_t>(b)] = blk.kernel;
          genes.expands[static_cast<std::size_t>(b)] = blk.expand_ratio;
        }
        if (!ok) continue;
        arch.stages[s] = genes;
        if (match(s + 1, next + static_cast<std::size_t>(depth))) return true;
      }
      return false;
    };
    if (!match(0, 1)) {
      last_reason = "the blocks do not split into the space's stages (depths, kernels, expand ratios, widths)";
      continue;
    }
    int mix = space.feature_mix_base == 0
                  ? 0
                  : (width > 1.0 ? space.channels(space.feature_mix_base, width) : space.feature_mix_base);
    if (net.feature_mix_channels != mix) {
      last_reason = "the feature-mix layer differs from the space's";
      continue;
    }
    return arch;
  }
  return reject(last_reason);
}

LoadedModel load_model(const std::string& path, std::string_view default_space) {
  std::string text = files::read_file(path, files::kMaxConfigFileBytes);
  LoadedModel model;
  model.file = path;
  if (looks_like_arch_json(text)) {
    std::string name = arch_json_space_name(text, path);
    SearchSpace space;
    try {
      space = SearchSpace::load(name.empty() ? default_space : std::string_view(name));
    } catch (const Error& e) {
      if (name.empty()) throw;
      throw Error(e.code(), e.message() + " (the space this arch names)", path, "/space");
    }
    model.arch = arch_from_json(text, space, path);
    model.space_name = space.name;
    model.net = lower_to_net(space, *model.arch);
    return model;
  }
  if (looks_like_netconfig(text)) {
    model.net = net_from_netconfig(text, path);
    if (!default_space.empty()) {
      SearchSpace space = SearchSpace::load(default_space);
      model.arch = arch_from_net(space, model.net);
      if (model.arch) model.space_name = space.name;
    }
    return model;
  }
  json_util::parse(text, path); // malformed JSON gets the parser's message
  throw Error(ErrorCode::kInvalidFile,
              "neither a TinyNAS arch (\"format\": \"tinynas-arch\") nor an OFA/MCUNet net config "
              "(\"first_conv\" and \"blocks\")",
              path);
}

} // namespace tinynas

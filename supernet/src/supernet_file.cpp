#include "supernet_file.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "json_util.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::engine {

static_assert(std::endian::native == std::endian::little, "the supernet file format is little-endian");

namespace {

using nlohmann::json;
constexpr char kMagic[8] = {'T', 'N', 'S', 'U', 'P', 'N', 'E', 'T'};
constexpr std::uint32_t kHasTraining = 1;

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void put_floats(std::string& out, const FloatBuffer& values) {
  put<std::uint64_t>(out, static_cast<std::uint64_t>(values.size()));
  out.append(reinterpret_cast<const char*>(values.data()), static_cast<std::size_t>(values.size()) * sizeof(float));
}

void put_text(std::string& out, const std::string& text) {
  put<std::uint64_t>(out, text.size());
  out += text;
}

std::uint32_t crc32_of(const char* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    const uInt piece = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), piece);
    data += piece;
    size -= piece;
  }
  return static_cast<std::uint32_t>(crc);
}

// Sequential reads with bounds checks: a short file is reported, never read past.
class Reader {
public:
  Reader(const std::string& bytes, std::size_t end, std::string path)
      : bytes_(bytes), end_(end), path_(std::move(path)) {}

  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string text(const char* what) {
    const auto n = get<std::uint64_t>(what);
    need(n, what);
    std::string s = bytes_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  void floats(FloatBuffer& out, std::int64_t expected, const char* what) {
    const auto n = get<std::uint64_t>(what);
    if (n != static_cast<std::uint64_t>(expected))
      throw Error(ErrorCode::kInvalidFile,
                  std::string(what) + " holds " + std::to_string(n) + " values; its header says " +
                      std::to_string(expected),
                  path_);
    need(n * sizeof(float), what);
    out.resize(expected);
    std::memcpy(out.data(), bytes_.data() + pos_, static_cast<std::size_t>(n) * sizeof(float));
    pos_ += static_cast<std::size_t>(n) * sizeof(float);
  }
  std::size_t position() const { return pos_; }

private:
  void need(std::uint64_t n, const char* what) const {
    if (n > end_ - pos_)
      throw Error(ErrorCode::kInvalidFile, std::string("truncated: the file ends inside the ") + what, path_);
  }
  const std::string& bytes_;
  std::size_t end_;
  std::string path_;
  std::size_t pos_ = 0;
};

// One number per input channel; files written before RGB support hold one number for all channels.
std::vector<float> read_channel_values(const json_util::Field& field, int channels) {
  const auto n = static_cast<std::size_t>(channels);
  if (field.value().is_number()) return std::vector<float>(n, static_cast<float>(field.as_double()));
  const std::vector<double> values = field.as_double_list();
  if (values.size() != n) field.fail("must hold " + std::to_string(channels) + " numbers, one per input channel");
  return {values.begin(), values.end()};
}

InputNormalization read_normalization(const json_util::Field& norm, int channels) {
  InputNormalization n;
  n.mean = read_channel_values(norm.at("mean"), channels);
  n.std = read_channel_values(norm.at("std"), channels);
  for (std::size_t c = 0; c < n.std.size(); ++c)
    if (!(n.std[c] > 0) || !std::isfinite(n.std[c]) || !std::isfinite(n.mean[c]))
      norm.fail("channel " + std::to_string(c) + ": the mean must be finite and the std positive");
  return n;
}

json header_json(const Supernet::Impl& net) {
  json h;
  h["format"] = "tinynas-supernet";
  h["space"] = json::parse(net.space.to_json());
  h["width"] = net.width;
  h["kernel_transform"] = kernel_transform_name(net.layout.kernel_transform);
  h["input_normalization"] = {{"mean", net.input.mean}, {"std", net.input.std}};
  if (!net.class_names.empty()) h["class_names"] = net.class_names;
  h["parameter_count"] = net.layout.total;
  h["parameters"] = json::array();
  for (const auto& p : net.layout.params) h["parameters"].push_back({{"name", p.name}, {"shape", p.shape}});
  return h;
}

} // namespace

void write_supernet_file(const std::string& path, const Supernet::Impl& net, const TrainingStateRef* training,
                         const std::string* model_arch) {
  std::string out;
  out.reserve(static_cast<std::size_t>(net.params.size()) * 4 * (training ? 2 : 1) + 65536);
  out.append(kMagic, sizeof kMagic);
  put<std::uint32_t>(out, model_arch ? kModelFormatVersion : kSupernetFormatVersion);
  put<std::uint32_t>(out, training ? kHasTraining : 0);
  json header = header_json(net);
  if (model_arch) header["arch"] = json::parse(*model_arch);
  put_text(out, header.dump());
  put_floats(out, net.params);
  if (training) {
    put_text(out, training->json);
    put_floats(out, training->momentum);
  }
  put<std::uint32_t>(out, crc32_of(out.data(), out.size()));
  files::write_file_atomic(path, out);
}

SupernetFileContents read_supernet_file(const std::string& path) {
  return parse_supernet_file(files::read_file(path), path);
}

SupernetFileContents parse_supernet_file(const std::string& bytes, const std::string& path) {
  auto bad = [&](const std::string& message) { return Error(ErrorCode::kInvalidFile, message, path); };
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw bad("not a TinyNAS supernet file (no TNSUPNET magic); make one with tinynas train");
  if (bytes.size() < sizeof kMagic + 12) throw bad("truncated: the file ends inside its header");
  Reader r(bytes, bytes.size() - 4, path);
  r.get<std::uint64_t>("magic");
  const auto version = r.get<std::uint32_t>("format version");
  if (version != kSupernetFormatVersion && version != kModelFormatVersion)
    throw bad("supernet file format version " + std::to_string(version) + "; this TinyNAS reads versions " +
              std::to_string(kSupernetFormatVersion) + " and " + std::to_string(kModelFormatVersion));
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
  if (crc32_of(bytes.data(), bytes.size() - 4) != stored_crc)
    throw bad("corrupt or truncated: the CRC-32 checksum does not match the contents");
  const auto flags = r.get<std::uint32_t>("flags");

  const std::string header_text = r.text("header");
  const json header = json_util::parse(header_text, path);
  json_util::Field h(header, path);
  if (h.get_string("format") != "tinynas-supernet") h.at("format").fail("expected \"tinynas-supernet\"");
  auto net = std::make_unique<Supernet::Impl>();
  net->space = SearchSpace::from_json(h.at("space").value().dump(), path);
  net->width = h.get_double("width");
  KernelTransform transform;
  try {
    transform = parse_kernel_transform(h.get_string("kernel_transform"));
  } catch (const Error& e) {
    h.at("kernel_transform").fail(e.message());
  }
  net->layout = make_layout(net->space, net->width, transform);
  net->input = read_normalization(h.at("input_normalization"), net->space.input_channels);
  if (h.has("class_names")) {
    const json_util::Field names = h.at("class_names");
    if (!names.value().is_array() || names.size() != static_cast<std::size_t>(net->space.num_classes))
      names.fail("must list the space's " + std::to_string(net->space.num_classes) + " class names");
    for (std::size_t i = 0; i < names.size(); ++i) net->class_names.push_back(names.at(i).as_string());
  }

  // The stored table must be the one this space, width and transform produce.
  json_util::Field table = h.at("parameters");
  if (table.size() != net->layout.params.size())
    table.fail("lists " + std::to_string(table.size()) + " parameters; the space and width give " +
               std::to_string(net->layout.params.size()));
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& want = net->layout.params[i];
    json_util::Field entry = table.at(i);
    if (entry.get_string("name") != want.name || entry.at("shape").as_int_list() != want.shape)
      entry.fail("parameter \"" + entry.get_string("name") + "\" does not match the space's \"" + want.name + "\"");
  }
  r.floats(net->params, net->layout.total, "weights");

  SupernetFileContents contents;
  if (version >= kModelFormatVersion && h.has("arch")) contents.model_arch = h.at("arch").value().dump();
  if (flags & kHasTraining) {
    TrainingState state;
    state.json = r.text("training state");
    r.floats(state.momentum, net->layout.total, "momentum");
    contents.training = std::move(state);
  }
  if (r.position() != bytes.size() - 4) throw bad("unexpected bytes after the last section");
  contents.supernet = std::move(net);
  return contents;
}

std::uint32_t weights_crc32(const Supernet::Impl& net) {
  return crc32_of(reinterpret_cast<const char*>(net.params.data()),
                  static_cast<std::size_t>(net.params.size()) * sizeof(float));
}

} // namespace tinynas::engine

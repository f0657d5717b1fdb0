#include "tinynas/dataset/description.hpp"

#include <algorithm>
#include <filesystem>

#include "json_util.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

constexpr const char* kKeys[] = {"mean", "std", "flip", "input_size", "classes"};
constexpr std::uintmax_t kMaxDescriptionBytes = 1 << 20;

std::vector<float> channel_values(const json_util::Field& f, bool positive) {
  const std::vector<double> values = f.as_double_list();
  if (values.empty() || values.size() > 4) f.fail("must list one number per channel (1 or 3)");
  for (double v : values)
    if (positive ? !(v > 0 && v <= 1) : !(v >= 0 && v <= 1))
      f.fail(positive ? "must be in (0, 1] (pixel units: 255 = 1)" : "must be in [0, 1] (pixel units: 255 = 1)");
  return {values.begin(), values.end()};
}

} // namespace

DatasetDescription parse_dataset_description(const std::string& text, const std::string& file) {
  const json_util::json j = json_util::parse(text, file);
  const json_util::Field root(j, file);
  if (!j.is_object()) root.fail("must be a JSON object");
  // A misspelt key would silently change nothing: refuse it.
  for (const auto& [key, value] : j.items())
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      root.at(key.c_str()).fail("unknown key (known: mean, std, flip, input_size, classes)");
  DatasetDescription d;
  d.file = file;
  if (root.has("mean")) d.mean = channel_values(root.at("mean"), false);
  if (root.has("std")) d.std = channel_values(root.at("std"), true);
  if (d.mean.has_value() != d.std.has_value()) root.fail("give both \"mean\" and \"std\", or neither");
  if (d.mean && d.mean->size() != d.std->size())
    root.at("std").fail("has " + std::to_string(d.std->size()) + " channels, \"mean\" " +
                        std::to_string(d.mean->size()));
  if (root.has("flip")) d.flip = root.at("flip").as_bool();
  if (root.has("input_size")) {
    const json_util::Field f = root.at("input_size");
    const std::vector<int> size = f.as_int_list();
    if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > 4096 || size[1] > 4096)
      f.fail("must be [rows, cols], each 1 to 4096");
    d.input_rows = size[0];
    d.input_cols = size[1];
  }
  if (root.has("classes")) {
    const json_util::Field f = root.at("classes");
    if (!f.value().is_array() || f.size() == 0 || f.size() > 256) f.fail("must list 1 to 256 class names");
    for (std::size_t i = 0; i < f.size(); ++i) {
      std::string name = f.at(i).as_string();
      if (name.empty()) f.at(i).fail("must not be empty");
      d.class_names.push_back(std::move(name));
    }
  }
  return d;
}

DatasetDescription read_dataset_description(const std::string& data_path) {
  namespace fs = std::filesystem;
  const fs::path data(data_path);
  const fs::path file = fs::is_directory(data) ? data / "dataset.json" : data.parent_path() / "dataset.json";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return {};
  if (fs::file_size(file, ec) > kMaxDescriptionBytes)
    throw Error(ErrorCode::kInvalidFile, "larger than 1 MiB: not a dataset description", file.string());
  return parse_dataset_description(files::read_file(file.string(), files::kMaxConfigFileBytes), file.string());
}

} // namespace tinynas

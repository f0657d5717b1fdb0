#include "tinynas/profiler/board.hpp"

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

using json_util::Field;
using nlohmann::json;

namespace {

// Sizes may be written "320K" (as users type them) or as a byte count.
std::uint64_t read_size(const Field& f) {
  if (f.value().is_number_integer()) {
    long long v = f.value().get<long long>();
    if (v < 0) f.fail("must not be negative");
    return static_cast<std::uint64_t>(v);
  }
  try {
    return parse_size(f.as_string(), f.pointer());
  } catch (const Error& e) {
    f.fail(e.message());
  }
}

double read_nonnegative(const Field& f, const char* key) {
  double v = f.get_double(key);
  if (v < 0) f.at(key).fail("must not be negative");
  return v;
}

} // namespace

Board Board::from_json(std::string_view text, std::string_view file) {
  json doc = json_util::parse(text, file);
  Field root(doc, std::string(file));
  if (root.has("format") && root.get_string("format") != "tinynas-board")
    root.at("format").fail("expected \"tinynas-board\", found \"" + root.get_string("format") + "\"");
  Board b;
  b.file = std::string(file);
  b.name = root.get_string("name");
  b.description = root.get_string("description", "");
  b.mcu = root.get_string("mcu", "");
  b.core = root.get_string("core");
  b.clock_hz = root.get_double("clock_mhz") * 1e6;
  if (!(b.clock_hz > 0)) root.at("clock_mhz").fail("must be positive");
  b.sram_bytes = read_size(root.at("sram"));
  b.flash_bytes = read_size(root.at("flash"));
  if (b.sram_bytes == 0) root.at("sram").fail("must be positive");
  if (b.flash_bytes == 0) root.at("flash").fail("must be positive");
  Field runtime = root.at("runtime");
  b.runtime_flash_bytes = read_size(runtime.at("flash"));
  b.runtime_sram_bytes = read_size(runtime.at("sram"));
  b.emulated = root.has("emulated") && root.at("emulated").as_bool();

  Field lat = root.at("latency_estimate");
  b.latency.source = lat.get_string("source");
  Field per_mac = lat.at("cycles_per_mac");
  b.latency.conv = read_nonnegative(per_mac, "conv");
  b.latency.depthwise = read_nonnegative(per_mac, "depthwise");
  b.latency.pointwise = read_nonnegative(per_mac, "pointwise");
  b.latency.fc = read_nonnegative(per_mac, "fc");
  Field per_element = lat.at("cycles_per_element");
  b.latency.add_per_element = read_nonnegative(per_element, "add");
  b.latency.pool_per_element = read_nonnegative(per_element, "avgpool");
  b.latency.per_layer = read_nonnegative(lat, "cycles_per_layer");
  return b;
}

Board Board::load(std::string_view name_or_path) {
  std::string path = resolve_config("boards", name_or_path);
  return from_json(json_util::read_file(path), path);
}

std::string Board::to_json() const {
  json j;
  j["format"] = "tinynas-board";
  j["name"] = name;
  j["description"] = description;
  j["mcu"] = mcu;
  j["core"] = core;
  j["clock_mhz"] = clock_hz / 1e6;
  j["sram"] = sram_bytes;
  j["flash"] = flash_bytes;
  j["runtime"] = {{"flash", runtime_flash_bytes}, {"sram", runtime_sram_bytes}};
  j["emulated"] = emulated;
  j["latency_estimate"] = {
      {"source", latency.source},
      {"cycles_per_mac",
       {{"conv", latency.conv},
        {"depthwise", latency.depthwise},
        {"pointwise", latency.pointwise},
        {"fc", latency.fc}}},
      {"cycles_per_element", {{"add", latency.add_per_element}, {"avgpool", latency.pool_per_element}}},
      {"cycles_per_layer", latency.per_layer}};
  return j.dump(2);
}

} // namespace tinynas

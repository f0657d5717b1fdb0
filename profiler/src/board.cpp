#include "tinynas/profiler/board.hpp"

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

using json_util::Field;
using nlohmann::json;

namespace {

// Sizes may be written "320K" (as users type them) or as a byte count: a whole number (3 or 3.0, as
// integers anywhere in these files) no larger than parse_size takes.
std::uint64_t read_size(const Field& f) {
  const json& value = f.value();
  if (value.is_number()) {
    const double bytes = value.get<double>();
    if (bytes < 0) f.fail("must not be negative, found " + value.dump());
    if (std::floor(bytes) != bytes)
      f.fail("a byte count must be a whole number, found " + value.dump() + "; or write a size such as \"320K\"");
    if (bytes > kMaxSizeBytes)
      f.fail("a byte count of " + value.dump() + " is too large (at most 10^15); or write a size such as \"320K\"");
    return value.is_number_unsigned() ? value.get<std::uint64_t>() : static_cast<std::uint64_t>(bytes);
  }
  if (!f.value().is_string()) f.fail("must be a size such as \"320K\" or a byte count");
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

// "host:port" (a name or an IPv4 address) with a port in 1..65535.
void check_host_port(const Field& f, const std::string& text) {
  const std::size_t colon = text.rfind(':');
  const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
  const bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
  if (colon == 0 || !digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
    f.fail("must be host:port, a GDB port on another host (OpenOCD's where the probe is plugged in, e.g. "
           "\"lab-2:3333\"), found \"" +
           text + "\"");
}

BoardLink read_link(const Field& f) {
  if (!f.value().is_object()) f.fail("must be an object");
  BoardLink link;
  const std::string kind = f.get_string("kind");
  link.firmware = f.get_string("firmware");
  if (link.firmware.empty() || link.firmware.find('/') != std::string::npos)
    f.at("firmware").fail("must be an image name (no '/'): the file is <firmware dir>/<name>.elf");
  link.remote = f.get_string("remote", "");
  if (!link.remote.empty()) check_host_port(f.at("remote"), link.remote);
  if (kind == "qemu") {
    link.kind = BoardLink::Kind::kQemu;
    link.qemu_machine = f.get_string("machine");
    if (link.qemu_machine.empty()) f.at("machine").fail("must name a QEMU machine (qemu-system-arm -M help)");
    link.icount_shift = f.get_int("icount_shift");
    // QEMU accepts 0..10; the SysTick must tick faster than instructions retire (shared/hil_notes.md §2.4).
    if (link.icount_shift < 0 || link.icount_shift > 10) f.at("icount_shift").fail("must be 0 to 10");
  } else if (kind == "openocd") {
    link.kind = BoardLink::Kind::kOpenOcd;
    // A remote OpenOCD was started with its scripts on its own host.
    if (link.remote.empty() || f.has("scripts")) {
      const Field scripts = f.at("scripts");
      if (!scripts.value().is_array() || scripts.size() == 0)
        scripts.fail("must be a non-empty array of OpenOCD scripts, e.g. [\"board/stm32f746g-disco.cfg\"]");
      for (std::size_t i = 0; i < scripts.size(); ++i) {
        link.openocd_scripts.push_back(scripts.at(i).as_string());
        if (link.openocd_scripts.back().empty()) scripts.at(i).fail("must not be empty");
      }
    }
    link.probe_serial = f.get_string("probe_serial", "");
  } else {
    f.at("kind").fail("must be \"qemu\" or \"openocd\", found \"" + kind + "\"");
  }
  link.reset_command = f.get_string("reset", default_reset_command(link.kind));
  if (link.reset_command.empty()) f.at("reset").fail("must be a monitor command, e.g. \"reset halt\"");
  return link;
}

} // namespace

const char* board_link_kind_name(BoardLink::Kind kind) {
  switch (kind) {
  case BoardLink::Kind::kQemu: return "qemu";
  case BoardLink::Kind::kOpenOcd: return "openocd";
  case BoardLink::Kind::kNone: break;
  }
  return "none";
}

const char* default_reset_command(BoardLink::Kind kind) {
  return kind == BoardLink::Kind::kQemu ? "system_reset" : "reset halt";
}

std::string default_latency_table_path(const std::string& board_name) {
  return (std::filesystem::path(config_dir()) / "latency" / (board_name + ".json")).string();
}

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
  if (root.has("link")) b.link = read_link(root.at("link"));
  b.emulated = b.link.kind == BoardLink::Kind::kQemu;
  // Stated by the link; a file without one may still say so (an emulated board profiled by other means).
  if (root.has("emulated")) {
    const bool stated = root.at("emulated").as_bool();
    if (root.has("link") && stated != b.emulated)
      root.at("emulated")
          .fail(std::string("contradicts link.kind \"") + board_link_kind_name(b.link.kind) +
                "\" (drop \"emulated\": the link says it)");
    b.emulated = stated;
  }
  b.latency_table = default_latency_table_path(b.name);
  if (root.has("latency_table")) {
    const std::filesystem::path table = root.get_string("latency_table");
    const std::filesystem::path dir = std::filesystem::path(b.file).parent_path();
    b.latency_table = (table.is_relative() && b.file != "<memory>" ? dir / table : table).string();
  }

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
  return from_json(files::read_file(path, files::kMaxConfigFileBytes), path);
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
  if (link.kind == BoardLink::Kind::kNone) j["emulated"] = emulated;
  else {
    json l = {{"kind", board_link_kind_name(link.kind)}, {"firmware", link.firmware}};
    if (link.kind == BoardLink::Kind::kQemu) {
      l["machine"] = link.qemu_machine;
      l["icount_shift"] = link.icount_shift;
    } else {
      if (link.remote.empty() || !link.openocd_scripts.empty()) l["scripts"] = link.openocd_scripts;
      l["probe_serial"] = link.probe_serial;
    }
    if (!link.remote.empty()) {
      l["remote"] = link.remote;
      l["reset"] = link.reset_command;
    }
    j["link"] = l;
  }
  if (latency_table != default_latency_table_path(name))
    j["latency_table"] = std::filesystem::absolute(latency_table).string();
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

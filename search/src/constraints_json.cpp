#include "constraints_json.hpp"

#include "tinynas/space/error.hpp"

namespace tinynas::search_json {

using nlohmann::json;

json budgets_to_json(const Constraints& c) {
  json j;
  j["sram_bytes"] = c.sram_bytes;
  j["flash_bytes"] = c.flash_bytes;
  j["latency_ms"] = c.latency_ms ? json(*c.latency_ms) : json(nullptr);
  j["board"] = c.board.name;
  j["schedule"] = schedule_name(c.schedule);
  j["patch"] = {{"patches", c.patch.patches}, {"split_block", c.patch.split_block}};
  return j;
}

json constraints_to_json(const Constraints& c) {
  json j = budgets_to_json(c);
  j["board_config"] = json::parse(c.board.to_json());
  // Embedded, so a resumed search predicts latency exactly as it started, even after recalibration.
  j["latency_table"] = c.latency_table ? json::parse(c.latency_table->to_json()) : json(nullptr);
  return j;
}

Constraints constraints_from_json(const json_util::Field& f) {
  Constraints c;
  c.board = json_util::load_embedded(
      f.at("board_config"), "board_config",
      [](const std::string& text, const std::string& file) { return Board::from_json(text, file); });
  c.sram_bytes = f.at("sram_bytes").as_uint64();
  c.flash_bytes = f.at("flash_bytes").as_uint64();
  if (!f.at("latency_ms").value().is_null()) c.latency_ms = f.get_double("latency_ms");
  try {
    c.schedule = parse_schedule(f.get_string("schedule"));
  } catch (const Error& e) {
    f.at("schedule").fail(e.message());
  }
  const json_util::Field patch = f.at("patch");
  c.patch.patches = patch.get_int("patches");
  c.patch.split_block = patch.get_int("split_block");
  if (f.has("latency_table") && !f.at("latency_table").value().is_null())
    c.latency_table = std::make_shared<const LatencyTable>(json_util::load_embedded(
        f.at("latency_table"), "latency_table",
        [](const std::string& text, const std::string& file) { return LatencyTable::from_json(text, file); }));
  return c;
}

} // namespace tinynas::search_json

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

Constraints constraints_from_json(const json& j, const std::string& file) {
  try {
    Constraints c;
    c.board = Board::from_json(j.at("board_config").dump(), file + " (board_config)");
    c.sram_bytes = j.at("sram_bytes").get<std::uint64_t>();
    c.flash_bytes = j.at("flash_bytes").get<std::uint64_t>();
    if (!j.at("latency_ms").is_null()) c.latency_ms = j.at("latency_ms").get<double>();
    c.schedule = parse_schedule(j.at("schedule").get<std::string>());
    c.patch.patches = j.at("patch").at("patches").get<int>();
    c.patch.split_block = j.at("patch").at("split_block").get<int>();
    if (j.contains("latency_table") && !j.at("latency_table").is_null())
      c.latency_table = std::make_shared<const LatencyTable>(
          LatencyTable::from_json(j.at("latency_table").dump(), file + " (latency_table)"));
    return c;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kInvalidFile, std::string("malformed constraints: ") + e.what(), file,
                "/config/constraints");
  }
}

} // namespace tinynas::search_json

// stage1.json: everything a notebook needs to draw MCUNet's Figure 3 (the MACs CDF of fitting
// subnets per (width, resolution) pair) and to see why the chosen pair won.
#include <nlohmann/json.hpp>

#include "constraints_json.hpp"
#include "tinynas/search/stage1.hpp"

namespace tinynas {

using nlohmann::json;

namespace {

json pair_to_json(const PairStats& p) {
  json j;
  j["width"] = p.width;
  j["resolution"] = p.resolution;
  j["width_index"] = p.width_index;
  j["resolution_index"] = p.resolution_index;
  j["samples"] = p.samples;
  j["fitting"] = p.fitting;
  j["fit_fraction"] = p.fit_fraction;
  j["eligible"] = p.eligible;
  // Statistics of an empty set are absent, not zero: null keeps a plot from drawing a fake point.
  auto stat = [&](double v) { return p.fitting > 0 ? json(v) : json(nullptr); };
  j["mean_macs"] = stat(p.mean_macs);
  j["median_macs"] = stat(p.median_macs);
  j["p80_macs"] = stat(p.p80_macs);
  j["quantile_macs"] = stat(p.quantile_macs);
  j["min_total_sram_bytes"] = p.min_total_sram_bytes;
  j["min_flash_bytes"] = p.min_flash_bytes;
  j["min_latency_ms"] = p.min_latency_ms;
  return j;
}

std::string placeholder(std::size_t pair) { return "@cdf_macs_of_pair_" + std::to_string(pair) + "@"; }

} // namespace

std::string Stage1Result::to_json(int indent) const {
  json j;
  j["format"] = "tinynas-stage1";
  j["space"] = space;
  j["rule"] = stage1_rule_name(options.rule);
  j["quantile"] = options.quantile;
  j["samples"] = options.samples;
  j["seed"] = options.seed;
  j["min_fit_fraction"] = options.min_fit_fraction;
  j["budgets"] = search_json::budgets_to_json(constraints);
  j["fallback"] = fallback;
  j["chosen"] = chosen >= 0 ? pair_to_json(chosen_pair()) : json(nullptr);
  j["pairs"] = json::array();
  for (const PairStats& p : pairs) j["pairs"].push_back(pair_to_json(p));
  if (indent < 0) {
    for (std::size_t i = 0; i < pairs.size(); ++i) j["pairs"][i]["cdf_macs"] = pairs[i].fitting_macs;
    return j.dump();
  }
  // Pretty-printed, 108 CDFs of 1000 points would take 100k lines. Keep the table readable and
  // each CDF on one line: print placeholders, then splice in the compact arrays.
  for (std::size_t i = 0; i < pairs.size(); ++i) j["pairs"][i]["cdf_macs"] = placeholder(i);
  std::string text = j.dump(indent);
  std::size_t at = 0; // pairs are printed in order, so each search starts where the last ended
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string token = "\"" + placeholder(i) + "\"";
    const std::string cdf = json(pairs[i].fitting_macs).dump();
    at = text.find(token, at);
    text.replace(at, token.size(), cdf);
    at += cdf.size();
  }
  return text;
}

} // namespace tinynas

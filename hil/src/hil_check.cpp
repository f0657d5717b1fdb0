#include "tinynas/hil/hil_check.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {

double measured_milliseconds(const ProfileResult& p, const Board& search_board) {
  if (p.latency_ms > 0) return p.latency_ms;
  return p.instructions / search_board.clock_hz * 1e3;
}

HilCheckResult check_finalists_on_board(const SearchResult& result, const HilCheckOptions& options) {
  HilProfiler profiler(options.board, options.profile); // one QEMU or board link for all finalists
  return check_finalists_on_board(result, profiler, options.top_k);
}

HilCheckResult check_finalists_on_board(const SearchResult& result, HilProfiler& profiler, int top_k) {
  // Each finalist runs in the schedule the search found it with: `auto` resolves the same way for the same budgets.
  const Constraints& c = result.config.constraints;
  profiler.set_schedule(c.schedule, c.patch, c.budgets());
  return check_finalists(result, top_k, profiler.board(),
                         [&](const std::vector<NetSpec>& nets, const std::vector<std::string>&) {
                           std::vector<ProfileResult> measured;
                           for (const NetSpec& n : nets) measured.push_back(profiler.profile(lower_to_graph(n)));
                           return measured;
                         });
}

HilCheckResult check_finalists(const SearchResult& result, int top_k, const Board& board,
                               const FinalistMeasurer& measure) {
  if (top_k < 1) throw invalid_option("hil_top", fmt::format("must be at least 1, found {}", top_k));
  const std::vector<Evaluation>& history = result.evolution.history;
  std::vector<std::size_t> order(history.size());
  std::iota(order.begin(), order.end(), 0);
  // Highest score first; earlier evaluation on ties, as the search's own best.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return history[a].score > history[b].score; });
  order.resize(std::min(order.size(), static_cast<std::size_t>(top_k)));

  std::vector<NetSpec> nets;
  std::vector<std::string> ids;
  for (std::size_t index : order) {
    nets.push_back(lower_to_net(result.config.space, history[index].arch));
    ids.push_back(history[index].id);
  }
  const std::vector<ProfileResult> measured = measure(nets, ids);
  if (measured.size() != nets.size())
    throw Error(ErrorCode::kInternal, fmt::format("{} measurements for {} finalists", measured.size(), nets.size()));

  HilCheckResult out;
  out.board = board.name;
  out.emulated = board.emulated;
  const auto& budget = result.config.constraints.latency_ms;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Evaluation& e = history[order[i]];
    const ProfileResult& p = measured[i];
    HilCandidate c;
    c.id = e.id;
    c.arch = e.arch;
    c.score = e.score;
    c.estimated_ms = e.cost.latency_ms;
    c.measured_ms = measured_milliseconds(p, result.config.constraints.board);
    c.measured = p.latency;
    c.instructions = p.instructions;
    c.peak_sram_bytes_measured = p.peak_sram_bytes_measured;
    c.peak_sram_bytes_predicted = p.peak_sram_bytes_predicted;
    c.schedule = p.schedule;
    c.bit_exact = p.bit_exact;
    c.fits_latency = !budget || c.measured_ms <= *budget;
    spdlog::info("hil {}: {} measured {:.1f} ms (estimated {:.1f} ms), SRAM {} B (predicted {} B){}", out.board, c.id,
                 c.measured_ms, c.estimated_ms, c.peak_sram_bytes_measured, c.peak_sram_bytes_predicted,
                 c.bit_exact ? "" : ", NOT bit-exact");
    if (out.best < 0 && c.fits_latency) out.best = static_cast<int>(out.candidates.size());
    out.candidates.push_back(std::move(c));
  }
  return out;
}

void write_hil_files(const std::string& dir, const HilCheckResult& hil, const SearchResult& result) {
  files::write_file_atomic(dir + "/hil.json", hil.to_json(result.config.constraints) + "\n");
  if (hil.best >= 0)
    files::write_file_atomic(
        dir + "/best_hil.json",
        arch_to_json(hil.candidates[static_cast<std::size_t>(hil.best)].arch, result.config.space) + "\n");
}

std::string HilCheckResult::to_json(const Constraints& constraints, int indent) const {
  using nlohmann::json;
  json j;
  j["board"] = board;
  j["emulated"] = emulated;
  j["measured_ms_meaning"] = emulated ? "QEMU instructions at the search board's clock (" + constraints.board.name +
                                            "), one per cycle: comparable with the estimate, not a real latency"
                                      : "cycles at the measured board's clock";
  j["latency_budget_ms"] = constraints.latency_ms ? json(*constraints.latency_ms) : json(nullptr);
  j["best"] = best >= 0 ? json(candidates[static_cast<std::size_t>(best)].id) : json(nullptr);
  j["candidates"] = json::array();
  for (const HilCandidate& c : candidates) {
    j["candidates"].push_back(
        {{"id", c.id},
         {"score", c.score},
         {"estimated_ms", c.estimated_ms},
         {"measured_ms", c.measured_ms},
         {"latency",
          {{"value", c.measured.value}, {"unit", c.measured.unit}, {"source", latency_source_name(c.measured.source)}}},
         {"instructions", c.instructions},
         {"peak_sram_bytes_measured", c.peak_sram_bytes_measured},
         {"peak_sram_bytes_predicted", c.peak_sram_bytes_predicted},
         {"schedule", c.schedule},
         {"bit_exact", c.bit_exact},
         {"fits_latency", c.fits_latency}});
  }
  return j.dump(indent);
}

} // namespace tinynas

// summary.md: what a person reads first after a search.
#include <fmt/format.h>

#include "output_files.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas::outputs {

namespace {

std::string size_text(std::int64_t bytes) { return format_size(static_cast<std::uint64_t>(bytes)); }

std::string millions(double macs) { return fmt::format("{:.2f}M", macs / 1e6); }

// Scores in MACs read best in millions; accuracies and other units as they are.
std::string score_text(double score, const std::string& unit) {
  return unit == "MACs" ? millions(score) : fmt::format("{:.4g}", score);
}

} // namespace

std::string summary_markdown(const SearchResult& r) {
  const SearchConfig& c = r.config;
  const Constraints& k = c.constraints;
  const EvolutionResult& evo = r.evolution;
  const PairStats& pair = r.stage1.chosen_pair();
  const Evaluation& best = r.best();
  const bool fit = fits(best.cost, k);

  std::string md = "# TinyNAS search\n\n";
  if (evo.proxy)
    md += fmt::format("> **Ranked by a proxy, not by accuracy.** The `{}` estimator scores subnets by {}; the best "
                      "subnet is the one with the highest {} that fits, which is not necessarily the most accurate. "
                      "Use an accuracy estimator (the `supernet` estimator) for accuracy-ranked results.\n\n",
                      evo.estimator, evo.score_unit, evo.score_unit);
  md += "## Setting\n\n";
  md += fmt::format("- Space: `{}` ({} widths x {} resolutions = {} pairs)\n", c.space.name, c.space.width_mults.size(),
                    c.space.resolutions.size(), r.stage1.pairs.size());
  md += fmt::format("- Board: `{}`, schedule `{}`\n", k.board.name, schedule_name(k.schedule));
  md += fmt::format("- Budgets: SRAM {} (activations + scratch + runtime), flash {} (model + runtime), {}\n",
                    format_size(k.sram_bytes), format_size(k.flash_bytes),
                    k.latency_ms ? fmt::format("latency {:g} ms (estimate)", *k.latency_ms) : "no latency budget");
  md += fmt::format("- Estimator: `{}` ({}{})\n", evo.estimator, evo.score_unit, evo.proxy ? ", a proxy" : "");
  md += fmt::format("- Seeds: stage 1 {}, evolution {}\n\n", c.stage1.seed, c.evolution.seed);

  md += "## Stage 1: search space\n\n";
  md += fmt::format("{} subnets sampled per (width, resolution) pair; rule `{}`{}; pairs need at least {:g}% fitting "
                    "samples{}.\n\n",
                    c.stage1.samples, stage1_rule_name(c.stage1.rule),
                    c.stage1.rule == Stage1Rule::kQuantile ? fmt::format(" (p = {:g})", c.stage1.quantile) : "",
                    c.stage1.min_fit_fraction * 100,
                    r.stage1.fallback ? " (none did: the pairs with any fitting subnet competed)" : "");
  md += fmt::format("Chosen: **width {:g}, resolution {}**: {:.1f}% of samples fit; MACs of fitting subnets: mean {}, "
                    "median {}, p80 {}. Table and CDFs: `stage1.json`.\n\n",
                    pair.width, pair.resolution, pair.fit_fraction * 100, millions(pair.mean_macs),
                    millions(pair.median_macs), millions(pair.p80_macs));

  md += "## Stage 2: evolution\n\n";
  md += fmt::format("{} generations, population {}, parents {}, mutation probability {:g}; {} subnets evaluated "
                    "(`history.jsonl`); Pareto front of {} subnets (`pareto.json`).\n\n",
                    evo.generations, c.evolution.population, c.evolution.parents, c.evolution.mutation_prob,
                    evo.history.size(), evo.pareto.size());

  md += "## Best subnet\n\n";
  md += fmt::format("`{}` (`best.json`, net config `best.netconfig.json`)\n\n", best.id);
  md += "| figure | value | budget |\n|---|---|---|\n";
  md += fmt::format("| score ({}) | {} | |\n", evo.score_unit, score_text(best.score, evo.score_unit));
  md += fmt::format("| MACs | {} | |\n", macs_text(c.space, best.arch, best.cost));
  md += fmt::format("| runs | {} | |\n", run_plan_text(best.cost, k));
  md += fmt::format("| params | {:.3f}M | |\n", static_cast<double>(best.cost.params) / 1e6);
  md += fmt::format("| peak SRAM (activations + scratch) | {} | |\n", size_text(best.cost.peak_sram_bytes));
  md += fmt::format("| total SRAM (with runtime) | {} | {} |\n", size_text(best.cost.total_sram_bytes),
                    format_size(k.sram_bytes));
  md +=
      fmt::format("| flash (with runtime) | {} | {} |\n", size_text(best.cost.flash_bytes), format_size(k.flash_bytes));
  md += fmt::format("| latency (estimate) | {:.1f} ms | {} |\n", best.cost.latency_ms,
                    k.latency_ms ? fmt::format("{:g} ms", *k.latency_ms) : "");
  md += fmt::format("\nFits the budgets: **{}**.\n", fit ? "yes" : "NO");
  return md;
}

} // namespace tinynas::outputs

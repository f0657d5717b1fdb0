#include "pipeline_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tinynas {

namespace {

std::string kib(std::int64_t bytes) { return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0); }

} // namespace

std::string report_markdown(const PipelineReport& r) {
  const Constraints& k = r.search.config.constraints;
  const Evaluation& best = r.search.best();
  const PairStats& pair = r.stage1.chosen_pair();
  std::string md = "# TinyNAS run\n\n";
  md += fmt::format("Data: `{}`. Space: `{}`. Budgets: {}.\n\n",
                    r.options.search.data_dir.empty() ? "Fashion-MNIST (default)" : r.options.search.data_dir,
                    r.stage1.space, k.describe());
  md += "## Phases\n\n";
  md += fmt::format("1. **Stage 1** chose width {:g}, resolution {} ({:.0f}% of sampled subnets fit, mean {:.2f}M "
                    "MACs). Table: `stage1.json`.\n",
                    pair.width, pair.resolution, 100 * pair.fit_fraction, pair.mean_macs / 1e6);
  md += fmt::format("2. **Supernet** at width {:g} over resolutions {}: `{}` ({} epochs).\n", pair.width,
                    fmt::join(r.search.config.space.resolutions, ", "), r.supernet, r.options.supernet_epochs);
  md += fmt::format("3. **Stage 2** ranked {} subnets by inherited-weight validation accuracy over {} generations "
                    "(files in `search/`).\n",
                    r.search.evolution.history.size(), r.search.evolution.generations);
  md += fmt::format("4. **Fine-tuned** the winner for {} epochs: `{}`.\n", r.options.finetune_epochs, r.model);
  md += "5. **Exported** the int8 model (`export/best.tnm`, `export/tinynas_model.{h,c}`) and the float model "
        "(`export/best.onnx`).\n\n";
  md += "## The winner\n\n";
  md += fmt::format("`{}`\n\n", best.id);
  md += "| | value |\n|---|---|\n";
  md += fmt::format("| MACs | {:.2f}M |\n| parameters | {:.1f}K |\n", static_cast<double>(best.cost.macs) / 1e6,
                    static_cast<double>(best.cost.params) / 1e3);
  md += fmt::format("| peak SRAM (activations + scratch) | {} |\n| flash (model + runtime) | {} |\n",
                    kib(best.cost.peak_sram_bytes), kib(best.cost.flash_bytes));
  md += fmt::format("| predicted latency on {} | {:.1f} ms |\n", k.board.name, best.cost.latency_ms);
  md += fmt::format("| inherited-weight validation accuracy (stage 2) | {:.2f}% |\n", 100 * best.score);
  md += fmt::format("| **test accuracy, float** ({} images) | **{:.2f}%** |\n", r.accuracy.images,
                    100 * r.accuracy.accuracy);
  if (r.accuracy.has_int8)
    md += fmt::format("| **test accuracy, int8** (host runtime, bit-exact with the boards) | **{:.2f}%** |\n",
                      100 * r.accuracy.int8.accuracy);
  md += "\n## Time (this invocation; finished phases a continued run reused take none)\n\n| phase | seconds |\n|---|---|\n";
  for (std::size_t i = 0; i + 1 < r.timings.size(); ++i)
    md += fmt::format("| {} | {:.1f} |\n", r.timings[i].phase, r.timings[i].seconds);
  md += "\n## Reproduce\n\n```console\n";
  md += fmt::format("tinynas eval --model {} --split test --int8\n", r.model);
  md += fmt::format("tinynas profile --model {} --board {}\n", r.model, k.board.name);
  md += "```\n";
  return md;
}

} // namespace tinynas

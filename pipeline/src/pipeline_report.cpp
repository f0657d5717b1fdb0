#include "pipeline_report.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "report_document.hpp"
#include "tinynas/hil/hil_check.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

namespace {

using nlohmann::json;

std::string kib(std::int64_t bytes) { return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024.0); }
std::string percent(double fraction) { return fmt::format("{:.2f}%", 100 * fraction); }

// The bytes of SRAM the budget leaves to activations and scratch once the runtime has its share.
std::int64_t activation_budget(const CostReport& c) {
  return static_cast<std::int64_t>(c.sram_budget_bytes) - (c.total_sram_bytes - c.peak_sram_bytes);
}

// The `tinynas search` command that runs this pipeline again: the budgets, the data, the training
// and the stage-2 options most often changed (pipeline.json records every option).
std::string pipeline_command(const PipelineOptions& o, const Constraints& k, const std::string& space) {
  const SearchOptions& s = o.search;
  const SearchOptions defaults;
  std::string cmd = fmt::format("tinynas search --data {} --space {} --board {} --sram {} --flash {}",
                                s.data_dir.empty() ? "/usr/share/datasets/fashion-mnist" : s.data_dir, space,
                                k.board.name, size_flag(k.sram_bytes), size_flag(k.flash_bytes));
  if (k.latency_ms) cmd += fmt::format(" --latency {}ms", *k.latency_ms);
  if (s.schedule != defaults.schedule) cmd += " --schedule " + s.schedule;
  cmd +=
      fmt::format(" --seed {} --supernet-epochs {} --finetune-epochs {}", s.seed, o.supernet_epochs, o.finetune_epochs);
  if (o.final_training != PipelineOptions{}.final_training)
    cmd += fmt::format(" --final-training {}", final_training_name(o.final_training));
  if (o.train_limit > 0) cmd += fmt::format(" --limit {}", o.train_limit);
  // A run with a time budget did its plan's counts (the ones above), one without did the counts given: either way
  // those counts, not a plan of the default budget's.
  cmd += " --time-budget none";
  if (s.eval_images != defaults.eval_images) cmd += fmt::format(" --eval-images {}", s.eval_images);
  if (s.population != defaults.population) cmd += fmt::format(" --population {}", s.population);
  if (s.generations != defaults.generations) cmd += fmt::format(" --generations {}", s.generations);
  if (s.samples != defaults.samples) cmd += fmt::format(" --samples {}", s.samples);
  if (s.parents != defaults.parents) cmd += fmt::format(" --parents {}", s.parents);
  if (s.resolution_window >= 0) cmd += fmt::format(" --resolution-window {}", s.resolution_window);
  if (o.hil_board) cmd += " --hil " + *o.hil_board;
  if (!o.hil_farm.empty()) cmd += " --farm " + o.hil_farm;
  return cmd + " --out RUN2";
}

ReportSection overview(const PipelineReport& r) {
  const Constraints& k = r.search.config.constraints;
  const PairStats& pair = r.stage1.chosen_pair();
  ReportSection s;
  s.paragraphs.push_back(
      fmt::format("Data: `{}`. Space: `{}`. Budgets: {}.",
                  r.options.search.data_dir.empty() ? "Fashion-MNIST (default)" : r.options.search.data_dir,
                  r.stage1.space, k.describe()));
  s.steps = {
      fmt::format("**Stage 1** chose width {:g}, resolution {} ({:.0f}% of sampled subnets fit, mean {:.2f}M MACs). "
                  "Table: `stage1.json`.",
                  pair.width, pair.resolution, 100 * pair.fit_fraction, pair.mean_macs / 1e6),
      fmt::format("**Supernet** at width {:g} over resolutions {}: `{}` ({} epochs).", pair.width,
                  fmt::join(r.search.config.space.resolutions, ", "), r.supernet, r.options.supernet_epochs),
      fmt::format("**Stage 2** ranked {} subnets by inherited-weight validation accuracy over {} generations, "
                  "searching the resolution too (files in `search/`).",
                  r.search.evolution.history.size(), r.search.evolution.generations),
      r.options.final_training == FinalTraining::kScratch
          ? fmt::format("**Trained** the winner from random weights for {} epochs (the supernet's {} and the "
                        "fine-tuning's {}), the supernet's recipe: `{}`.",
                        r.options.supernet_epochs + r.options.finetune_epochs, r.options.supernet_epochs,
                        r.options.finetune_epochs, r.model)
          : fmt::format("**Fine-tuned** the winner's inherited weights for {} epochs: `{}`.", r.options.finetune_epochs,
                        r.model),
      "**Exported** the int8 model (`export/best.tnm`, `export/tinynas_model.{h,c}`) and the float model "
      "(`export/best.onnx`).",
  };
  if (r.board) s.steps.push_back(fmt::format("**Measured** the int8 model on `{}` (`board.json`).", r.board->board));
  return s;
}

ReportSection winner_section(const PipelineReport& r) {
  const Constraints& k = r.search.config.constraints;
  const Evaluation& best = r.search.best();
  ReportSection s("The winner");
  s.paragraphs.push_back(fmt::format("`{}`", best.id));
  ReportTable t{{"", "value"}, {}};
  t.rows.push_back({"MACs", macs_text(r.search.config.space, best.arch, best.cost)});
  t.rows.push_back({"runs", run_plan_text(best.cost, k)});
  t.rows.push_back({"parameters", fmt::format("{:.1f}K", static_cast<double>(best.cost.params) / 1e3)});
  t.rows.push_back({"peak SRAM (activations + scratch)", kib(best.cost.peak_sram_bytes)});
  t.rows.push_back({"total SRAM (with the runtime) / budget",
                    kib(best.cost.total_sram_bytes) + " / " + kib(static_cast<std::int64_t>(k.sram_bytes))});
  t.rows.push_back({"flash (model + runtime) / budget",
                    kib(best.cost.flash_bytes) + " / " + kib(static_cast<std::int64_t>(k.flash_bytes))});
  t.rows.push_back(
      {fmt::format("predicted latency on {}", k.board.name), fmt::format("{:.1f} ms", best.cost.latency_ms)});
  t.rows.push_back({"inherited-weight validation accuracy (stage 2)", percent(best.score)});
  t.rows.push_back({fmt::format("**test accuracy, float** ({} images)", r.accuracy.images),
                    "**" + percent(r.accuracy.accuracy) + "**"});
  if (r.accuracy.has_int8)
    t.rows.push_back({"**test accuracy, int8** (host runtime, bit-exact with the boards)",
                      "**" + percent(r.accuracy.int8.accuracy) + "**"});
  s.tables.push_back(std::move(t));
  return s;
}

ReportSection board_section(const PipelineReport& r, const ProfileResult& p) {
  const Constraints& k = r.search.config.constraints;
  const Evaluation& best = r.search.best();
  ReportSection s(fmt::format("On the board: {}", p.board));
  const bool qemu = p.latency.source == LatencySource::kQemuIcountTicks;
  if (qemu)
    s.paragraphs.push_back(fmt::format(
        "`{}` is emulated by QEMU: its time is a count of **instructions, not cycles** (QEMU models no pipeline, "
        "caches or wait states). The latency row reads them at {}'s clock, one per cycle, as the search's estimates "
        "of emulated boards do: comparable with the estimate, not a real latency.",
        p.board, k.board.name));
  const std::string identical = p.runs_identical ? "identical" : "NOT identical";
  const std::string runs = p.run_ticks.empty() ? "its runs " + identical // the farm stores no per-run ticks
                                               : fmt::format("{} runs, {}", p.run_ticks.size(), identical);
  if (r.board_elsewhere)
    s.paragraphs.push_back(fmt::format(
        "The int8 model of `export/best.tnm` (the farm quantises the trained model as the export did), measured by "
        "`{}`{}, {}, on one test image. The trained model's accuracy on the farm's boards: a suite entry "
        "`{{\"accuracy\": \"{}\"}}` (docs/FARM.md). Per-layer figures: `board.json`.",
        r.options.hil_board.value_or("the board farm"),
        r.options.hil_farm.empty() ? "" : " (" + r.options.hil_farm + ")", runs, r.model));
  else
    s.paragraphs.push_back(fmt::format("The int8 model of `export/best.tnm`, {}, on one random image (time and "
                                       "memory do not depend on the pixel values). Per-layer figures: `board.json`.",
                                       runs));
  ReportTable t{{"", "cost model", "measured"}, {}};
  const std::string raw = qemu ? fmt::format("{:.0f} instructions", p.instructions)
                               : fmt::format("{:.0f} {}", p.latency.value, p.latency.unit);
  t.rows.push_back({"latency", fmt::format("{:.2f} ms", best.cost.latency_ms),
                    fmt::format("{:.2f} ms ({})", measured_milliseconds(p, k.board), raw)});
  t.rows.push_back(
      {"peak SRAM (activations + scratch)", kib(p.peak_sram_bytes_predicted), kib(p.peak_sram_bytes_measured)});
  t.rows.push_back({"flash (model + runtime / firmware image)", kib(p.flash_bytes_predicted), kib(p.flash_bytes)});
  t.rows.push_back(
      {"output", "", p.bit_exact ? "bit-exact with the host runtime" : "**DIFFERS from the host runtime**"});
  s.tables.push_back(std::move(t));
  s.figures.push_back({"board-layers", "Each layer's share of the measured time and of the cost model's estimate."});
  return s;
}

ReportSection stage1_section(const PipelineReport& r) {
  ReportSection s("Stage 1: the space");
  std::vector<const PairStats*> pairs;
  for (const PairStats& p : r.stage1.pairs)
    if (p.fitting > 0) pairs.push_back(&p);
  std::sort(pairs.begin(), pairs.end(),
            [](const PairStats* a, const PairStats* b) { return a->mean_macs > b->mean_macs; });
  s.paragraphs.push_back(fmt::format(
      "{} (width, resolution) pairs, {} samples each; {} have fitting subnets. The pair whose fitting subnets have "
      "the most MACs ({} rule) is chosen: more computation in the budget, more accuracy (MCUNet, section 3.1). "
      "The {} with the most mean MACs:",
      r.stage1.pairs.size(), r.stage1.options.samples, pairs.size(), stage1_rule_name(r.stage1.options.rule),
      std::min<std::size_t>(pairs.size(), 10)));
  ReportTable t{{"width", "resolution", "fit", "mean MACs", "p80 MACs", ""}, {}};
  const PairStats& chosen = r.stage1.chosen_pair();
  for (std::size_t i = 0; i < pairs.size() && i < 10; ++i) {
    const PairStats& p = *pairs[i];
    t.rows.push_back({fmt::format("{:g}", p.width), std::to_string(p.resolution), percent(p.fit_fraction),
                      fmt::format("{:.2f}M", p.mean_macs / 1e6), fmt::format("{:.2f}M", p.p80_macs / 1e6),
                      &p == &chosen ? "**chosen**" : (p.eligible ? "" : "too few fit")});
  }
  s.tables.push_back(std::move(t));
  s.figures.push_back({"stage1-cdf", "MACs distribution of the subnets that fit, per (width, resolution) pair "
                                     "(MCUNet's Figure 3); the chosen pair in bold."});
  return s;
}

ReportSection stage2_section() {
  ReportSection s("Stage 2: the subnets");
  s.figures.push_back({"evolution", "Best inherited-weight validation accuracy per generation."});
  s.figures.push_back({"pareto-sram", "Every evaluated subnet: accuracy against peak SRAM, the Pareto front and "
                                      "the winner."});
  s.figures.push_back({"pareto-latency", "The same subnets against the latency estimate."});
  return s;
}

ReportSection memory_section(const PipelineReport& r) {
  const CostReport& w = r.winner;
  ReportSection s("The winner's memory");
  const LayerCost& peak = w.layers.at(static_cast<std::size_t>(w.peak_op));
  s.paragraphs.push_back(fmt::format("Under the `{}` schedule the peak, {}, is at `{}`; the budget leaves {} to "
                                     "activations once the runtime has its {}.",
                                     w.schedule, kib(w.peak_sram_bytes), peak.name, kib(activation_budget(w)),
                                     kib(w.total_sram_bytes - w.peak_sram_bytes)));
  s.figures.push_back({"winner-memory", "SRAM in use while each layer runs; the peak layer in red."});
  return s;
}

// A phase's predicted seconds in the time plan, "" for the phases it does not predict one by one.
std::string predicted_seconds(const TimePlan& plan, const std::string& phase) {
  const PhaseSeconds p = plan.seconds_now();
  if (phase == "supernet") return fmt::format("{:.1f}", p.supernet);
  if (phase == "stage 2") return fmt::format("{:.1f}", p.stage2);
  if (phase == "final training") return fmt::format("{:.1f}", p.final_training);
  return "";
}

ReportSection time_section(const PipelineReport& r) {
  ReportSection s("Time");
  s.paragraphs.push_back(
      "This invocation's phases; a continued run reuses finished phases and times only what it did.");
  if (r.plan)
    s.paragraphs.push_back(fmt::format("Time budget {}, planned from this machine's speed (`time_plan.json`): {}{}{}.",
                                       format_time_budget(r.plan->inputs.budget_seconds), describe_time_plan(*r.plan),
                                       r.plan->stage2 ? "; " + describe_stage2_plan(*r.plan) : "",
                                       r.plan->final_training ? "; " + describe_final_training_plan(*r.plan) : ""));
  ReportTable t{{"phase", "seconds"}, {}};
  if (r.plan) t.header.push_back("planned seconds");
  for (std::size_t i = 0; i + 1 < r.timings.size(); ++i) {
    t.rows.push_back({r.timings[i].phase, fmt::format("{:.1f}", r.timings[i].seconds)});
    if (r.plan) t.rows.back().push_back(predicted_seconds(*r.plan, r.timings[i].phase));
  }
  s.tables.push_back(std::move(t));
  return s;
}

ReportSection reproduce_section(const PipelineReport& r) {
  const Constraints& k = r.search.config.constraints;
  ReportSection s("Reproduce");
  s.paragraphs.push_back("The same run in another directory, then the winner's figures one at a time:");
  s.commands.push_back(pipeline_command(r.options, k, r.stage1.space));
  s.commands.push_back(fmt::format("tinynas eval --model {} --split test --int8", r.model));
  s.commands.push_back(
      fmt::format("tinynas profile --model {} --board {}", r.model,
                  r.board && r.board_elsewhere ? r.board->board : r.options.hil_board.value_or("qemu-mps2-an500")));
  return s;
}

// What report.js draws (its drawers name the fields they read).
json figure_data(const PipelineReport& r) {
  const EvolutionResult& ev = r.search.evolution;
  json subnets = json::array();
  for (const Evaluation& e : ev.history)
    subnets.push_back(
        {{"score", e.score}, {"latency_ms", e.cost.latency_ms}, {"peak_sram_bytes", e.cost.peak_sram_bytes}});
  json layers = json::array();
  for (const LayerCost& l : r.winner.layers) layers.push_back({{"name", l.name}, {"sram_bytes", l.sram_bytes}});
  json data = {
      {"stage1", json::parse(r.stage1.to_json())},
      {"evolution",
       {{"best_per_generation", ev.best_score_per_generation},
        {"subnets", subnets},
        {"pareto", ev.pareto},
        {"best", ev.best},
        {"score_label", "inherited-weight validation accuracy (%)"}}},
      {"budgets",
       {{"latency_ms",
         r.search.config.constraints.latency_ms ? json(*r.search.config.constraints.latency_ms) : json()}}},
      {"winner",
       {{"schedule", r.winner.schedule}, {"layers", layers}, {"activation_budget_bytes", activation_budget(r.winner)}}},
  };
  if (r.board) {
    json board_layers = json::array();
    const auto& predicted = r.winner.layers;
    for (const LayerTiming& l : r.board->layers) {
      const auto match =
          std::find_if(predicted.begin(), predicted.end(), [&](const LayerCost& c) { return c.name == l.name; });
      board_layers.push_back(
          {{"name", l.name}, {"measured", l.ticks}, {"predicted", match == predicted.end() ? 0.0 : match->latency_ms}});
    }
    data["board"] = {{"board", r.board->board}, {"unit", r.board->latency.unit}, {"layers", board_layers}};
  }
  return data;
}

} // namespace

ReportFiles render_report(const PipelineReport& r) {
  ReportDocument d{.title = "TinyNAS run", .sections = {overview(r), winner_section(r)}};
  if (r.board) d.sections.push_back(board_section(r, *r.board));
  d.sections.push_back(stage1_section(r));
  d.sections.push_back(stage2_section());
  d.sections.push_back(memory_section(r));
  d.sections.push_back(time_section(r));
  d.sections.push_back(reproduce_section(r));
  return {render_markdown(d), render_html(d, figure_data(r).dump())};
}

} // namespace tinynas

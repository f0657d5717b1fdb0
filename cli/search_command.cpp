// tinynas search: configure (new or resumed), warn about proxies, run with progress on stderr and a
// Ctrl-C handler that stops cleanly after the next checkpoint, then print the result.
#include "search_command.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "farm_hil.hpp"
#include "interrupt.hpp"
#include "progress_line.hpp"
#include "tinynas/hil/hil_check.hpp"
#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/search/constraints.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/units.hpp"
#include "training_printer.hpp"

namespace tinynas::cli {

namespace {

// ---- progress and output ----

// Within a generation (generation 0 of a large population can take half an hour): how far it is.
std::string evaluating_text(const EvaluationProgress& p) {
  return fmt::format("generation {}/{}  {}/{} subnets scored  ~{:.0f} s left in it", p.generation, p.generations,
                     p.done, p.total, p.seconds_left);
}

void warn_about_proxy(const AccuracyEstimator& estimator) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const char* on = tty ? "\033[1;33m" : "";
  const char* off = tty ? "\033[0m" : "";
  fmt::print(stderr,
             "{}WARNING: subnets are ranked by a PROXY ({}: {}), not by accuracy.{}\n"
             "         The result is the subnet with the highest {} that fits the budgets, which is not\n"
             "         necessarily the most accurate one. Accuracy ranking needs a trained supernet:\n"
             "         --supernet S (tinynas train), or --data DIR to train one (the whole pipeline).\n",
             on, estimator.name(), estimator.score_unit(), off, estimator.score_unit());
}

void print_result(const SearchResult& r) {
  const Evaluation& best = r.best();
  const Constraints& k = r.config.constraints;
  // Re-checked from the arch, independently of the figures the evolution recorded.
  const FitCheck check = check_fit(r.config.space, best.arch, k);
  const PairStats& pair = r.stage1.chosen_pair();
  auto size = [](std::int64_t bytes) { return format_size(static_cast<std::uint64_t>(bytes)); };
  std::string out;
  out += fmt::format("Best subnet: {}\n", best.id);
  out += fmt::format("  score        {}{}\n", score_text(best.score, r.evolution.score_unit),
                     r.evolution.proxy ? "  (a proxy, not accuracy)" : "");
  out += fmt::format("  MACs         {}\n", macs_text(r.config.space, best.arch, check.cost));
  out += fmt::format("  params       {:.3f}M\n", static_cast<double>(check.cost.params) / 1e6);
  out += fmt::format("  peak SRAM    {} activations + scratch ({} with runtime; budget {})\n",
                     size(check.cost.peak_sram_bytes), size(check.cost.total_sram_bytes), format_size(k.sram_bytes));
  out += fmt::format("  flash        {} with runtime (budget {})\n", size(check.cost.flash_bytes),
                     format_size(k.flash_bytes));
  out += fmt::format("  latency      {:.1f} ms, {}{}\n", check.cost.latency_ms,
                     k.latency_table ? "predicted from the board's calibrated latency table" : "estimated",
                     k.latency_ms ? fmt::format(" (budget {:g} ms)", *k.latency_ms) : "");
  out += fmt::format("  runs         {}\n", run_plan_text(check.cost, k));
  out += fmt::format("  fits         {} ({}, board {})\n", check.fits ? "yes" : "NO",
                     k.latency_ms ? "SRAM, flash and latency" : "SRAM and flash", k.board.name);
  out += fmt::format("Stage 1 chose width {:g}, resolution {} ({} rule; fitting subnets: {:.1f}%, mean {:.2f}M MACs)\n",
                     pair.width, pair.resolution, stage1_rule_name(r.config.stage1.rule), pair.fit_fraction * 100,
                     pair.mean_macs / 1e6);
  out += fmt::format("Stage 2: {} generations, {} subnets evaluated, Pareto front of {}\n", r.evolution.generations,
                     r.evolution.history.size(), r.evolution.pareto.size());
  if (!r.out_dir.empty())
    out += fmt::format("Files in {}: stage1.json history.jsonl pareto.json best.json best.netconfig.json summary.md\n",
                       r.out_dir);
  fmt::print("{}", out);
}

// --hil: the finalists on the board, the latency budget applied to what was measured.
HilCheckResult run_hil_check(const SearchResult& result, HilProfiler& profiler, int top_k, const std::string& dir) {
  fmt::print(stderr, "tinynas: measuring the {} best subnets on {}{}\n", top_k, profiler.board().name,
             profiler.board().emulated ? " (emulated: instruction counts, not cycles)" : "");
  HilCheckResult hil = check_finalists_on_board(result, profiler, top_k);
  write_hil_files(dir, hil, result);
  return hil;
}

void print_hil(const HilCheckResult& hil, const Constraints& k) {
  fmt::print("Measured on {}{}:\n", hil.board,
             hil.emulated
                 ? fmt::format(" (QEMU: instructions at {}'s clock, one per cycle; not a real latency)", k.board.name)
                 : std::string());
  fmt::print("  {:<60} {:>10} {:>12} {:>12} {:>10}  {}\n", "subnet", "score", "estimated", "measured", "SRAM KiB",
             "bit-exact");
  for (std::size_t i = 0; i < hil.candidates.size(); ++i) {
    const HilCandidate& c = hil.candidates[i];
    fmt::print("  {:<60} {:>10.4g} {:>9.1f} ms {:>9.1f} ms {:>10.1f}  {}{}\n", c.id, c.score, c.estimated_ms,
               c.measured_ms, static_cast<double>(c.peak_sram_bytes_measured) / 1024.0, c.bit_exact ? "yes" : "NO",
               static_cast<int>(i) == hil.best ? "  <- best within the budget"
                                               : (c.fits_latency ? "" : "  (over budget)"));
  }
  if (!k.latency_ms) fmt::print("  (no --latency budget: the search's best stands)\n");
}

} // namespace

bool runs_pipeline(const SearchCommandOptions& o) {
  if (!o.search.resume.empty() && is_pipeline_run(o.search.resume)) return true;
  return o.given.count("data_dir") && !o.given.count("supernet") && !o.given.count("estimator");
}

namespace {

// Recorded absolute, so a continued run started elsewhere asks the same farm.
std::string farm_file(const std::string& farm) { return farm.empty() ? "" : std::filesystem::absolute(farm).string(); }

// The pipeline --resume RUN continues: the options RUN/pipeline.json recorded. Only where it runs
// (--threads) and the board it is measured on (--hil) may be given again.
PipelineOptions resumed_pipeline_options(const SearchCommandOptions& o) {
  for (const std::string& name : o.given)
    if (name != "resume" && name != "threads")
      throw invalid_option(name, "--resume " + o.search.resume +
                                     " continues a pipeline with the options in its pipeline.json; leave this "
                                     "option out, or start another run with --out");
  PipelineOptions p = read_pipeline_options(o.search.resume);
  p.search.threads = o.search.threads;
  if (o.hil) {
    p.hil_board = o.hil;
    p.hil_farm = farm_file(o.farm);
  }
  return p;
}

PipelineOptions pipeline_options(const SearchCommandOptions& o) {
  if (!o.search.resume.empty() && is_pipeline_run(o.search.resume)) return resumed_pipeline_options(o);
  PipelineOptions p;
  p.search = o.search;
  if (p.search.out.empty()) p.search.out = p.search.resume.empty() ? kDefaultSearchDir : p.search.resume;
  p.search.resume.clear();
  p.supernet_epochs = o.supernet_epochs;
  p.finetune_epochs = o.finetune_epochs;
  p.final_training = parse_final_training(o.final_training);
  p.train_limit = o.limit;
  p.time_budget_seconds = parse_time_budget(o.time_budget);
  p.hil_board = o.hil;
  p.hil_farm = farm_file(o.farm);
  return p;
}

// --hil farm[:KIND]: the winner measured by the board farm (checked before the training, like a board).
void attach_farm_measurer(const PipelineOptions& p, PipelineHooks& hooks) {
  const std::optional<FarmHil> farm = parse_farm_hil(p.hil_board, p.hil_farm, Board::load(p.search.board));
  if (!farm) return;
  check_farm(*farm, p.search.out);
  hooks.measure_on_board = farm_trained_measurer(*farm, p.search.out);
}

// tinynas search --data DIR: every phase from data to an exported model (pipeline.hpp), with the
// phase, epoch or generation and the time left on stderr.
int run_pipeline_command(const SearchCommandOptions& o) {
  const PipelineOptions p = pipeline_options(o);
  const ParallelismLimit threads(p.search.threads);
  TrainingPrinter printer;
  ProgressLine generations;
  PipelineHooks hooks;
  // Stage 2's line stays drawn (its last state) when a phase or a note follows it.
  hooks.on_phase = [&](const std::string& phase) {
    generations.finish();
    printer.note("tinynas: " + phase);
  };
  hooks.on_note = [&](const std::string& note) {
    generations.finish();
    printer.note("  " + note);
  };
  hooks.on_batch = [&](const BatchProgress& b) { printer.batch(b); };
  hooks.on_epoch = [&](const EpochReport& e) { printer.epoch(e); };
  hooks.on_generation = [&](const EvolutionProgress& g) {
    generations.update(fmt::format("generation {}/{}  best {:.2f}%  {} evaluated  {:.1f} subnets/s  ~{:.0f} s left",
                                   g.generation, g.generations, 100 * g.best->score, g.evaluations,
                                   g.evaluations_per_second, g.seconds_left),
                       g.generation == g.generations);
  };
  hooks.on_evaluating = [&](const EvaluationProgress& e) { generations.update(evaluating_text(e)); };
  const InterruptGuard interrupt("stopping after the current phase's last checkpoint");
  hooks.should_stop = [&] { return interrupt.requested(); };
  attach_farm_measurer(p, hooks);
  PipelineResult r;
  try {
    r = run_pipeline(p, hooks);
  } catch (const Error& e) {
    printer.finish();
    generations.finish();
    if (e.code() != ErrorCode::kInterrupted) throw;
    throw Error(ErrorCode::kInterrupted, e.message() + "; or: tinynas search --resume " + p.search.out);
  }
  printer.finish();
  generations.finish();
  if (o.json) {
    nlohmann::json j = nlohmann::json::parse(files::read_file(r.accuracy_json));
    j["run"] = r.run_dir;
    j["model"] = r.model;
    j["report"] = r.report;
    j["report_html"] = r.report_html;
    j["winner"] = nlohmann::json::parse(r.winner_json);
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", files::read_file(r.report));
  }
  return 0;
}

} // namespace

int run_search(const SearchCommandOptions& o) {
  // Refused whether or not --hil is given, before any work: a value that is never used is still a mistake.
  if (o.hil_top < 1) throw invalid_option("hil_top", fmt::format("must be at least 1, found {}", o.hil_top));
  if (runs_pipeline(o)) return run_pipeline_command(o);
  SearchOptions options = o.search;
  const bool resuming = !options.resume.empty();
  if (!resuming && options.out.empty()) options.out = kDefaultSearchDir;
  const std::string dir = resuming ? options.resume : options.out;
  // Checked (and a checkpoint in the way refused) before the proxy warning, on a run that will start.
  SearchConfig config = make_search_config(options, o.given);
  // The board is checked and reached before the search, not after it: a board without profiling firmware is
  // refused (exit 2), one that does not answer (no probe, QEMU failing) fails (exit 3) before any work.
  std::optional<HilProfiler> profiler;
  const std::optional<FarmHil> farm_hil = parse_farm_hil(o.hil, o.farm, config.constraints.board);
  if (o.hil) check_firmware_schedule(config.constraints.schedule);
  if (farm_hil) {
    check_farm(*farm_hil, dir);
  } else if (o.hil) {
    profiler.emplace(Board::load(*o.hil));
    profiler->connect();
  }
  const ParallelismLimit threads(options.threads);
  const std::unique_ptr<AccuracyEstimator> estimator =
      make_estimator(config.estimator, config.space, config.estimator_options);
  adopt_estimator(config, *estimator); // a supernet scores one width: stage 1 chooses among its resolutions
  if (estimator->is_proxy()) warn_about_proxy(*estimator);
  spdlog::info("searching space {} for {}", config.space.name, config.constraints.describe());

  const InterruptGuard interrupt("stopping at the next checkpoint (after the subnets being scored)");
  ProgressLine display;
  SearchHooks hooks;
  hooks.stop = &interrupt.flag();
  hooks.progress = [&](const EvolutionProgress& p) {
    display.update(fmt::format("generation {}/{}  best {}  {} evaluated  {:.0f} evaluations/s  ~{:.0f} s left",
                               p.generation, p.generations, score_text(p.best->score, estimator->score_unit()),
                               p.evaluations, p.evaluations_per_second, p.seconds_left),
                   p.generation == p.generations);
  };
  hooks.evaluating = [&](const EvaluationProgress& e) { display.update(evaluating_text(e)); };
  std::optional<SearchResult> result;
  try {
    result = resuming ? resume_search(dir, config, *estimator, hooks)
                      : tinynas::run_search(config, *estimator, dir, hooks, options.overwrite);
  } catch (const Error& e) {
    display.finish();
    if (e.code() != ErrorCode::kInterrupted) throw;
    throw Error(ErrorCode::kInterrupted, e.message() + "; continue with: tinynas search --resume " + dir);
  }
  display.finish();
  std::optional<HilCheckResult> hil;
  if (profiler) hil = run_hil_check(*result, *profiler, o.hil_top, dir);
  if (farm_hil) {
    fmt::print(stderr, "tinynas: measuring the {} best subnets on the board farm's {} boards{}\n", o.hil_top,
               farm_hil->kind.name, farm_hil->kind.emulated ? " (emulated: instruction counts, not cycles)" : "");
    hil = check_finalists(*result, o.hil_top, farm_hil->kind,
                          farm_measurer(*farm_hil, dir, result->config.constraints.cost_options()));
    write_hil_files(dir, *hil, *result);
  }
  if (o.json) {
    nlohmann::json j = nlohmann::json::parse(result->to_json());
    if (hil) j["hil"] = nlohmann::json::parse(hil->to_json(result->config.constraints));
    fmt::print("{}\n", j.dump(2));
  } else {
    print_result(*result);
    if (hil) print_hil(*hil, result->config.constraints);
  }
  if (hil && hil->best < 0)
    throw Error(
        ErrorCode::kInfeasible,
        fmt::format("none of the {} best subnets meets the latency budget when measured on {} (see {}/hil.json); "
                    "raise --hil-top or the budget",
                    hil->candidates.size(), hil->board, dir));
  return 0;
}

} // namespace tinynas::cli

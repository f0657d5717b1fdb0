// tinynas search: configure (new or resumed), warn about proxies, run with progress on stderr and a
// Ctrl-C handler that stops cleanly after the next checkpoint, then print the result.
#include "search_command.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "interrupt.hpp"
#include "progress_line.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/search/constraints.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/search/hil_check.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/units.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas::cli {

namespace {

constexpr const char* kDefaultBoard = "stm32f746g-disco";
constexpr const char* kDefaultSpace = "mcunet";
constexpr const char* kDefaultSchedule = "inplace-dw";
constexpr const char* kDefaultOut = "tinynas-search";

// ---- configuration ----

// The search the options describe: on top of the defaults for a new search, on top of the
// checkpoint's configuration for --resume (resume_search then checks nothing else changed).
SearchConfig configure(const SearchCommandOptions& o, const std::optional<SearchConfig>& checkpoint) {
  SearchConfig c;
  if (checkpoint) {
    c = *checkpoint;
    if (o.space) c.space = SearchSpace::load(*o.space);
    if (o.board) c.constraints.board = Board::load(*o.board);
  } else if (!o.space && o.supernet) {
    // A supernet belongs to one space: it is the search's unless --space says otherwise (and then
    // the estimator refuses the mismatch by name).
    c.space = Supernet::load(*o.supernet).space();
  } else {
    c.space = SearchSpace::load(o.space.value_or(kDefaultSpace));
  }
  if (!checkpoint) {
    c.constraints.board = Board::load(o.board.value_or(kDefaultBoard));
    c.constraints.sram_bytes = c.constraints.board.sram_bytes;
    c.constraints.flash_bytes = c.constraints.board.flash_bytes;
    c.constraints.schedule = parse_schedule(kDefaultSchedule);
  }
  Constraints& k = c.constraints;
  if (o.sram) k.sram_bytes = parse_size(*o.sram, "--sram");
  if (o.flash) k.flash_bytes = parse_size(*o.flash, "--flash");
  if (o.latency) k.latency_ms = parse_duration_ms(*o.latency, "--latency");
  if (o.schedule) k.schedule = parse_schedule(*o.schedule);
  if (o.patches) k.patch.patches = *o.patches;
  if (o.split_block) k.patch.split_block = *o.split_block;
  k = make_constraints(k.board, k.sram_bytes, k.flash_bytes, k.latency_ms, k.schedule,
                       k.patch); // checks them
  if (k.sram_bytes > k.board.sram_bytes || k.flash_bytes > k.board.flash_bytes)
    spdlog::warn("the budgets ({}) exceed what board {} has (SRAM {}, flash {})", k.describe(), k.board.name,
                 format_size(k.board.sram_bytes), format_size(k.board.flash_bytes));

  if (o.estimator) c.estimator = *o.estimator;
  if (o.supernet) c.estimator_options.supernet = *o.supernet;
  if (o.data) c.estimator_options.data_dir = *o.data;
  if (o.eval_images) c.estimator_options.eval_images = *o.eval_images;
  if (o.seed) c.stage1.seed = c.evolution.seed = *o.seed;
  if (o.samples) c.stage1.samples = *o.samples;
  if (o.stage1_rule) c.stage1.rule = parse_stage1_rule(*o.stage1_rule);
  if (o.stage1_quantile) c.stage1.quantile = *o.stage1_quantile;
  if (o.min_fit) c.stage1.min_fit_fraction = *o.min_fit;
  if (o.population) c.evolution.population = *o.population;
  if (o.parents) c.evolution.parents = *o.parents;
  if (o.generations) c.evolution.generations = *o.generations;
  if (o.mutation_prob) c.evolution.mutation_prob = *o.mutation_prob;
  if (o.mutation_ratio) c.evolution.mutation_ratio = *o.mutation_ratio;
  if (o.max_attempts) c.evolution.max_attempts = *o.max_attempts;
  validate(c);
  return c;
}

// ---- progress and output ----

std::string score_text(double score, const std::string& unit) {
  if (unit == "MACs") return fmt::format("{:.2f}M MACs", score / 1e6);
  return fmt::format("{:.4g} ({})", score, unit);
}

void warn_about_proxy(const AccuracyEstimator& estimator) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const char* on = tty ? "\033[1;33m" : "";
  const char* off = tty ? "\033[0m" : "";
  fmt::print(stderr,
             "{}WARNING: subnets are ranked by a PROXY ({}: {}), not by accuracy.{}\n"
             "         The result is the subnet with the highest {} that fits the budgets, which is not\n"
             "         necessarily the most accurate one. Accuracy ranking needs a trained supernet\n"
             "         (--estimator supernet, from the supernet module).\n",
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
  out += fmt::format("  MACs         {:.2f}M\n", static_cast<double>(check.cost.macs) / 1e6);
  out += fmt::format("  params       {:.3f}M\n", static_cast<double>(check.cost.params) / 1e6);
  out += fmt::format("  peak SRAM    {} activations + scratch ({} with runtime; budget {})\n",
                     size(check.cost.peak_sram_bytes), size(check.cost.total_sram_bytes), format_size(k.sram_bytes));
  out += fmt::format("  flash        {} with runtime (budget {})\n", size(check.cost.flash_bytes),
                     format_size(k.flash_bytes));
  out += fmt::format("  latency      {:.1f} ms, {}{}\n", check.cost.latency_ms,
                     k.latency_table ? "predicted from the board's calibrated latency table" : "estimated",
                     k.latency_ms ? fmt::format(" (budget {:g} ms)", *k.latency_ms) : "");
  out +=
      fmt::format("  fits         {} ({}, board {}, schedule {})\n", check.fits ? "yes" : "NO",
                  k.latency_ms ? "SRAM, flash and latency" : "SRAM and flash", k.board.name, schedule_name(k.schedule));
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
HilCheckResult run_hil_check(const SearchResult& result, const std::string& board, int top_k, const std::string& dir) {
  HilCheckOptions options;
  options.board = Board::load(board);
  options.top_k = top_k;
  fmt::print(stderr, "tinynas: measuring the {} best subnets on {}{}\n", top_k, board,
             options.board.emulated ? " (emulated: instruction counts, not cycles)" : "");
  HilCheckResult hil = check_finalists_on_board(result, options);
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

int run_search(const SearchCommandOptions& o) {
  if (o.threads < 0)
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("--threads: must be 0 (all cores) or more, found {}", o.threads));
  const ParallelismLimit threads(o.threads);

  const bool resuming = !o.resume.empty();
  if (resuming && o.out && *o.out != o.resume)
    throw Error(
        ErrorCode::kInvalidArgument,
        fmt::format("--out {} with --resume {}: a resumed search continues in its own directory", *o.out, o.resume));
  const std::string dir = resuming ? o.resume : o.out.value_or(kDefaultOut);
  std::optional<SearchConfig> checkpointed;
  if (resuming) checkpointed = read_search_config(dir);
  SearchConfig config = configure(o, checkpointed);
  // The library checks these too; checking first keeps the proxy warning off a run that will not start.
  if (checkpointed) {
    const std::string difference = search_config_difference(*checkpointed, config);
    if (!difference.empty())
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("--resume {}: these options differ from the checkpointed search's ({}); resume with the "
                              "same options (only --generations may grow)",
                              dir, difference));
  } else if (!o.overwrite && has_checkpoint(dir)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("{} already holds a search checkpoint: continue it with --resume {}, choose another --out, "
                            "or pass --overwrite to start over",
                            dir, dir));
  }
  const std::unique_ptr<AccuracyEstimator> estimator =
      make_estimator(config.estimator, config.space, config.estimator_options);
  // A supernet scores one width only: stage 1 chooses among that width's resolutions.
  config.stage1.fixed_width = estimator->required_width();
  if (estimator->is_proxy()) warn_about_proxy(*estimator);
  spdlog::info("searching space {} for {}", config.space.name, config.constraints.describe());

  const InterruptGuard interrupt("stopping after the current generation's checkpoint");
  ProgressLine display;
  SearchHooks hooks;
  hooks.stop = &interrupt.flag();
  hooks.progress = [&](const EvolutionProgress& p) {
    display.update(fmt::format("generation {}/{}  best {}  {} evaluated  {:.0f} evaluations/s", p.generation,
                               p.generations, score_text(p.best->score, estimator->score_unit()), p.evaluations,
                               p.evaluations_per_second),
                   p.generation == p.generations);
  };
  std::optional<SearchResult> result;
  try {
    result = resuming ? resume_search(dir, config, *estimator, hooks)
                      : tinynas::run_search(config, *estimator, dir, hooks, o.overwrite);
  } catch (const Error& e) {
    display.finish();
    if (e.code() != ErrorCode::kInterrupted) throw;
    throw Error(ErrorCode::kInterrupted, e.message() + "; continue with: tinynas search --resume " + dir);
  }
  display.finish();
  std::optional<HilCheckResult> hil;
  if (o.hil) hil = run_hil_check(*result, *o.hil, o.hil_top, dir);
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

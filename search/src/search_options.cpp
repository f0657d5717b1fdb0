#include "tinynas/search/search_options.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "supernet_estimator.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {

namespace {

// Whether an option is applied: always for a new search; for a resumed one only when given.
class Applies {
public:
  Applies(bool resuming, const std::set<std::string>& given) : resuming_(resuming), given_(given) {
    for (const std::string& name : given)
      if (!search_option_names().contains(name))
        throw Error(ErrorCode::kInternal, "\"" + name + "\" is not a search option");
  }
  bool operator()(const char* option) const { return !resuming_ || given_.contains(option); }

private:
  bool resuming_;
  const std::set<std::string>& given_;
};

SearchSpace space_of(const SearchOptions& o) {
  if (o.space) return SearchSpace::load(*o.space);
  // A supernet belongs to one space: it is the search's unless `space` says otherwise (and then the
  // estimator refuses the mismatch by name).
  if (!o.supernet.empty()) return supernet_space(o.supernet);
  return SearchSpace::load(kDefaultSearchSpace);
}

// Re-made only when an option changes them, so a resumed search keeps the board and the calibrated
// latency table its checkpoint embeds even after configs/ changed; the table goes with the board, so
// only giving the board again loads them anew (a budget given again keeps both).
void apply_constraints(const SearchOptions& o, const Applies& applies, Constraints& k) {
  bool changed = false;
  auto apply = [&](const char* option) {
    if (!applies(option)) return false;
    changed = true;
    return true;
  };
  const bool new_board = apply("board");
  if (new_board) k.board = Board::load(o.board);
  const std::shared_ptr<const LatencyTable> board_table = k.latency_table;
  std::optional<std::uint64_t> sram = k.sram_bytes, flash = k.flash_bytes;
  if (apply("sram")) sram = o.sram ? std::optional(parse_size(*o.sram, "sram")) : std::nullopt;
  if (apply("flash")) flash = o.flash ? std::optional(parse_size(*o.flash, "flash")) : std::nullopt;
  if (apply("latency"))
    k.latency_ms = o.latency ? std::optional(parse_duration_ms(*o.latency, "latency")) : std::nullopt;
  if (apply("schedule")) {
    try {
      k.schedule = parse_schedule(o.schedule);
    } catch (const Error& e) {
      throw invalid_option("schedule", e.message());
    }
  }
  if (apply("patches")) k.patch.patches = o.patches;
  if (apply("split_block")) k.patch.split_block = o.split_block.value_or(PatchOptions{}.split_block);
  if (!changed) return;
  k = make_constraints(k.board, sram, flash, k.latency_ms, k.schedule, k.patch);
  if (!new_board) k.latency_table = board_table;
  if (k.sram_bytes > k.board.sram_bytes || k.flash_bytes > k.board.flash_bytes)
    spdlog::warn("the budgets ({}) exceed what board {} has (SRAM {}, flash {})", k.describe(), k.board.name,
                 format_size(k.board.sram_bytes), format_size(k.board.flash_bytes));
}

// What ranks the subnets: the estimator named, else the supernet's accuracy when a supernet file is
// given (a user who names a supernet means it to rank), else the MACs proxy. The proxy next to a
// supernet file is refused rather than the supernet ignored; a caller's own estimator may take the
// supernet's space.
std::string estimator_of(const SearchOptions& o) {
  if (o.estimator.empty()) return o.supernet.empty() ? "macs" : "supernet";
  if (o.estimator == "macs" && !o.supernet.empty())
    throw invalid_option("supernet", fmt::format("{} would not rank anything: the search ranks by the MACs proxy "
                                                 "(estimator \"macs\"); leave out the supernet or the estimator",
                                                 o.supernet));
  return o.estimator;
}

void apply_search_options(const SearchOptions& o, const Applies& applies, SearchConfig& c) {
  if (applies("space")) c.space = space_of(o);
  apply_constraints(o, applies, c.constraints);
  if (applies("estimator")) c.estimator = estimator_of(o);
  // Recorded absolute, so that a resumed search finds them from any directory.
  if (applies("supernet")) c.estimator_options.supernet = files::absolute_path(o.supernet);
  if (applies("data_dir")) c.estimator_options.data_dir = files::absolute_path(o.data_dir);
  if (applies("eval_images")) {
    if (o.eval_images < 0)
      throw invalid_option("eval_images", fmt::format("must be 0 (the whole split) or more, found {}", o.eval_images));
    c.estimator_options.eval_images = o.eval_images;
  }
  if (applies("seed")) c.stage1.seed = c.evolution.seed = o.seed;
  if (applies("samples")) c.stage1.samples = o.samples;
  if (applies("stage1_rule")) c.stage1.rule = parse_stage1_rule(o.stage1_rule);
  if (applies("stage1_quantile")) c.stage1.quantile = o.stage1_quantile;
  if (applies("min_fit")) c.stage1.min_fit_fraction = o.min_fit;
  if (applies("population")) c.evolution.population = o.population;
  if (applies("parents")) c.evolution.parents = o.parents;
  if (applies("generations")) c.evolution.generations = o.generations;
  if (applies("mutation_prob")) c.evolution.mutation_prob = o.mutation_prob;
  if (applies("mutation_ratio")) c.evolution.mutation_ratio = o.mutation_ratio;
  if (applies("max_attempts")) c.evolution.max_attempts = o.max_attempts;
  if (applies("resolution_window")) {
    if (o.resolution_window < -1)
      throw invalid_option("resolution_window",
                           fmt::format("must be -1 (auto) or 0 to 64, found {}", o.resolution_window));
    c.evolution.resolution_window = std::max(o.resolution_window, 0);
  }
  validate(c);
}

} // namespace

const std::set<std::string>& search_option_names() {
  static const std::set<std::string> names{
      "sram",    "flash",       "latency",       "board",           "space",        "schedule",
      "patches", "split_block", "estimator",     "supernet",        "data_dir",     "eval_images",
      "seed",    "samples",     "stage1_rule",   "stage1_quantile", "min_fit",      "population",
      "parents", "generations", "mutation_prob", "mutation_ratio",  "max_attempts", "resolution_window",
      "out",     "resume",      "overwrite",     "threads"};
  return names;
}

SearchConfig make_search_config(const SearchOptions& o, const std::set<std::string>& given) {
  if (o.threads < 0) throw invalid_option("threads", fmt::format("must be 0 (all cores) or more, found {}", o.threads));
  const bool resuming = !o.resume.empty();
  const Applies applies(resuming, given);
  if (!resuming) {
    SearchConfig c;
    apply_search_options(o, applies, c);
    refuse_existing_checkpoint(o.out, o.overwrite);
    return c;
  }
  if (!o.out.empty() && o.out != o.resume)
    throw invalid_option("out", fmt::format("{} is not {}, the directory of the resumed search: a resumed search "
                                            "continues in its own directory",
                                            o.out, o.resume));
  const Checkpoint checkpoint = read_checkpoint(o.resume);
  SearchConfig c = checkpoint.config;
  apply_search_options(o, applies, c);
  const std::string& supernet = c.estimator_options.supernet;
  if (!applies("supernet") && !supernet.empty() && !std::filesystem::exists(supernet))
    throw invalid_option("supernet", fmt::format("{}, the supernet the search checkpointed in {} was scored with, is "
                                                 "not there any more: give `supernet` where it is now",
                                                 supernet, o.resume));
  require_resumable(checkpoint, c, o.resume);
  return c;
}

void adopt_estimator(SearchConfig& config, const AccuracyEstimator& estimator) {
  config.estimator = estimator.name();
  config.stage1.fixed_width = estimator.required_width();
}

} // namespace tinynas

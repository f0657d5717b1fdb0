// The `tinynas` executable. This is the only translation unit that includes CLI11 (about 10 s to
// compile): it declares every subcommand's flags, fills the option structs of commands.hpp, sets up
// logging, runs the chosen command, and turns errors into one-line messages and exit codes
// (tinynas::exit_code: 2 for bad input, like CLI11's own parse errors here), the options they name
// spelled as flags (option_flags.hpp) and bytes that are not UTF-8 escaped (text_output.hpp).

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "calibrate_command.hpp"
#include "commands.hpp"
#include "deploy_command.hpp"
#include "eval_command.hpp"
#include "export_command.hpp"
#include "farm_command.hpp"
#include "finetune_command.hpp"
#include "option_flags.hpp"
#include "profile_command.hpp"
#include "search_command.hpp"
#include "text_output.hpp"
#include "tinynas/profiler/schedule.hpp"
#include "tinynas/search/estimator.hpp"
#include "tinynas/search/search_options.hpp"
#include "tinynas/space/config_paths.hpp"
#include "tinynas/space/error.hpp"
#include "train_command.hpp"

namespace {

using namespace tinynas;
using namespace tinynas::cli;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Seeds are whole numbers 0 .. 2^64-1, written in decimal: CLI11 alone would wrap "-1" and saturate
// "18446744073709551616" to the same seed, silently.
const CLI::Validator kSeedValue(
    [](std::string& text) -> std::string {
      std::uint64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return "must be a whole number from 0 to 18446744073709551615, found \"" + text + "\"";
      return "";
    },
    "SEED");

// A command's exit code once its output reached stdout: a failed write (a full disk, a closed pipe
// the shell ignores) is an error, never exit 0 with the result lost.
int stdout_checked(int code) {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::cerr << "tinynas: error: cannot write the result to stdout: " << std::strerror(errno) << "\n";
    return 1;
  }
  return code;
}

// An option that sets `target` only when given, so commands can tell "not given" from a default.
template <typename T>
CLI::Option* add_optional(CLI::App* app, const std::string& name, std::optional<T>& target, const std::string& help) {
  return app->add_option_function<T>(
      name, [&target](const T& value) { target = value; }, help);
}

// --sram: the SRAM the model may take, e.g. the search's budget. `profile` takes it for `auto` only; `export` and
// `deploy` also refuse a blob over it under any schedule.
void add_sram_flag(CLI::App* command, cli::ScheduleFlags& flags, bool blob_refused_over_it) {
  command->add_option("--sram", flags.auto_sram,
                      blob_refused_over_it ? "The SRAM the model may take, as the search's --sram (default: the "
                                             "board's): auto fits its plan to it, and a blob over it is refused"
                                           : "--schedule auto: the SRAM the model may take, as the search's --sram "
                                             "(default: the board's)");
}

// The subnet and its int8 quantisation, as `export` and `deploy` take them (the same fields in both options).
template <class Options>
void add_int8_subnet_flags(CLI::App* command, Options& o) {
  command->add_option("--supernet", o.supernet, "Supernet file (tinynas train --out), with ARCH");
  command->add_option("arch", o.arch, "Arch JSON file or arch id (w1-r28-...), or largest / smallest");
  command->add_option("--model", o.model, "A model file (tinynas finetune --out) instead of --supernet S ARCH");
  command->add_option("--name", o.name, "C source: file names and symbol prefix (a C identifier)")
      ->capture_default_str();
  command
      ->add_option("--calibration-images", o.calibration_images,
                   "int8: training images calibrating the activation ranges")
      ->capture_default_str();
  command->add_option("--data", o.data, "Dataset for BN and int8 calibration (default: Fashion-MNIST)");
  command->add_option("--seed", o.seed, "Seed picking the BN calibration images")
      ->check(kSeedValue)
      ->capture_default_str();
  command->add_option("--threads", o.threads, "Worker threads (0: all cores)")->capture_default_str();
}

// --schedule, --patches and --split-block (schedule_flags.hpp) on one command.
void add_schedule_flags(CLI::App* command, cli::ScheduleFlags& flags, const std::string& schedules) {
  command->add_option("--schedule", flags.schedule, "Memory schedule: " + schedules)->capture_default_str();
  add_optional(command, "--patches", flags.patches, "Patch schedule: an N x N grid of patches (default 4)");
  add_optional(command, "--split-block", flags.split_block,
               "Patch schedule: last block run per patch (default: chosen automatically)");
}

// The search options set on the command line, by SearchOptions' names: with --resume, only these
// change the checkpoint's configuration.
std::set<std::string> given_search_options(const CLI::App& search) {
  std::set<std::string> given;
  for (const std::string& name : search_option_names())
    if (search.count(std::string(flag_of(name))) > 0) given.insert(name);
  return given;
}

// Logs go to stderr (stdout carries results), coloured when it is a terminal. Default: warnings;
// -v info, -vv debug; --log-level wins over -v.
void setup_logging(int verbosity, const std::string& level) {
  auto logger = spdlog::stderr_color_mt("tinynas");
  logger->set_pattern("tinynas: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::level::level_enum chosen = verbosity >= 2   ? spdlog::level::debug
                                     : verbosity == 1 ? spdlog::level::info
                                                      : spdlog::level::warn;
  if (!level.empty()) chosen = spdlog::level::from_str(level);
  spdlog::set_level(chosen);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"TinyNAS: hardware-aware neural architecture search for microcontrollers (MCUNet-style).\n"
               "Models are arch JSON files or OFA/MCUNet net configs; sizes are written 320K, 320KB, 320KiB, 1M.",
               "tinynas"};
  app.set_version_flag("--version", "tinynas " TINYNAS_VERSION);
  app.require_subcommand(1);
  app.fallthrough(); // global flags are accepted after the subcommand too

  int verbosity = 0;
  std::string log_level;
  app.add_flag("-v,--verbose", verbosity, "Log more on stderr (-v: info, -vv: debug)");
  app.add_option("--log-level", log_level, "Log level (overrides -v)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  const std::string boards_help = "Board: a name (" + joined(list_configs("boards")) + ") or a board JSON file";
  const std::string spaces_help = "Search space: a name (" + joined(list_configs("spaces")) + ") or a space JSON file";

  // ---- analyze ----
  AnalyzeOptions analyze_opts;
  CLI::App* analyze = app.add_subcommand(
      "analyze", "Cost of a model on a board: MACs, params, flash, peak SRAM per layer and whether it fits");
  analyze
      ->add_option("model", analyze_opts.model, "Arch JSON, arch id of --space (w1-r28-...) or OFA/MCUNet net config")
      ->required();
  analyze->add_option("--board", analyze_opts.board, boards_help)->capture_default_str();
  add_schedule_flags(analyze, analyze_opts.schedule, joined(schedule_names()));
  analyze
      ->add_option("--space", analyze_opts.space, spaces_help + "; for arch files naming none and to map net configs")
      ->capture_default_str();
  add_optional(analyze, "--sram", analyze_opts.sram,
               "SRAM budget (e.g. 256K; default: the board's SRAM, as in search)");
  add_optional(analyze, "--flash", analyze_opts.flash, "Flash budget (e.g. 512K; default: the board's flash)");
  add_optional(analyze, "--latency", analyze_opts.latency_ms,
               "Latency budget in ms (the board's calibrated table when it has one, else the estimate)");
  analyze->add_flag("--json", analyze_opts.json, "Print the cost report as JSON");

  // ---- convert ----
  ConvertOptions convert_opts;
  CLI::App* convert = app.add_subcommand("convert", "Convert a model between the arch and net-config formats");
  convert->add_option("model", convert_opts.model, "Arch JSON or OFA/MCUNet net config")->required();
  convert->add_option("--to", convert_opts.to, "Output format: netconfig (OFA/MCUNet) or arch (TinyNAS)")
      ->required()
      ->check(CLI::IsMember({"netconfig", "arch"}));
  convert->add_option("-o,--output", convert_opts.output, "Output file (default: stdout)");
  convert->add_option("--space", convert_opts.space, spaces_help + "; the space an arch must belong to")
      ->capture_default_str();

  // ---- space sample | info ----
  CLI::App* space = app.add_subcommand("space", "Inspect a search space");
  space->require_subcommand(1);
  SpaceSampleOptions sample_opts;
  CLI::App* sample = space->add_subcommand("sample", "Random subnets of a space, one arch JSON per line");
  sample->add_option("--space", sample_opts.space, spaces_help)->capture_default_str();
  sample->add_option("-n,--count", sample_opts.count, "Number of subnets")->capture_default_str();
  sample->add_option("--seed", sample_opts.seed, "Random seed (same seed, same subnets)")
      ->check(kSeedValue)
      ->capture_default_str();
  sample->add_option("--width", sample_opts.width, "Fix the width multiplier (default: sampled)");
  sample->add_option("--resolution", sample_opts.resolution, "Fix the resolution (default: sampled)");
  SpaceInfoOptions info_opts;
  CLI::App* info = space->add_subcommand("info", "Size, choices and channels of a space");
  info->add_option("--space", info_opts.space, spaces_help)->capture_default_str();
  info->add_flag("--json", info_opts.json, "Print as JSON");

  // ---- search ----
  // Defaults are SearchOptions' own; with --resume, options left out keep the checkpoint's values.
  SearchCommandOptions search_opts;
  SearchOptions& so = search_opts.search;
  CLI::App* search = app.add_subcommand(
      "search", "Two-stage TinyNAS search: choose the (width, resolution) pair, then evolve subnets in it");
  add_optional(search, "--sram", so.sram, "SRAM budget incl. the runtime (default: the board's)");
  add_optional(search, "--flash", so.flash, "Flash budget incl. the runtime (default: the board's)");
  add_optional(search, "--latency", so.latency, "Latency budget, e.g. 500ms (default: none)");
  search->add_option("--board", so.board, boards_help)->capture_default_str();
  add_optional(search, "--space", so.space,
               spaces_help + " (default: the --supernet's space, else " + kDefaultSearchSpace + ")");
  search->add_option("--schedule", so.schedule, "Memory schedule: " + joined(schedule_names()))->capture_default_str();
  search->add_option("--patches", so.patches, "Patch schedule: an N x N grid of patches")->capture_default_str();
  add_optional(search, "--split-block", so.split_block,
               "Patch schedule: last block run per patch (default: chosen automatically)");
  search->add_option("--estimator", so.estimator,
                     "Accuracy estimator: " + joined(estimator_names()) +
                         " (default: supernet with --supernet, else macs, a proxy)");
  search->add_option("--supernet", so.supernet,
                     "A trained supernet file (tinynas train --out): subnets are ranked by their accuracy with its "
                     "weights, and its space and width become the search's");
  search->add_option("--data", so.data_dir,
                     "The dataset: an IDX directory, an .npz file or an image folder (DIR/train/<class>/*.png). "
                     "Without --supernet: the whole pipeline (train a supernet for stage 1's choice, stage 2 with "
                     "its accuracy, fine-tune, test, export, report); with --supernet: the data it was trained on, to "
                     "score subnets on its validation split (default: Fashion-MNIST)");
  search->add_option("--supernet-epochs", search_opts.supernet_epochs, "--data pipeline: supernet training epochs")
      ->capture_default_str();
  search->add_option("--finetune-epochs", search_opts.finetune_epochs, "--data pipeline: fine-tuning epochs")
      ->capture_default_str();
  search
      ->add_option("--final-training", search_opts.final_training,
                   "--data pipeline: the winner's deployed weights trained from random weights for the supernet + "
                   "fine-tuning epochs (scratch), or its inherited weights fine-tuned (finetune)")
      ->check(CLI::IsMember({"scratch", "finetune"}))
      ->capture_default_str();
  search
      ->add_option("--time-budget", search_opts.time_budget,
                   "--data pipeline: the whole run's time (45min, 1.5h, 2700s, none): after stage 1 a probe times "
                   "training batches and subnet scores, and the supernet epochs, generations and fine-tuning "
                   "epochs are cut until the run is predicted to fit (RUN/time_plan.json)")
      ->capture_default_str();
  search->add_option("--limit", search_opts.limit, "--data pipeline: train on the first N images (0: all)")
      ->capture_default_str();
  search
      ->add_option("--eval-images", so.eval_images,
                   "With a supernet: validation images each subnet is scored on (0: the whole split)")
      ->capture_default_str();
  search->add_option("--seed", so.seed, "Random seed of both stages")->check(kSeedValue)->capture_default_str();
  search->add_option("--samples", so.samples, "Stage 1: subnets sampled per pair")->capture_default_str();
  search
      ->add_option("--stage1-rule", so.stage1_rule,
                   "Stage 1: pick the pair by the fitting subnets' mean MACs or a MACs quantile: mean|quantile")
      ->capture_default_str();
  search->add_option("--stage1-quantile", so.stage1_quantile, "Stage 1: the quantile rule's p")->capture_default_str();
  search->add_option("--min-fit", so.min_fit, "Stage 1: fraction of samples that must fit for a pair to count")
      ->capture_default_str();
  search->add_option("--population", so.population, "Stage 2: population size")->capture_default_str();
  search->add_option("--parents", so.parents, "Stage 2: parents kept per generation")->capture_default_str();
  search->add_option("--generations", so.generations, "Stage 2: generations")->capture_default_str();
  search->add_option("--mutation-prob", so.mutation_prob, "Stage 2: probability of resampling each gene")
      ->capture_default_str();
  search->add_option("--mutation-ratio", so.mutation_ratio, "Stage 2: share of children made by mutation")
      ->capture_default_str();
  search
      ->add_option("--resolution-window", so.resolution_window,
                   "Stage 2: also search the space's resolutions within N steps of stage 1's (0: stage 1's only; "
                   "-1: 0 for a search, 1 for the --data pipeline)")
      ->capture_default_str();
  search->add_option("--max-attempts", so.max_attempts, "Draws allowed to find one fitting subnet before giving up")
      ->capture_default_str();
  search->add_option("--out", so.out, std::string("Output directory (default: ") + kDefaultSearchDir + ")");
  search->add_option("--resume", so.resume,
                     "Continue the search checkpointed in DIR, or the --data pipeline run in DIR with its options");
  search->add_flag("--overwrite", so.overwrite, "Replace a search already in --out");
  search->add_option("--threads", so.threads, "Worker threads (0: all cores)")->capture_default_str();
  search->add_flag("--json", search_opts.json, "Print the result as JSON");
  add_optional(search, "--hil", search_opts.hil,
               "Measure the best subnets on this board (e.g. qemu-mps2-an500), or on the board farm in parallel "
               "(farm: the search's board kind, farm:KIND another), and apply the latency budget to the "
               "measurements; the --data pipeline measures its int8 winner on a board (or its winner on the farm)");
  search->add_option("--hil-top", search_opts.hil_top, "With --hil: how many of the best subnets to measure")
      ->capture_default_str();
  search->add_option("--farm", search_opts.farm,
                     "With --hil farm[:KIND]: the board farm that measures the finalists in parallel, or the --data "
                     "pipeline's winner (farm.json; default: this host's QEMU boards)");
  search->footer("With --resume DIR, options left out keep the checkpoint's values; those given must leave it the "
                 "same search (only --generations may grow).");

  // ---- train / eval / export (the weight-shared supernet) ----
  cli::TrainOptions train_opts;
  CLI::App* train = app.add_subcommand(
      "train", "Train a weight-shared supernet (largest subnet first, then sandwich rule with distillation)");
  train->add_option("--space", train_opts.space, spaces_help)->capture_default_str();
  train->add_option("--out", train_opts.out, "Supernet file (written every epoch; the --resume checkpoint)")
      ->required();
  train->add_option("--width", train_opts.width, "Width multiplier the supernet holds")->capture_default_str();
  add_optional(train, "--epochs", train_opts.epochs, "Total epochs (default 20)");
  add_optional(train, "--largest-epochs", train_opts.largest_epochs,
               "Epochs of the largest-subnet phase (default 30% of --epochs)");
  train->add_option("--limit", train_opts.limit, "Train on the first N images only (0: all)")->capture_default_str();
  train->add_option("--seed", train_opts.seed, "Seed of weights, batches and augmentation")
      ->check(kSeedValue)
      ->capture_default_str();
  train->add_flag("--resume", train_opts.resume, "Continue the training checkpointed in --out");
  train->add_option("--data", train_opts.data,
                    "Dataset: an IDX directory, an .npz file or an image folder (DIR/train/<class>/*.png) (default: "
                    "Debian's Fashion-MNIST)");
  train->add_option("--threads", train_opts.threads, "Worker threads (0: all cores)")->capture_default_str();
  train->add_option("--batch-size", train_opts.batch_size, "Images per batch")->capture_default_str();
  train
      ->add_option("--kernel-transform", train_opts.kernel_transform,
                   "How smaller kernels derive from the 7x7: centre or ofa-matrix")
      ->capture_default_str();
  train
      ->add_option("--val-size", train_opts.val_size,
                   "Training images held out for validation (0: a tenth of them, at most 5000)")
      ->capture_default_str();
  train->add_flag("--classes-from-data", train_opts.classes_from_data,
                  "Give the space as many classes as the data has (class folders, dataset.json or labels)");
  train->add_flag("--json", train_opts.json, "Print the training summary as JSON");

  cli::EvalOptions eval_opts;
  CLI::App* eval = app.add_subcommand(
      "eval", "Accuracy of a subnet with weights inherited from a supernet (after BN recalibration)");
  eval->add_option("--supernet", eval_opts.supernet, "Supernet file (tinynas train --out), with ARCH");
  eval->add_option("arch", eval_opts.arch, "Arch JSON file or arch id (w1-r28-...), or largest / smallest");
  eval->add_option("--model", eval_opts.model, "A model file (tinynas finetune --out) instead of --supernet S ARCH");
  eval->add_option("--split", eval_opts.accuracy.split, "val (held out from training) or test (final numbers only)")
      ->capture_default_str();
  eval->add_option("--data", eval_opts.accuracy.data_dir,
                   "Dataset: an IDX directory, an .npz file or an image folder (DIR/train/<class>/*.png) (default: "
                   "Debian's Fashion-MNIST)");
  eval->add_option("--limit", eval_opts.accuracy.limit, "Evaluate on the first N images of the split (0: all)")
      ->capture_default_str();
  eval->add_option("--seed", eval_opts.accuracy.seed, "Seed picking the BN calibration images")
      ->check(kSeedValue)
      ->capture_default_str();
  eval->add_option("--threads", eval_opts.threads, "Worker threads (0: all cores)")->capture_default_str();
  eval->add_flag("--int8", eval_opts.accuracy.int8,
                 "Also quantise the subnet to int8 and report the accuracy of the firmware's runtime (host build)");
  eval->add_option("--calibration-images", eval_opts.accuracy.calibration_images,
                   "--int8: training images that calibrate the activation ranges")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  eval->add_flag("--json", eval_opts.json, "Print accuracy, split and image count as JSON");
  eval->add_option("--on-board", eval_opts.on_board,
                   "Run the int8 model on this board's profiling firmware, image by image, and report its top-1 "
                   "next to the host runtime's (QEMU boards or real ones through OpenOCD)");

  cli::ExportOptions export_opts;
  CLI::App* export_cmd = app.add_subcommand(
      "export", "Export a subnet with its inherited weights: float ONNX, int8 model blob, C source for firmware");
  add_int8_subnet_flags(export_cmd, export_opts);
  export_cmd->add_option("--onnx", export_opts.onnx, "Output ONNX file (float)");
  export_cmd->add_option("--int8-blob", export_opts.int8_blob, "Output int8 model blob for the firmware's runtime");
  export_cmd->add_option("--c-source", export_opts.c_source, "Directory for NAME.h and NAME.c: the int8 blob as C");
  export_cmd->add_flag("--keep-bn", export_opts.keep_bn, "BatchNormalization nodes instead of folding BN");
  add_schedule_flags(export_cmd, export_opts.schedule,
                     "inplace-dw, patch, or auto with --board (the plan the int8 blob carries)");
  export_cmd->add_option("--board", export_opts.board,
                         "The board the blob must fit (its SRAM, or --sram), as the search's --board; --schedule auto "
                         "fits the plan to it");
  add_sram_flag(export_cmd, export_opts.schedule, true);

  cli::DeployOptions deploy_opts;
  CLI::App* deploy = app.add_subcommand(
      "deploy", "Write, build and optionally flash an application project of a subnet for a board (docs/HIL.md)");
  add_int8_subnet_flags(deploy, deploy_opts);
  deploy->add_option("--board", deploy_opts.board, "Board name or board JSON file")->required();
  deploy->add_option("--out", deploy_opts.out, "The project's directory (created)")->required();
  add_schedule_flags(deploy, deploy_opts.schedule,
                     "auto (in place when it fits the board, else patches), inplace-dw or patch");
  add_sram_flag(deploy, deploy_opts.schedule, true);
  deploy->add_flag("!--no-build", deploy_opts.build, "Only write the project (no CMake build, no size check)");
  deploy->add_flag("--flash", deploy_opts.flash, "Program the board through OpenOCD after the build (a real board)");
  deploy->add_flag("--json", deploy_opts.json, "Print deploy.json (with the linked sizes) instead of text");

  cli::FinetuneCommandOptions finetune_opts;
  CLI::App* finetune = app.add_subcommand(
      "finetune", "Fine-tune one subnet of a supernet on its own into a model file (for eval/export/profile --model)");
  finetune->add_option("--supernet", finetune_opts.supernet, "Supernet file (tinynas train --out)");
  finetune->add_option("--space", finetune_opts.space,
                       "With --from-scratch and no --supernet: train the arch of this space alone (a name or a "
                       "space JSON file), e.g. a baseline");
  finetune->add_option("--limit", finetune_opts.limit, "With --space: train on the first N images only (0: all)")
      ->capture_default_str();
  finetune
      ->add_option("arch", finetune_opts.arch,
                   "Arch JSON file (e.g. a search's best) or arch id, or largest / smallest")
      ->required();
  finetune->add_option("--out", finetune_opts.out, "Model file (written every epoch; the --resume checkpoint)")
      ->required();
  finetune->add_option("--epochs", finetune_opts.epochs, "Epochs")->capture_default_str();
  finetune
      ->add_option("--lr", finetune_opts.lr,
                   "Peak learning rate, cosine to 0 (0: the supernet training's, its elastic phase's from inherited "
                   "weights, its largest phase's from scratch)")
      ->capture_default_str();
  finetune->add_flag("--distill", finetune_opts.distill,
                     "Learn half from the supernet's largest subnet's softmax on the same batch, half from the labels");
  finetune->add_flag("--from-scratch", finetune_opts.from_scratch,
                     "Start from random weights instead of the inherited ones");
  finetune->add_flag("--resume", finetune_opts.resume, "Continue the fine-tuning checkpointed in --out");
  finetune->add_option("--data", finetune_opts.data,
                       "Dataset: an IDX directory or an .npz file (default: Debian's Fashion-MNIST)");
  finetune->add_option("--seed", finetune_opts.seed, "Seed of batches and augmentation (and of the random weights)")
      ->check(kSeedValue)
      ->capture_default_str();
  finetune->add_option("--threads", finetune_opts.threads, "Worker threads (0: all cores)")->capture_default_str();
  finetune->add_option("--batch-size", finetune_opts.batch_size, "Images per batch (0: the supernet training's)")
      ->capture_default_str();
  finetune->add_flag("--json", finetune_opts.json, "Print the fine-tuning summary as JSON");

  // ---- profile ----
  cli::ProfileOptions profile_opts;
  CLI::App* profile = app.add_subcommand(
      "profile", "Run a model on a board (QEMU or real, via OpenOCD) and report measured latency and memory");
  profile->add_option("model", profile_opts.model,
                      "Arch JSON, arch id of --space (w1-r28-...) or OFA/MCUNet net config");
  profile->add_option("--model", profile_opts.model_file,
                      "A model file (tinynas finetune --out) instead of MODEL.json: its subnet");
  profile
      ->add_option("--board", profile_opts.board,
                   "Board with profiling firmware: qemu-netduinoplus2, qemu-mps2-an500, stm32f746g-disco, "
                   "nucleo-h743zi")
      ->required();
  profile->add_option("--runs", profile_opts.runs, "Runs per model (at least 2)")->capture_default_str();
  profile->add_option("--space", profile_opts.space, "Space for arch files naming none")->capture_default_str();
  profile->add_option("--seed", profile_opts.seed, "Seed of the random weights and input")
      ->check(kSeedValue)
      ->capture_default_str();
  profile->add_option("--firmware", profile_opts.firmware, "Firmware ELF (default: the build tree's image)");
  profile->add_option("--timeout", profile_opts.timeout_ms, "Milliseconds per run before the board counts as hung")
      ->capture_default_str();
  profile->add_option("--retries", profile_opts.retries, "Relaunches or resets after a link failure")
      ->capture_default_str();
  profile->add_flag("--json", profile_opts.json, "Print the measurements as JSON");
  add_schedule_flags(profile, profile_opts.schedule, "inplace-dw, patch or auto (the plans the firmware runs)");
  add_sram_flag(profile, profile_opts.schedule, false);

  // ---- calibrate ----
  cli::CalibrateOptions calibrate_opts;
  CLI::App* calibrate = app.add_subcommand(
      "calibrate", "Profile random subnets on a board and fit its latency lookup table (configs/latency/)");
  calibrate->add_option("--board", calibrate_opts.board, "Board to calibrate")->required();
  calibrate->add_option("--out", calibrate_opts.out, "Table file (default: configs/latency/<board>.json)");
  calibrate->add_option("--space", calibrate_opts.space, "Space to sample subnets from")->capture_default_str();
  calibrate->add_option("--subnets", calibrate_opts.subnets, "Subnets profiled in total")->capture_default_str();
  calibrate->add_option("--holdout", calibrate_opts.holdout, "Of which kept out of the fit to measure its error")
      ->capture_default_str();
  calibrate->add_option("--seed", calibrate_opts.seed, "Seed")->check(kSeedValue)->capture_default_str();
  calibrate->add_option("--runs", calibrate_opts.runs, "Runs per subnet")->capture_default_str();
  calibrate
      ->add_option(
          "--patch-grid", calibrate_opts.patch_grid,
          "Each subnet also runs on this n x n patch grid, which fits the per-patch overhead (0: in place only)")
      ->check(CLI::Range(0, 16))
      ->capture_default_str();
  calibrate->add_option("--firmware", calibrate_opts.firmware, "Firmware ELF (default: the build tree's image)");
  calibrate->add_flag("--json", calibrate_opts.json, "Print the table with its held-out errors as JSON");
  CLI::Option* from_farm = calibrate->add_flag(
      "--from-farm", calibrate_opts.from_farm,
      "Fit on the board farm's stored measurements of this board kind instead of profiling (tinynas farm calibrate)");
  calibrate->add_option("--farm", calibrate_opts.farm, "--from-farm: the farm description (its results database)")
      ->needs(from_farm);
  calibrate->add_option("--results", calibrate_opts.results, "--from-farm: the results database URL")->needs(from_farm);
  for (const char* profiling_only : {"--space", "--subnets", "--seed", "--runs", "--patch-grid", "--firmware"})
    calibrate->get_option(profiling_only)->excludes(from_farm);

  // ---- farm: everything after "farm" belongs to the Python farm (python3 -m tinynas.farm) ----
  CLI::App* farm = app.add_subcommand(
      "farm", "The board farm: suites measured on many boards (Celery + Redis or local), results database, "
              "regression reports (tinynas farm --help)");
  farm->allow_extras();
  // Handed over before parsing: the farm's options are its own parser's (argparse), --help included.
  if (argc >= 2 && std::string_view(argv[1]) == "farm") {
    try {
      return cli::run_farm(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const Error& e) {
      std::cerr << "tinynas: error: " << printable(e.what()) << "\n";
      return exit_code(e.code());
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e); // --help, --version
    std::cerr << "tinynas: error: " << printable(e.what())
              << "\nRun 'tinynas --help' (or 'tinynas COMMAND --help') for usage.\n";
    return 2;
  }
  setup_logging(verbosity, log_level);

  try {
    if (analyze->parsed()) return stdout_checked(run_analyze(analyze_opts));
    if (convert->parsed()) return stdout_checked(run_convert(convert_opts));
    if (sample->parsed()) return stdout_checked(run_space_sample(sample_opts));
    if (info->parsed()) return stdout_checked(run_space_info(info_opts));
    if (search->parsed()) {
      search_opts.given = given_search_options(*search);
      for (const auto& [flag, name] : {std::pair{"--supernet-epochs", "supernet_epochs"},
                                       {"--finetune-epochs", "finetune_epochs"},
                                       {"--final-training", "final_training"},
                                       {"--time-budget", "time_budget"},
                                       {"--limit", "limit"}})
        if (search->count(flag) > 0) search_opts.given.insert(name);
      return stdout_checked(cli::run_search(search_opts));
    }
    if (train->parsed()) return stdout_checked(run_train(train_opts));
    if (finetune->parsed()) return stdout_checked(run_finetune(finetune_opts));
    if (eval->parsed()) return stdout_checked(run_eval(eval_opts));
    if (export_cmd->parsed()) return stdout_checked(run_export(export_opts));
    if (deploy->parsed()) return stdout_checked(run_deploy(deploy_opts));
    if (profile->parsed()) return stdout_checked(run_profile(profile_opts));
    if (calibrate->parsed()) return stdout_checked(run_calibrate(calibrate_opts));
  } catch (const Error& e) {
    std::cerr << "tinynas: error: " << printable(message_with_flags(e)) << "\n";
    return exit_code(e.code());
  } catch (const std::exception& e) {
    std::cerr << "tinynas: internal error: " << printable(e.what()) << "\n";
    return 1;
  }
  return 1; // require_subcommand makes this unreachable
}

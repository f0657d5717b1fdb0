#include "tinynas/pipeline/pipeline.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "json_util.hpp"
#include "phase_speed_probe.hpp"
#include "pipeline_options_json.hpp"
#include "pipeline_report.hpp"
#include "tinynas/deploy/model_c_source.hpp"
#include "tinynas/deploy/quantized_subnet.hpp"
#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/stopwatch.hpp"
#include "tinynas/space/units.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/onnx_export.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

namespace fs = std::filesystem;

const char* final_training_name(FinalTraining t) { return t == FinalTraining::kScratch ? "scratch" : "finetune"; }

FinalTraining parse_final_training(const std::string& name) {
  if (name == "scratch") return FinalTraining::kScratch;
  if (name == "finetune") return FinalTraining::kFinetune;
  throw invalid_option("final_training", "\"" + name + "\" is neither scratch nor finetune");
}

double parse_time_budget(std::string_view text) {
  if (text == "none") return 0;
  return parse_run_time_s(text, "time_budget", {"time budget", "45min, 1.5h, 2700s, or none"});
}

std::string format_time_budget(double seconds) {
  if (seconds <= 0) return "none";
  if (std::fmod(seconds, 60) == 0) return fmt::format("{:g}min", seconds / 60);
  return fmt::format("{:g}s", seconds);
}

void PipelineOptions::validate() const {
  if (search.out.empty()) throw invalid_option("out", "the pipeline needs a run directory");
  if (supernet_epochs < 1)
    throw invalid_option("supernet_epochs", fmt::format("must be at least 1, found {}", supernet_epochs));
  if (finetune_epochs < 1)
    throw invalid_option("finetune_epochs", fmt::format("must be at least 1, found {}", finetune_epochs));
  if (train_limit < 0) throw invalid_option("train_limit", "must not be negative");
  if (calibration_images < 1) throw invalid_option("calibration_images", "must be at least 1");
  if (!(time_budget_seconds >= 0)) throw invalid_option("time_budget", "must not be negative (0: none)");
}

namespace {

class Pipeline {
public:
  Pipeline(const PipelineOptions& options, const PipelineHooks& hooks)
      : o_(with_absolute_paths(options)), hooks_(hooks), run_(o_.search.out),
        supernet_((fs::path(run_) / "supernet.supernet").string()), search_dir_((fs::path(run_) / "search").string()),
        model_((fs::path(run_) / "best.model").string()), plan_file_((fs::path(run_) / "time_plan.json").string()) {}

  PipelineResult run() {
    o_.validate();
    const std::string options = options_json(); // checks every search option before anything is written
    // A board without firmware is refused now, not at the end; nothing is launched until the board phase.
    if (o_.hil_board && o_.hil_board->rfind("farm", 0) == 0 && !hooks_.measure_on_board)
      throw invalid_option("hil", "--hil " + *o_.hil_board +
                                      ": the board farm measures a pipeline's winner through "
                                      "`tinynas search --data ... --hil farm`");
    if (o_.hil_board) check_firmware_schedule(parse_schedule(o_.search.schedule));
    // Reached now, so an unreachable board fails before the training, not after it (a measurer checks its own).
    if (o_.hil_board && !hooks_.measure_on_board) {
      profiler_.emplace(Board::load(*o_.hil_board));
      profiler_->connect();
    }
    fs::create_directories(run_);
    record_options(options);
    const Stage1Result stage1 = run_stage1_phase();
    time_plan_phase(stage1.chosen_pair());
    train_supernet_phase(stage1.chosen_pair());
    stage2_plan_phase();
    const SearchResult search = run_search_phase();
    final_training_plan_phase(search.best());
    final_training_phase(search.best().arch);
    const Arch model_arch = read_model_arch(model_);
    const SubnetAccuracy accuracy = evaluate_phase(model_arch);
    const CostReport winner = winner_cost(search);
    const BlobSchedule plan{winner.patches, winner.patch_split_block};
    const QuantizedSubnet int8 = export_phase(model_arch, plan);
    std::optional<ProfileResult> board;
    if (o_.hil_board)
      board = hooks_.measure_on_board ? measured_elsewhere_phase(model_arch, plan)
                                      : board_phase(int8, search.config.constraints);
    phase("report");
    const bool board_elsewhere = static_cast<bool>(hooks_.measure_on_board);
    const PipelineReport report{o_,        stage1, search,   winner, accuracy, board, board_elsewhere,
                                supernet_, model_, timings_, plan_};
    const ReportFiles files = render_report(report);
    PipelineResult result{
        run_,   (fs::path(run_) / "report.md").string(),     (fs::path(run_) / "report.html").string(),
        model_, (fs::path(run_) / "accuracy.json").string(), search.best_to_json()};
    files::write_file_atomic(result.report, files.markdown);
    files::write_file_atomic(result.report_html, files.html);
    return result;
  }

private:
  // Starts phase `name`, closing the previous one's clock.
  void phase(const std::string& name) {
    const auto now = std::chrono::steady_clock::now();
    if (!timings_.empty()) timings_.back().seconds = std::chrono::duration<double>(now - started_).count();
    timings_.push_back({name, 0});
    started_ = now;
    if (hooks_.on_phase) hooks_.on_phase(name);
  }
  TrainCallbacks training_callbacks() const {
    TrainCallbacks c;
    c.on_batch = hooks_.on_batch;
    c.on_epoch = hooks_.on_epoch;
    c.on_note = hooks_.on_note;
    c.should_stop = hooks_.should_stop;
    return c;
  }
  [[noreturn]] void stopped(const std::string& what, const std::string& file) const {
    throw Error(ErrorCode::kInterrupted,
                what +
                    " stopped after its last checkpoint; run the same command again to "
                    "continue the run in " +
                    run_,
                file);
  }
  void note(const std::string& text) {
    if (hooks_.on_note) hooks_.on_note(text);
  }

  // RUN/pipeline.json: what this run is. A second call must ask for the same run: the same search,
  // data and training (how the options were spelled, and the board measured on, may differ). The board,
  // its latency table and the space count by name: the run keeps the ones it recorded, as a resumed search
  // keeps its checkpoint's, so configs/ changing under it (a recalibrated table, a newer TinyNAS's files)
  // does not stop it.
  void record_options(const std::string& now_text) {
    const std::string path = (fs::path(run_) / "pipeline.json").string();
    nlohmann::json now = nlohmann::json::parse(now_text);
    if (!fs::exists(path)) {
      files::write_file_atomic(path, now_text);
      return;
    }
    const nlohmann::json before =
        absolute_record_paths(json_util::parse(files::read_file(path, files::kMaxConfigFileBytes), path));
    const std::string difference = json_util::first_difference(run_identity(before), run_identity(now), "the run");
    if (!difference.empty())
      throw invalid_option("resume", "run directory " + run_ + " holds a pipeline started with other options (" +
                                         difference + "; see its pipeline.json); give the same options, --resume " +
                                         run_ + " alone, or another --out");
    note("continuing the run in " + run_);
    if (before.contains("search") && before["search"] != now["search"]) {
      recorded_search_ = json_util::load_embedded(json_util::Field(before["search"], path, "/search"), "search",
                                                  search_config_from_json);
      note("it keeps the board, latency table and space it recorded, which differ from configs/ now (" +
           json_util::first_difference(before["search"], now["search"], "the run") + ")");
      now["search"] = before["search"];
    }
    if (before != now) files::write_file_atomic(path, now.dump(2) + "\n");
  }

  // Paths as a run uses them: absolute, so that it continues from any directory however its path is spelt.
  static PipelineOptions with_absolute_paths(PipelineOptions o) {
    o.search.out = files::absolute_path(o.search.out);
    o.search.data_dir = files::absolute_path(o.search.data_dir);
    return o;
  }
  // The same in a record (from before paths were recorded absolute, they are as given, relative to the directory the
  // run started in; the options section, which says how they were given, stays).
  static nlohmann::json absolute_record_paths(nlohmann::json j) {
    if (j.contains("data") && j["data"].is_string()) j["data"] = files::absolute_path(j["data"].get<std::string>());
    if (!j.contains("search") || !j["search"].contains("estimator_options")) return j;
    nlohmann::json& estimator = j["search"]["estimator_options"];
    for (const char* key : {"data_dir", "supernet"})
      if (estimator.contains(key) && estimator[key].is_string())
        estimator[key] = files::absolute_path(estimator[key].get<std::string>());
    return j;
  }

  // What must be the same for a run to continue: the record without how the options were spelled, the board the
  // winner is measured on, and the contents of the board, latency table and space files (their names stay).
  static nlohmann::json run_identity(nlohmann::json j) {
    j.erase("options");
    j.erase("hil");
    j.erase("hil_farm");
    if (!j.contains("final_training")) j["final_training"] = "finetune";    // runs from before the choice
    if (!j.contains("time_budget_seconds")) j["time_budget_seconds"] = 0.0; // runs from before the budget
    if (!j.contains("search") || !j["search"].is_object()) return j;
    nlohmann::json& search = j["search"];
    if (search.contains("space") && search["space"].is_object()) search["space"] = search["space"].value("name", "");
    if (search.contains("constraints") && search["constraints"].is_object()) {
      nlohmann::json& k = search["constraints"];
      k.erase("board_config"); // "board", its name, stays
      if (k.contains("latency_table")) k["latency_table"] = !k["latency_table"].is_null();
    }
    return j;
  }

  // A search configuration of this run: the options', with the board and latency table (and for stage 1 the space)
  // the run recorded when it continues after they changed.
  SearchConfig run_search_config(const SearchOptions& s, bool recorded_space) const {
    SearchConfig config = make_search_config(s);
    if (!recorded_search_) return config;
    config.constraints = recorded_search_->constraints;
    if (recorded_space) config.space = recorded_search_->space;
    return config;
  }

  std::string options_json() const {
    SearchOptions s = o_.search;
    s.out.clear();
    const SearchConfig config = make_search_config(s);
    nlohmann::json j = {{"format", "tinynas-pipeline"},
                        {"version", 1},
                        {"data", o_.search.data_dir},
                        {"search", nlohmann::json::parse(search_config_to_json(config))},
                        {"resolution_window", o_.resolution_window()},
                        {"supernet_epochs", o_.supernet_epochs},
                        {"finetune_epochs", o_.finetune_epochs},
                        {"final_training", final_training_name(o_.final_training)},
                        {"train_limit", o_.train_limit},
                        {"classes_from_data", o_.classes_from_data},
                        {"calibration_images", o_.calibration_images},
                        {"time_budget_seconds", o_.time_budget_seconds},
                        {"options", pipeline_options_json(o_)},
                        {"hil", o_.hil_board ? nlohmann::json(*o_.hil_board) : nlohmann::json()}};
    if (!o_.hil_farm.empty()) j["hil_farm"] = o_.hil_farm;
    return j.dump(2) + "\n";
  }

  // 1. The space as stage 1 sees it: the cost model only, so it is recomputed (it is deterministic
  // and takes seconds) instead of checkpointed.
  Stage1Result run_stage1_phase() {
    phase("stage 1");
    SearchOptions s = o_.search;
    s.out.clear();
    s.estimator = "macs";
    s.supernet.clear();
    SearchConfig config = run_search_config(s, true);
    if (o_.classes_from_data) {
      // Stage 1 costs the classifier too: with the data's class count, not the space file's (1000
      // for mcunet). Reading the data first also finds a bad --data before any work.
      config.space = space_with_classes_of(std::move(config.space), training_data(config.space));
      note(fmt::format("space {} takes the data's {} classes", config.space.name, config.space.num_classes));
    }
    space_ = config.space;
    Stage1Result r = run_stage1(config.space, config.constraints, config.stage1);
    files::write_file_atomic((fs::path(run_) / "stage1.json").string(), r.to_json() + "\n");
    note(fmt::format("stage 1 chose width {:g}, resolution {}", r.chosen_pair().width, r.chosen_pair().resolution));
    return r;
  }

  // 2. The supernet of the chosen space: stage 1's width, the resolutions around its resolution.
  void train_supernet_phase(const PairStats& pair) {
    phase("supernet");
    const SearchSpace chosen = chosen_space(pair);
    const TrainingStatus status = training_status_or_none(supernet_);
    if (status != TrainingStatus::kNone) check_supernet_matches(chosen);
    if (status == TrainingStatus::kFinished) {
      note("reusing the trained supernet " + supernet_);
      return;
    }
    TrainResult trained;
    if (status == TrainingStatus::kInProgress) {
      DatasetOptions d = training_dataset_options(supernet_);
      d.dir = o_.search.data_dir;
      d.load_test = false;
      trained = resume_training(supernet_, load_dataset(d), training_callbacks());
    } else {
      const DatasetSplits& data = training_data(chosen);
      note("data: " + describe_dataset(data));
      trained = train_supernet(chosen, supernet_config(pair.width), data, supernet_, training_callbacks());
    }
    if (!trained.finished) stopped("supernet training", supernet_);
    supernet_seconds_ = trained.seconds;
    // A run continued since its plan was made counts on from here: the first plan's seconds (stage 1 and the
    // probe) and the supernet's over every session; not the time between the processes, nor work a stop lost.
    if (plan_ && !run_clock_)
      run_clock_ = RunClock{std::chrono::steady_clock::now(), plan_->inputs.spent_seconds + trained.seconds};
  }

  // The space the supernet trains and stage 2 searches: stage 1's width, the resolutions around its resolution.
  SearchSpace chosen_space(const PairStats& pair) const {
    SearchSpace chosen = space_;
    chosen.width_mults = {pair.width};
    chosen.resolutions = stage2_resolutions(space_, pair.resolution, o_.resolution_window());
    return chosen;
  }

  // 1b. With a time budget: the counts of phases 2 to 4 sized to it from a probe of this machine's speed, or
  // the plan the run made before (RUN/time_plan.json), so that a continued run does what it planned.
  void time_plan_phase(const PairStats& pair) {
    if (o_.time_budget_seconds <= 0) return;
    phase("time plan");
    if (fs::exists(plan_file_)) {
      plan_ = TimePlan::from_json(files::read_file(plan_file_, files::kMaxConfigFileBytes), plan_file_);
    } else {
      const SearchSpace chosen = chosen_space(pair);
      TimePlanInputs in;
      in.budget_seconds = o_.time_budget_seconds;
      in.most = {o_.supernet_epochs, o_.search.generations, o_.finetune_epochs};
      in.population = o_.search.population;
      in.final_from_scratch = o_.final_training == FinalTraining::kScratch;
      in.supernet_trained = training_status_or_none(supernet_) == TrainingStatus::kFinished;
      in.mean_fitting_macs = pair.mean_macs;
      // Evolution finds the winner at the top of the fitting subnets, even above stage 1's sample of them: at
      // 96 KB, winners of 12.2 to 16.7M MACs against the sample's 95th percentile of 11.7M and largest of 14.5M:
      // planned at the largest.
      in.winner_macs = pair.fitting_macs.empty() ? 0.0 : static_cast<double>(pair.fitting_macs.back());
      note("timing a few training batches and subnet scores for the time budget");
      EstimatorOptions scoring;
      scoring.eval_images = o_.search.eval_images;
      const PhaseSpeeds speeds = measure_phase_speeds(chosen, supernet_config(pair.width), training_data(chosen),
                                                      scoring, (fs::path(run_) / "probe.supernet").string());
      run_clock_ = RunClock{begun_, 0}; // the run began in this process
      in.spent_seconds = *run_seconds();
      plan_ = plan_to_budget(in, speeds);
      files::write_file_atomic(plan_file_, plan_->to_json());
    }
    note("time budget " + format_time_budget(o_.time_budget_seconds) + ": " + describe_time_plan(*plan_));
    adopt_planned_counts();
  }

  void adopt_planned_counts() {
    const PlannedCounts c = plan_->counts_now();
    o_.supernet_epochs = c.supernet_epochs;
    o_.search.generations = c.generations;
    o_.finetune_epochs = c.finetune_epochs;
  }

  // A later plan: recorded before the phase it plans starts (so a continued run keeps it), then followed.
  void record_replan(const std::string& description) {
    files::write_file_atomic(plan_file_, plan_->to_json());
    adopt_planned_counts();
    note("time budget: " + description);
  }

  // The run's seconds so far, over every process that worked on it, when this process knows them (run_clock_).
  std::optional<double> run_seconds() const {
    if (!run_clock_) return std::nullopt;
    return run_clock_->seconds + seconds_since(run_clock_->at);
  }

  // 2b. With a time budget: stage 2's generations and the final training's epochs planned again when the supernet
  // has trained, from the time this run has taken and the pace it trained at, and recorded in time_plan.json before
  // stage 2 starts, so that a continued stage 2 keeps them. Only when this process trained the supernet or continued
  // it: otherwise (a supernet already trained) it knows neither the run's time nor the pace.
  void stage2_plan_phase() {
    if (!plan_ || plan_->stage2 || !supernet_seconds_ || !run_seconds()) return;
    plan_->stage2 = plan_stage2(*plan_, *run_seconds(), supernet_training_pace());
    record_replan(describe_stage2_plan(*plan_));
  }

  // 3b. With a time budget: the final training's epochs planned again when stage 2 has ended, from the time this
  // run has taken and the winner's MACs, and recorded in time_plan.json before the training starts, so that a
  // continued final training keeps them. Only when the run's time is known (run_clock_), which a run continued
  // without a second plan does not know.
  void final_training_plan_phase(const Evaluation& winner) {
    if (!plan_ || plan_->final_training || fs::exists(model_)) return;
    if (!run_seconds()) {
      note("a continued run keeps the final training's planned epochs (the earlier processes' time is not known)");
      return;
    }
    note("timing a few training batches of the winner for the time budget");
    Supernet copy = Supernet::load(supernet_); // trained on by the timing; supernet_ stays as it is
    const SearchSpace& space = copy.space();
    const double batch = measure_subnet_batch_seconds(copy, winner.arch, training_data(space).train,
                                                      supernet_config(space.width_mults.front()));
    plan_->final_training = plan_final_training(*plan_, static_cast<double>(winner.cost.macs), *run_seconds(),
                                                supernet_training_pace(), batch);
    record_replan(describe_final_training_plan(*plan_));
  }

  // The supernet's taken seconds over its planned ones: when this process trained or continued it, measured; else
  // as the second plan recorded it (1 without one).
  double supernet_training_pace() const {
    if (supernet_seconds_ && plan_->predicted.supernet > 0) return *supernet_seconds_ / plan_->predicted.supernet;
    return plan_->stage2 ? plan_->stage2->training_pace : 1;
  }

  // A supernet already in RUN (this run's, or one put there to be reused) must be the one this run
  // trains: the same space, width, resolutions and classes.
  void check_supernet_matches(const SearchSpace& chosen) const {
    const SearchSpace held = Supernet::load(supernet_).space();
    if (held.name == chosen.name && held.width_mults == chosen.width_mults && held.resolutions == chosen.resolutions &&
        held.num_classes == chosen.num_classes && held.input_channels == chosen.input_channels)
      return;
    throw Error(ErrorCode::kInvalidFile,
                fmt::format("holds a supernet of space {} at width {:g} over resolutions {} with {} classes; this run "
                            "needs space {} at width {:g} over resolutions {} with {} classes: move it away or give "
                            "another --out",
                            held.name, held.width_mults.front(), fmt::join(held.resolutions, ", "), held.num_classes,
                            chosen.name, chosen.width_mults.front(), fmt::join(chosen.resolutions, ", "),
                            chosen.num_classes),
                supernet_);
  }

  TrainingConfig supernet_config(double width) const {
    return make_training_config(width, o_.supernet_epochs, std::nullopt, o_.train_limit, o_.search.seed);
  }

  // The data the supernet trains on, read once: stage 1 counts its classes, phase 2 trains on it.
  // Its split comes from the run's options (validation size, image limit), not from the width.
  const DatasetSplits& training_data(const SearchSpace& space) {
    if (!data_) {
      const TrainingConfig config = supernet_config(space.width_mults.front());
      data_ = load_dataset(
          fresh_training_dataset_options(space, config, o_.search.data_dir, supernet_, o_.classes_from_data));
    }
    return *data_;
  }

  static TrainingStatus training_status_or_none(const std::string& path) {
    return fs::exists(path) ? training_status(path) : TrainingStatus::kNone;
  }

  // 3. Stage 2 with the supernet's accuracy, searching the resolution too.
  SearchResult run_search_phase() {
    phase("stage 2");
    SearchOptions s = o_.search;
    s.space.reset(); // the supernet's
    s.estimator = "supernet";
    s.supernet = supernet_;
    s.resolution_window = o_.resolution_window();
    const bool resuming = fs::exists(fs::path(search_dir_) / "checkpoint.json");
    s.out = resuming ? "" : search_dir_;
    s.resume = resuming ? search_dir_ : "";
    s.overwrite = false;
    // Continued: every option applied to the checkpoint's configuration but the board, whose file (and latency table)
    // the search keeps as the run recorded them.
    std::set<std::string> given = search_option_names();
    given.erase("board");
    SearchConfig config = resuming ? make_search_config(s, given) : run_search_config(s, false);
    const std::unique_ptr<AccuracyEstimator> estimator =
        make_estimator(config.estimator, config.space, config.estimator_options);
    adopt_estimator(config, *estimator);
    // The search polls a flag: a watcher sets it from should_stop after every chunk and generation.
    // Once set it stays set (a stop asked for after a generation's last chunk is read after the generation).
    std::atomic<bool> stop{false};
    const auto poll = [&] {
      if (hooks_.should_stop && hooks_.should_stop()) stop = true;
    };
    // Stage 2's seconds over every process, recorded in time_plan.json as they pass (the search's own files hold no
    // timings: a continued search writes them byte for byte as an uninterrupted one).
    const double earlier_seconds = plan_ && plan_->stage2 ? plan_->stage2->taken_seconds : 0;
    const auto began = std::chrono::steady_clock::now();
    const auto record_time = [&] {
      if (!plan_ || !plan_->stage2) return;
      plan_->stage2->taken_seconds = earlier_seconds + seconds_since(began);
      files::write_file_atomic(plan_file_, plan_->to_json());
    };
    SearchHooks hooks;
    hooks.stop = &stop;
    hooks.progress = [&](const EvolutionProgress& p) {
      record_time();
      if (hooks_.on_generation) hooks_.on_generation(p);
      poll();
    };
    hooks.evaluating = [&](const EvaluationProgress& p) {
      record_time();
      if (hooks_.on_evaluating) hooks_.on_evaluating(p);
      poll();
    };
    SearchResult result;
    try {
      result = resuming ? resume_search(search_dir_, config, *estimator, hooks)
                        : tinynas::run_search(config, *estimator, search_dir_, hooks);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kInterrupted) stopped("stage 2", search_dir_);
      throw;
    }
    // A run continued in stage 2 counts on from here: the run's seconds when the supernet ended (the second plan's)
    // and stage 2's over every process, as recorded after its last generation.
    if (plan_ && plan_->stage2 && !run_clock_)
      run_clock_ =
          RunClock{std::chrono::steady_clock::now(), plan_->stage2->spent_seconds + plan_->stage2->taken_seconds};
    return result;
  }

  // 4. The winner's deployed weights: trained from scratch, or its inherited weights fine-tuned.
  void final_training_phase(const Arch& best) {
    phase("final training");
    FinetuneOptions f;
    f.seed = o_.search.seed;
    const bool resume = fs::exists(model_);
    TrainResult r;
    if (o_.final_training == FinalTraining::kScratch) {
      f.epochs = o_.supernet_epochs + o_.finetune_epochs;
      f.from_scratch = true;
      const SearchSpace space = Supernet::load(supernet_).space(); // the chosen width, the data's classes
      r = train_subnet_or_resume(space, best, f, o_.search.data_dir, o_.train_limit, model_, resume,
                                 training_callbacks());
    } else {
      f.epochs = o_.finetune_epochs;
      r = finetune_or_resume(supernet_, best, f, o_.search.data_dir, model_, resume, training_callbacks());
    }
    if (!r.finished) stopped("final training", model_);
  }

  // 5. Float and int8 accuracy on the test split (final numbers).
  SubnetAccuracy evaluate_phase(const Arch& arch) {
    phase("test accuracy");
    SubnetAccuracyOptions a;
    a.split = "test";
    a.data_dir = o_.search.data_dir;
    a.int8 = true;
    a.calibration_images = o_.calibration_images;
    a.seed = o_.search.seed;
    SubnetAccuracy r = evaluate_subnet_accuracy(model_, arch, a);
    files::write_file_atomic((fs::path(run_) / "accuracy.json").string(), r.to_json(2) + "\n");
    return r;
  }

  // 6. What a firmware build needs, in the memory schedule the search found the winner with (a patch plan when it
  // fits only with patches).
  QuantizedSubnet export_phase(const Arch& arch, const BlobSchedule& schedule) {
    phase("export");
    QuantizeSubnetOptions q;
    q.data_dir = o_.search.data_dir;
    q.seed = o_.search.seed;
    q.calibration_images = o_.calibration_images;
    QuantizedSubnet int8 = quantize_trained_subnet(model_, arch, q);
    if (schedule.patches > 0) int8.blob = write_model_blob(int8.graph, int8.model, schedule);
    const fs::path dir = fs::path(run_) / "export";
    fs::create_directories(dir);
    files::write_file_atomic(
        (dir / "best.tnm").string(),
        std::string_view(reinterpret_cast<const char*>(int8.blob.bytes.data()), int8.blob.bytes.size()));
    ModelCSourceOptions c;
    c.name = "tinynas_model";
    c.normalization = int8.normalization;
    c.provenance = "tinynas search --data " + o_.search.data_dir + ": " + int8.arch_id;
    const ModelCSource source = model_c_source(int8.graph, int8.model, int8.blob, c);
    files::write_file_atomic((dir / source.header_file).string(), source.header);
    files::write_file_atomic((dir / source.source_file).string(), source.source);
    export_trained_onnx(model_, arch, o_.search.data_dir, o_.search.seed, (dir / "best.onnx").string());
    return int8;
  }

  // 7. The exported int8 model on a board: measured time and memory next to the cost model's. Short
  // (a few runs), so it runs again when a run continues instead of being checkpointed.
  ProfileResult board_phase(const QuantizedSubnet& int8, const Constraints& constraints) {
    phase("board");
    const Board& board = profiler_->board();
    profiler_->set_schedule(constraints.schedule, constraints.patch, constraints.budgets()); // the export's
    // One random input: the kernels' time and memory do not depend on the pixel values.
    Rng rng(o_.search.seed);
    const std::vector<std::int8_t> input =
        quantize_image(int8.model, int8.graph, random_images(int8.graph, 1, rng).front());
    const ProfileResult r = profiler_->profile(int8.graph, int8.model, input);
    files::write_file_atomic((fs::path(run_) / "board.json").string(), r.to_json(2) + "\n");
    note(fmt::format("measured on {}: {:.0f} {}{}, peak SRAM {} B (predicted {} B){}", r.board, r.latency.value,
                     r.latency.unit, board.emulated ? " (QEMU: instructions, not cycles)" : "",
                     r.peak_sram_bytes_measured, r.peak_sram_bytes_predicted,
                     r.bit_exact ? ", output bit-exact" : ", OUTPUT DIFFERS from the host runtime"));
    return r;
  }

  // 7, elsewhere: the trained winner measured by the caller's measurer (the board farm), as board_phase's result.
  // It runs with the exported plan (`plan`), as board_phase does.
  ProfileResult measured_elsewhere_phase(const Arch& model_arch, const BlobSchedule& plan) {
    phase("board");
    const ProfileResult r =
        hooks_.measure_on_board({lower_to_net(Supernet::load(model_).space(), model_arch), model_arch.id(), model_,
                                 o_.search.data_dir, o_.calibration_images, o_.search.seed, plan});
    files::write_file_atomic((fs::path(run_) / "board.json").string(), r.to_json(2) + "\n");
    note(fmt::format("measured by {} on {}: {:.0f} {}, peak SRAM {} B (predicted {} B)", *o_.hil_board, r.board,
                     r.latency.value, r.latency.unit, r.peak_sram_bytes_measured, r.peak_sram_bytes_predicted));
    return r;
  }

  // The winner's cost with a row per layer, under the search's constraints.
  static CostReport winner_cost(const SearchResult& search) {
    const Constraints& k = search.config.constraints;
    CostOptions options = k.cost_options();
    options.per_layer = true;
    return analyze(lower_to_graph(lower_to_net(search.config.space, search.best().arch)), k.board, options);
  }

  PipelineOptions o_; // with a time plan, its counts are the plan's
  std::optional<TimePlan> plan_;
  // The supernet's training seconds over every session, when this process trained or continued it.
  std::optional<double> supernet_seconds_;
  // The run's seconds at a moment this process knows them: 0 at its start when it made the time plan; when it
  // trained or continued the supernet, at the supernet's end; when it continued stage 2, at stage 2's end.
  struct RunClock {
    std::chrono::steady_clock::time_point at;
    double seconds = 0;
  };
  std::optional<RunClock> run_clock_;
  // The search section of the run's record, when the run continues with a board, latency table or space that have
  // changed in configs/ since it started (record_options).
  std::optional<SearchConfig> recorded_search_;
  const std::chrono::steady_clock::time_point begun_ = std::chrono::steady_clock::now();
  PipelineHooks hooks_;
  std::string run_, supernet_, search_dir_, model_, plan_file_;
  SearchSpace space_;
  std::optional<DatasetSplits> data_;   // training_data()
  std::optional<HilProfiler> profiler_; // --hil: the board, checked before stage 1
  std::vector<PhaseTiming> timings_;    // this call's phases (a continued run times only what it did)
  std::chrono::steady_clock::time_point started_;
};

} // namespace

PipelineResult run_pipeline(const PipelineOptions& options, const PipelineHooks& hooks) {
  return Pipeline(options, hooks).run();
}

bool is_pipeline_run(const std::string& dir) { return fs::exists(fs::path(dir) / "pipeline.json"); }

PipelineOptions read_pipeline_options(const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / "pipeline.json").string();
  if (!fs::exists(path))
    throw Error(ErrorCode::kInvalidFile,
                "no pipeline run here (no pipeline.json): start one with tinynas search --data DIR --out " + run_dir,
                path);
  PipelineOptions o = pipeline_options_from_json(files::read_file(path, files::kMaxConfigFileBytes), path);
  o.search.out = run_dir;
  return o;
}

} // namespace tinynas

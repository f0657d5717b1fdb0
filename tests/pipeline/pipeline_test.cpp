// The one-command pipeline on a small budget: the tiny test space, pattern images written as an IDX
// folder, a few epochs. Checks every phase's files, that the winner was fine-tuned and measured on
// the test split, that running again reuses the finished phases, and that other options are refused.

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "pipeline_options_json.hpp"
#include "supernet/supernet_test_support.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tn/tn_model_format.h"

namespace tinynas {
namespace {

namespace fs = std::filesystem;
using test::idx_bytes;

class PipelineTest : public ::testing::Test {
protected:
  test::ScratchDir dir;
  PipelineOptions options;

  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    const ImageSet train = test::pattern_images(400, 3, 11), test_set = test::pattern_images(90, 3, 12);
    fs::create_directories(dir.path() / "data");
    dir.write("data/train-images-idx3-ubyte", idx_bytes({400, 28, 28}, train.pixels));
    dir.write("data/train-labels-idx1-ubyte", idx_bytes({400}, train.labels));
    dir.write("data/t10k-images-idx3-ubyte", idx_bytes({90, 28, 28}, test_set.pixels));
    dir.write("data/t10k-labels-idx1-ubyte", idx_bytes({90}, test_set.labels));
    SearchOptions& s = options.search;
    s.space = test::source_path("tests/data/supernet/tiny_space.json");
    s.data_dir = (dir.path() / "data").string();
    s.out = (dir.path() / "run").string();
    s.sram = "320K";
    s.flash = "1M";
    s.samples = 20;
    s.population = 6;
    s.parents = 2;
    s.generations = 2;
    s.seed = 2;
    options.supernet_epochs = 3;
    options.finetune_epochs = 2;
    options.calibration_images = 40;
  }

  // Runs the pipeline, which `hooks` stop (an Error of kind kInterrupted).
  void expect_stopped(const PipelineHooks& hooks) {
    try {
      run_pipeline(options, hooks);
      FAIL() << "the run was not stopped";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInterrupted) << e.what();
    }
  }
  // Runs the pipeline until `phase` starts, where it stops (as Ctrl-C stops it).
  void stop_when_starting(const std::string& phase) {
    bool started = false;
    PipelineHooks stop;
    stop.on_phase = [&](const std::string& p) { started = p == phase; };
    stop.should_stop = [&] { return started; };
    expect_stopped(stop);
  }
};

TEST_F(PipelineTest, FromDataToAFineTunedMeasuredExportedModelAndResumes) {
  std::vector<std::string> phases, notes;
  PipelineHooks hooks;
  hooks.on_phase = [&](const std::string& p) { phases.push_back(p); };
  hooks.on_note = [&](const std::string& n) { notes.push_back(n); };
  const PipelineResult r = run_pipeline(options, hooks);
  EXPECT_EQ(phases, (std::vector<std::string>{"stage 1", "time plan", "supernet", "stage 2", "final training",
                                              "test accuracy", "export", "report"}));
  // Stage 1 already costs the data's 3 classes (the cost of the classifier depends on them).
  EXPECT_NE(std::find(notes.begin(), notes.end(), "space tiny takes the data's 3 classes"), notes.end());
  const fs::path run = options.search.out;
  for (const char* file :
       {"pipeline.json", "stage1.json", "time_plan.json", "supernet.supernet", "search/best.json",
        "search/checkpoint.json", "best.model", "accuracy.json", "export/best.tnm", "export/tinynas_model.h",
        "export/tinynas_model.c", "export/best.onnx", "report.md", "report.html"})
    EXPECT_TRUE(fs::exists(run / file)) << file;

  // The supernet holds stage 1's width and the resolutions around its resolution (the tiny space has 6 and 8).
  const Supernet supernet = Supernet::load((run / "supernet.supernet").string());
  EXPECT_EQ(supernet.space().resolutions, (std::vector<int>{6, 8}));
  // The model is the search's winner, fine-tuned, measured on the 90 test images in float and int8.
  const auto best = nlohmann::json::parse(test::read_text((run / "search/best.json").string()));
  const Arch model_arch = read_model_arch(r.model);
  EXPECT_EQ(model_arch.resolution, best["resolution"].get<int>());
  const auto accuracy = nlohmann::json::parse(test::read_text(r.accuracy_json));
  EXPECT_EQ(accuracy["split"], "test");
  EXPECT_EQ(accuracy["images"], 90);
  EXPECT_GT(accuracy["accuracy"].get<double>(), 0.5); // the patterns are easy; chance is 1/3
  EXPECT_GE(accuracy["int8"]["agreement"].get<double>(), 0.8);
  const std::string report = test::read_text(r.report);
  EXPECT_NE(report.find(model_arch.id()), std::string::npos) << report;
  EXPECT_NE(report.find("test accuracy, int8"), std::string::npos);
  EXPECT_NE(report.find("| final training |"), std::string::npos) << "each phase's time";
  // The default time budget is far above this small run: the counts are the options'.
  EXPECT_NE(report.find("Time budget 45min"), std::string::npos) << report;
  EXPECT_NE(report.find("--supernet-epochs 3 --finetune-epochs 2"), std::string::npos) << report;
  EXPECT_FALSE(fs::exists(run / "probe.supernet")) << "the time probe's supernet is removed";

  // Again with the options the run recorded: every finished phase is reused, the result is the same.
  notes.clear();
  fs::remove(run / "report.md");
  const PipelineOptions recorded = read_pipeline_options(run.string());
  EXPECT_EQ(recorded.search.space, options.search.space);
  EXPECT_EQ(recorded.search.sram, options.search.sram);
  EXPECT_EQ(recorded.search.samples, options.search.samples);
  EXPECT_EQ(recorded.search.seed, options.search.seed);
  EXPECT_EQ(recorded.supernet_epochs, options.supernet_epochs);
  EXPECT_EQ(recorded.calibration_images, options.calibration_images);
  EXPECT_FALSE(recorded.hil_board);
  const PipelineResult again = run_pipeline(recorded, hooks);
  EXPECT_EQ(test::read_text(again.accuracy_json), test::read_text(r.accuracy_json));
  EXPECT_TRUE(fs::exists(again.report));
  bool reused = false;
  for (const std::string& n : notes) reused |= n.find("reusing the trained supernet") != std::string::npos;
  EXPECT_TRUE(reused);

  // Other options in the same directory are refused before any work.
  options.finetune_epochs = 3;
  try {
    run_pipeline(options);
    FAIL() << "a run directory was reused with other options";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("started with other options"), std::string::npos) << e.what();
  }
}

// A search in the patch schedule exports its winner with the patch plan and measures it on the board that way.
TEST_F(PipelineTest, APatchScheduleWinnerIsExportedAndMeasuredWithItsPatchPlan) {
  if (std::system("command -v qemu-system-arm > /dev/null 2>&1") != 0) GTEST_SKIP() << "qemu-system-arm not installed";
  try {
    HilProfiler probe(Board::load("qemu-mps2-an500"));
    if (!fs::exists(probe.firmware_path())) GTEST_SKIP() << "no firmware image";
  } catch (const Error& e) {
    GTEST_SKIP() << "firmware image not built: " << e.what();
  }
  options.search.schedule = "patch";
  options.search.patches = 2;
  options.hil_board = "qemu-mps2-an500";
  const PipelineResult r = run_pipeline(options, {});
  const fs::path run = options.search.out;
  const auto board = nlohmann::json::parse(test::read_text((run / "board.json").string()));
  EXPECT_EQ(board["schedule"], "patch");
  EXPECT_EQ(board["patch"]["patches"], 2);
  EXPECT_EQ(board["peak_sram_bytes_measured"], board["peak_sram_bytes_predicted"]);
  EXPECT_TRUE(board["bit_exact"].get<bool>());
  const std::string blob = test::read_text((run / "export/best.tnm").string());
  tn_blob_header h{};
  ASSERT_GE(blob.size(), sizeof h);
  std::memcpy(&h, blob.data(), sizeof h);
  EXPECT_NE(h.patch_plan, 0u) << "the exported blob carries the patch plan";
  EXPECT_NE(test::read_text((run / "export/tinynas_model.h").string()).find("outside the arena"), std::string::npos);
  EXPECT_FALSE(r.report.empty());
  // The report says how the winner must run: the plan the board measured.
  const std::string report = test::read_text(r.report);
  EXPECT_NE(report.find(fmt::format("| runs | patch 2x2 up to block {} |", board["patch"]["split_block"].get<int>())),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("recomputed in the patches' halos) |"), std::string::npos) << report;
}

// A budget the run cannot meet: the counts fall to the fewest the plan gives (never above the options'), the
// phases do those counts, and a run continued keeps the plan it made instead of timing the machine again.
TEST_F(PipelineTest, ATimeBudgetCutsTheCountsAndAContinuedRunKeepsItsPlan) {
  options.time_budget_seconds = 1;
  std::vector<std::string> notes;
  PipelineHooks hooks;
  hooks.on_note = [&](const std::string& n) { notes.push_back(n); };
  const PipelineResult r = run_pipeline(options, hooks);
  const fs::path run = options.search.out;
  const std::string plan_file = test::read_text((run / "time_plan.json").string());
  const auto plan = nlohmann::json::parse(plan_file);
  // The options ask for 3 supernet epochs, 2 generations and 2 fine-tuning epochs; the fewest are 4, 3, 1.
  EXPECT_EQ(plan["counts"], (nlohmann::json{{"supernet_epochs", 3}, {"generations", 2}, {"finetune_epochs", 1}}));
  EXPECT_FALSE(plan["fits"].get<bool>());
  // Planned again when the supernet ended, from the time spent and the supernet's pace: still over the budget, so
  // the fewest that the options allow (their 2 generations; one epoch), recorded before stage 2 did them.
  const auto& stage2_plan = plan["stage2"];
  EXPECT_EQ(stage2_plan["generations"], 2);
  EXPECT_EQ(stage2_plan["finetune_epochs"], 1);
  EXPECT_FALSE(stage2_plan["fits"].get<bool>());
  EXPECT_GT(stage2_plan["spent_seconds"].get<double>(), plan["spent_seconds"].get<double>());
  // Planned again when stage 2 ended, from the time spent (over the budget: one epoch) and the winner's MACs.
  const auto& final_plan = plan["final_training"];
  EXPECT_EQ(final_plan["finetune_epochs"], 1);
  EXPECT_FALSE(final_plan["fits"].get<bool>());
  EXPECT_GT(final_plan["spent_seconds"].get<double>(), stage2_plan["spent_seconds"].get<double>());
  EXPECT_DOUBLE_EQ(final_plan["training_pace"].get<double>(), stage2_plan["training_pace"].get<double>());
  const double pace = final_plan["training_pace"].get<double>(); // the supernet's taken over planned seconds
  EXPECT_TRUE(pace >= 0.5 && pace <= 2) << "held to the plan's bounds: " << pace;
  EXPECT_GT(final_plan["winner_batch_seconds"].get<double>(), 0) << "the winner's own batch, measured";
  const std::string winner = nlohmann::json::parse(test::read_text((run / "search/best.json").string()))["id"];
  std::istringstream history(test::read_text((run / "search/history.jsonl").string()));
  double winner_macs = -1;
  int last_generation = -1;
  for (std::string line; std::getline(history, line);) {
    const auto e = nlohmann::json::parse(line);
    if (e["id"] == winner) winner_macs = e["macs"].get<double>();
    last_generation = std::max(last_generation, e["generation"].get<int>());
  }
  EXPECT_EQ(last_generation, 2) << "stage 2 did the second plan's generations";
  EXPECT_DOUBLE_EQ(final_plan["winner_macs"].get<double>(), winner_macs) << winner;
  EXPECT_GT(plan["speeds"]["largest_batch_seconds"].get<double>(), 0);
  EXPECT_GT(plan["speeds"]["largest_score_seconds"].get<double>(), 0);
  const std::string report = test::read_text(r.report);
  EXPECT_NE(report.find("from random weights for 4 epochs"), std::string::npos) << "3 + 1 epochs: " << report;
  EXPECT_NE(report.find("over it even at the fewest counts"), std::string::npos) << report;
  EXPECT_NE(report.find("planned again when the supernet ended"), std::string::npos) << report;
  EXPECT_NE(report.find("planned again when stage 2 ended"), std::string::npos) << report;
  EXPECT_NE(report.find("over the budget even at the fewest"), std::string::npos) << report;
  // The time table's planned seconds are each phase's last plan's: stage 2's from the second, the final training's
  // from the third.
  const auto table_row = [&](const std::string& phase) {
    const std::size_t at = report.find("| " + phase + " |");
    return at == std::string::npos ? std::string() : report.substr(at, report.find('\n', at) - at);
  };
  EXPECT_TRUE(table_row("stage 2").ends_with(fmt::format("| {:.1f} |", stage2_plan["stage2_seconds"].get<double>())))
      << table_row("stage 2");
  EXPECT_TRUE(
      table_row("final training").ends_with(fmt::format("| {:.1f} |", final_plan["predicted_seconds"].get<double>())))
      << table_row("final training");
  EXPECT_NE(report.find("--finetune-epochs 1 --time-budget none"), std::string::npos)
      << "the reproduce command does the plan's counts: " << report;
  EXPECT_NE(report.find(" --sram 320K --flash 1M "), std::string::npos) << "the budgets as typed: " << report;
  EXPECT_EQ(read_pipeline_options(run.string()).time_budget_seconds, 1);

  notes.clear();
  fs::remove(run / "report.md");
  run_pipeline(options, hooks);
  EXPECT_EQ(test::read_text((run / "time_plan.json").string()), plan_file);
  for (const std::string& n : notes) EXPECT_EQ(n.find("timing a few"), std::string::npos) << n;
}

// Stopped in stage 2, a run continues with the generations its second plan recorded in time_plan.json (here
// edited to 3, where the options ask for 2), not the first plan's nor the options'. When stage 2 ends it plans the
// final training, counting the stopped process's stage 2 (which slept a second before the stop, and recorded it).
TEST_F(PipelineTest, AStageTwoStoppedAndContinuedDoesItsSecondPlansGenerations) {
  options.time_budget_seconds = 1;
  bool in_stage2 = false;
  PipelineHooks hooks;
  hooks.on_phase = [&](const std::string& p) { in_stage2 = p == "stage 2"; };
  // Polled first after the first generation's only chunk of subnets is scored; the generation then ends, and its
  // end records stage 2's time, the second included, before the stop is read.
  hooks.should_stop = [&] {
    if (in_stage2) std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    return in_stage2;
  };
  expect_stopped(hooks);
  const fs::path run = options.search.out;
  auto plan = nlohmann::json::parse(test::read_text((run / "time_plan.json").string()));
  ASSERT_TRUE(plan.contains("stage2")) << "recorded before stage 2 started";
  ASSERT_FALSE(plan.contains("final_training"));
  plan["stage2"]["generations"] = 3;
  dir.write("run/time_plan.json", plan.dump(2));
  run_pipeline(options);
  std::istringstream history(test::read_text((run / "search/history.jsonl").string()));
  int last_generation = -1;
  for (std::string line; std::getline(history, line);)
    last_generation = std::max(last_generation, nlohmann::json::parse(line)["generation"].get<int>());
  EXPECT_EQ(last_generation, 3);
  plan = nlohmann::json::parse(test::read_text((run / "time_plan.json").string()));
  EXPECT_EQ(plan["stage2"]["generations"], 3);
  ASSERT_TRUE(plan.contains("final_training")) << "planned by the continued run";
  EXPECT_GE(plan["stage2"]["taken_seconds"].get<double>(), 1.0) << "stage 2's seconds over both processes";
  EXPECT_GE(plan["final_training"]["spent_seconds"].get<double>() - plan["stage2"]["spent_seconds"].get<double>(),
            plan["stage2"]["taken_seconds"].get<double>())
      << "the stopped process's stage 2 seconds count";
  EXPECT_DOUBLE_EQ(plan["final_training"]["training_pace"].get<double>(), plan["stage2"]["training_pace"].get<double>())
      << "the pace the second plan recorded";
}

// Stopped in the supernet's first epoch, a run plans stage 2 and the final training again when it continues: the
// run's time then counts the first plan's seconds and the supernet's over both processes (the stopped one slept at
// least a second inside its first epoch), and the final training takes the pace the second plan took.
TEST_F(PipelineTest, ASupernetStoppedAndContinuedPlansStageTwoAgainCountingTheEarlierSession) {
  options.time_budget_seconds = 1;
  bool in_supernet = false;
  int polls = 0;
  PipelineHooks hooks;
  hooks.on_phase = [&](const std::string& p) { in_supernet = p == "supernet"; };
  // The first poll is before the epoch, the second inside it after its first batch, the third after its second
  // batch or before the next epoch.
  hooks.should_stop = [&] {
    if (!in_supernet) return false;
    if (++polls == 4) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    return false;
  };
  expect_stopped(hooks);
  const fs::path run = options.search.out;
  auto plan = nlohmann::json::parse(test::read_text((run / "time_plan.json").string()));
  ASSERT_FALSE(plan.contains("stage2"));
  std::vector<std::string> notes;
  PipelineHooks continued;
  continued.on_note = [&](const std::string& n) { notes.push_back(n); };
  run_pipeline(options, continued);
  plan = nlohmann::json::parse(test::read_text((run / "time_plan.json").string()));
  ASSERT_TRUE(plan.contains("stage2")) << "planned again by the continued run";
  ASSERT_TRUE(plan.contains("final_training"));
  const double first = plan["spent_seconds"].get<double>(), at_supernet = plan["stage2"]["spent_seconds"].get<double>();
  EXPECT_GE(at_supernet - first, 1.0) << "the stopped process's supernet seconds count";
  EXPECT_GT(plan["final_training"]["spent_seconds"].get<double>(), at_supernet);
  EXPECT_DOUBLE_EQ(plan["final_training"]["training_pace"].get<double>(),
                   plan["stage2"]["training_pace"].get<double>());
  for (const std::string& n : notes) EXPECT_EQ(n.find("keeps the final training's"), std::string::npos) << n;
}

// The board, its latency table and the space count by name: a run continued after their files changed under it (a
// recalibrated latency table, a newer TinyNAS's configs) keeps the ones it recorded, as a resumed search keeps its
// checkpoint's, and says so. Before, it was refused as "started with other options", even with --resume RUN alone.
// An option that differs is refused, naming the field.
TEST_F(PipelineTest, AContinuedRunKeepsTheBoardItRecordedAndNamesAnOptionThatDiffers) {
  options.time_budget_seconds = 0;
  stop_when_starting("supernet");
  const fs::path run = options.search.out;
  const std::string record_file = (run / "pipeline.json").string();
  auto record = nlohmann::json::parse(test::read_text(record_file));
  const auto clock = record["search"]["constraints"]["board_config"]["clock_mhz"].get<double>();
  record["search"]["constraints"]["board_config"]["clock_mhz"] = clock * 2; // what the board file said back then
  dir.write("run/pipeline.json", record.dump(2));

  auto other = record;
  other["search"]["constraints"]["sram_bytes"] = 1000;
  dir.write("run/pipeline.json", other.dump(2));
  try {
    run_pipeline(options);
    FAIL() << "a run recorded with another SRAM budget was continued";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "resume");
    EXPECT_NE(e.message().find("started with other options (/search/constraints/sram_bytes: 1000 in the run, 327680 "
                               "now; see its pipeline.json)"),
              std::string::npos)
        << e.what();
  }
  dir.write("run/pipeline.json", record.dump(2));

  std::vector<std::string> notes;
  PipelineHooks continued;
  continued.on_note = [&](const std::string& n) { notes.push_back(n); };
  run_pipeline(read_pipeline_options(run.string()), continued);
  const std::string said = fmt::format("it keeps the board, latency table and space it recorded, which differ from "
                                       "configs/ now (/constraints/board_config/clock_mhz: {} in the run, {} now)",
                                       nlohmann::json(clock * 2).dump(), nlohmann::json(clock).dump());
  EXPECT_NE(std::find(notes.begin(), notes.end(), said), notes.end()) << fmt::format("{}", fmt::join(notes, "\n"));
  const auto checkpoint = nlohmann::json::parse(test::read_text((run / "search/checkpoint.json").string()));
  EXPECT_EQ(checkpoint["config"]["constraints"]["board_config"]["clock_mhz"], clock * 2) << "stage 2 ran on it";
  record = nlohmann::json::parse(test::read_text(record_file));
  EXPECT_EQ(record["search"]["constraints"]["board_config"]["clock_mhz"], clock * 2) << "the record keeps it";
}

// A run continues however its directory is spelt (relative, absolute, "./run/") and from any working directory: it
// records its paths absolute. Before, stage 2 refused to continue a run started with a relative --out when the
// directory was given otherwise, since its checkpoint named the supernet by the path as given.
TEST_F(PipelineTest, ARunContinuesUnderAnySpellingOfItsDirectory) {
  options.time_budget_seconds = 0;
  options.search.out = fs::relative(dir.path() / "run", fs::current_path()).string();
  options.search.data_dir = fs::relative(dir.path() / "data", fs::current_path()).string();
  ASSERT_TRUE(fs::path(options.search.out).is_relative());
  stop_when_starting("stage 2");
  ASSERT_TRUE(fs::exists(dir.path() / "run/search/checkpoint.json"));
  EXPECT_EQ(read_pipeline_options((dir.path() / "run").string()).search.data_dir, (dir.path() / "data").string());

  PipelineOptions again = options;
  again.search.out = (dir.path() / "." / "run").string() + "/";
  const PipelineResult r = run_pipeline(again);
  EXPECT_EQ(r.run_dir, (dir.path() / "run").string());
  EXPECT_TRUE(fs::exists(dir.path() / "run/report.md"));
}

// A run moved (or copied to another host) continues from where it is now: its supernet is the one in it.
TEST_F(PipelineTest, ARunMovedToAnotherDirectoryContinuesThere) {
  options.time_budget_seconds = 0;
  stop_when_starting("stage 2");
  ASSERT_TRUE(fs::exists(dir.path() / "run/search/checkpoint.json"));
  fs::rename(dir.path() / "run", dir.path() / "moved");

  PipelineOptions again = options;
  again.search.out = (dir.path() / "moved").string();
  const PipelineResult r = run_pipeline(again);
  EXPECT_EQ(r.run_dir, (dir.path() / "moved").string());
  EXPECT_TRUE(fs::exists(dir.path() / "moved/report.md"));
  EXPECT_FALSE(fs::exists(dir.path() / "run"));
}

// A run recorded before the time budget existed continues without one.
TEST_F(PipelineTest, ARunFromBeforeTheTimeBudgetContinuesWithoutOne) {
  options.time_budget_seconds = 0;
  run_pipeline(options);
  const fs::path record = fs::path(options.search.out) / "pipeline.json";
  auto j = nlohmann::json::parse(test::read_text(record.string()));
  j.erase("time_budget_seconds");
  j["options"].erase("time_budget_seconds");
  dir.write("run/pipeline.json", j.dump(2));
  const PipelineOptions recorded = read_pipeline_options(options.search.out);
  EXPECT_EQ(recorded.time_budget_seconds, 0);
  std::vector<std::string> phases;
  PipelineHooks hooks;
  hooks.on_phase = [&](const std::string& p) { phases.push_back(p); };
  run_pipeline(recorded, hooks);
  EXPECT_EQ(std::count(phases.begin(), phases.end(), "time plan"), 0);
  EXPECT_FALSE(fs::exists(fs::path(options.search.out) / "time_plan.json"));
  // Its report's reproduce command does the same counts: without --time-budget none it would plan the default
  // budget's (before, a run without a budget was reproduced so).
  const std::string report = test::read_text((fs::path(options.search.out) / "report.md").string());
  EXPECT_NE(report.find("--finetune-epochs 2 --time-budget none"), std::string::npos) << report;
}

// A supernet put in RUN is reused only if it is the one the run would train.
TEST_F(PipelineTest, ASupernetInTheRunIsReusedOnlyWhenItMatches) {
  const fs::path run = options.search.out;
  fs::create_directories(run);
  TrainingConfig c;
  c.largest_epochs = 1;
  c.elastic_epochs = 0;
  c.batch_size = 32;
  c.val_size = 40;
  DatasetSplits data;
  data.train = test::pattern_images(200, 3, 1);
  data.val = test::pattern_images(40, 3, 2);
  SearchSpace other = test::tiny_space();
  other.resolutions = {other.resolutions.front()};
  other.width_mults = {other.width_mults.front()};
  train_supernet(other, c, data, (run / "supernet.supernet").string());
  try {
    run_pipeline(options);
    FAIL() << "a supernet of another space was reused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_NE(std::string(e.what()).find("this run needs space tiny"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("supernet.supernet"), std::string::npos) << e.what();
  }
}

TEST_F(PipelineTest, AMissingOrDamagedRunRecordIsRefusedNamingTheFile) {
  const std::string run = (dir.path() / "nothing").string();
  try {
    read_pipeline_options(run);
    FAIL() << "no pipeline.json";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_NE(std::string(e.what()).find("no pipeline run here"), std::string::npos) << e.what();
  }
  fs::create_directories(run);
  // A record of the default options with one field damaged, the field's pointer and the phrase: mistyped, out of
  // its type's range (a seed of -1 and a population of 2^40 were converted, not refused), a fraction where a count
  // belongs, a board that is not a name (it was dropped: the run went on unmeasured); and records that are not one.
  auto with = [](const char* key, nlohmann::json value) {
    nlohmann::json record = pipeline_options_json(PipelineOptions{});
    record[key] = std::move(value);
    return nlohmann::json{{"options", record}}.dump();
  };
  const std::vector<std::array<std::string, 3>> damaged = {
      {with("board", 7), "/options/board", "expected a string"},
      {with("seed", -1), "/options/seed", "non-negative integer"},
      {with("population", std::int64_t{1} << 40), "/options/population", "out of range"},
      {with("patches", 2.5), "/options/patches", "expected an integer"},
      {with("sram", 40), "/options/sram", "expected a string"},
      {nlohmann::json{{"options", {{"board", "b"}}}}.dump(), "/options", "missing required field \"schedule\""},
      {nlohmann::json{{"options", pipeline_options_json(PipelineOptions{})}, {"hil", 5}}.dump(), "/hil",
       "expected a string"},
      {"[1, 2]", "/", "not a pipeline record"},
      {R"({"options": )", "", "truncated"},
  };
  for (const auto& [text, pointer, phrase] : damaged) {
    SCOPED_TRACE(text);
    dir.write("nothing/pipeline.json", text);
    try {
      read_pipeline_options(run);
      ADD_FAILURE() << "a damaged record was read";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
      EXPECT_EQ(e.field(), pointer);
      EXPECT_NE(e.message().find(phrase), std::string::npos) << e.what();
      EXPECT_NE(e.file().find("pipeline.json"), std::string::npos) << e.what();
    }
  }
}

// Stopped at any point (here: after the n-th poll, which lands in the supernet's batches, stage 2's
// generations or the fine-tuning's batches) and run again, the pipeline reaches the result of a run
// that was never stopped.
TEST_F(PipelineTest, StoppedInAnyPhaseAndRunAgainItReachesTheUninterruptedResult) {
  const PipelineResult whole = run_pipeline(options);
  const auto expected = nlohmann::json::parse(test::read_text(whole.accuracy_json));
  const std::string expected_model = read_model_arch(whole.model).id();
  int polls_in_whole_run = 0;
  {
    PipelineOptions counting = options;
    counting.search.out = (dir.path() / "counting").string();
    PipelineHooks hooks;
    hooks.should_stop = [&] { return ++polls_in_whole_run < 0; };
    run_pipeline(counting, hooks);
  }
  ASSERT_GT(polls_in_whole_run, 8);
  std::set<std::string> phases_stopped_in;
  for (int stop_at : {1, polls_in_whole_run / 3, polls_in_whole_run / 2, polls_in_whole_run - 2}) {
    PipelineOptions o = options;
    o.search.out = (dir.path() / ("stopped-" + std::to_string(stop_at))).string();
    int polls = 0;
    std::string current;
    PipelineHooks hooks;
    hooks.on_phase = [&](const std::string& p) { current = p; };
    hooks.should_stop = [&] { return ++polls == stop_at; };
    try {
      run_pipeline(o, hooks);
      FAIL() << "not stopped at poll " << stop_at;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInterrupted) << e.what();
      EXPECT_NE(std::string(e.what()).find("run the same command again"), std::string::npos) << e.what();
    }
    phases_stopped_in.insert(current);
    const PipelineResult resumed = run_pipeline(o);
    const auto got = nlohmann::json::parse(test::read_text(resumed.accuracy_json));
    EXPECT_EQ(read_model_arch(resumed.model).id(), expected_model) << "stopped at poll " << stop_at;
    EXPECT_EQ(got["accuracy"], expected["accuracy"]) << "stopped at poll " << stop_at << " in " << current;
    EXPECT_EQ(got["int8"]["accuracy"], expected["int8"]["accuracy"]) << "stopped at poll " << stop_at;
  }
  EXPECT_GE(phases_stopped_in.size(), 2u);
}

} // namespace
} // namespace tinynas

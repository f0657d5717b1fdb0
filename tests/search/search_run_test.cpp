#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include "search_test_support.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/search/function_estimator.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/netconfig.hpp"

namespace tinynas {
namespace {

using nlohmann::json;
using testing::mcunet;
using testing::read_text;
using testing::scratch_dir;
using testing::small_config;

std::string file(const std::string& dir, const char* name) { return (std::filesystem::path(dir) / name).string(); }

SearchResult search(const SearchConfig& config, const std::string& dir, const SearchHooks& hooks = {}) {
  MacsProxyEstimator estimator(config.space);
  return run_search(config, estimator, dir, hooks);
}

SearchResult resume(const SearchConfig& config, const std::string& dir) {
  MacsProxyEstimator estimator(config.space);
  return resume_search(dir, config, estimator);
}

// The files two runs must agree on byte for byte (summary.md and stage1.json hold no timings either).
void expect_same_files(const std::string& a, const std::string& b) {
  for (const char* name : {"stage1.json", "history.jsonl", "pareto.json", "best.json", "best.netconfig.json",
                           "summary.md", "checkpoint.json"})
    EXPECT_EQ(read_text(file(a, name)), read_text(file(b, name))) << name;
}

TEST(SearchRun, WritesEveryOutputAndEveryReportedSubnetFits) {
  const std::string dir = scratch_dir();
  const SearchConfig config = small_config();
  const SearchResult r = search(config, dir);

  // best.json is an arch file of the space; best.netconfig.json describes the same network.
  const Arch best = arch_from_json(read_text(file(dir, "best.json")), mcunet(), "best.json");
  EXPECT_EQ(best.id(), r.best().id);
  const NetSpec net = net_from_netconfig(read_text(file(dir, "best.netconfig.json")), "best.netconfig.json");
  const auto from_config = arch_from_net(mcunet(), net);
  ASSERT_TRUE(from_config.has_value());
  EXPECT_EQ(from_config->id(), best.id());

  // history.jsonl: one line per evaluation, in order.
  std::istringstream lines(read_text(file(dir, "history.jsonl")));
  std::string line;
  std::size_t n = 0;
  for (; std::getline(lines, line); ++n) EXPECT_EQ(json::parse(line)["id"], r.evolution.history.at(n).id);
  EXPECT_EQ(n, r.evolution.history.size());

  // Every subnet the search reports (best and the Pareto front) fits when analyzed from scratch.
  const json pareto = json::parse(read_text(file(dir, "pareto.json")));
  ASSERT_EQ(pareto["points"].size(), r.evolution.pareto.size());
  std::vector<std::string> reported{best.id()};
  for (const auto& p : pareto["points"]) reported.push_back(p["id"]);
  for (const std::string& id : reported) {
    CostOptions full;
    full.schedule = Schedule::kInplaceDw;
    const CostReport report =
        analyze(lower_to_graph(lower_to_net(mcunet(), arch_from_id(id, mcunet()))), testing::f746(), full);
    EXPECT_LE(report.total_sram_bytes, 320 * 1024) << id;
    EXPECT_LE(report.flash_bytes, 1024 * 1024) << id;
  }
  // The best subnet is on the front (nothing scores higher).
  EXPECT_EQ(pareto["points"][0]["score"], r.best().score);

  const std::string summary = read_text(file(dir, "summary.md"));
  EXPECT_NE(summary.find("Ranked by a proxy"), std::string::npos);
  EXPECT_NE(summary.find(r.best().id), std::string::npos);
  EXPECT_NE(summary.find("Fits the budgets: **yes**"), std::string::npos);
  EXPECT_NE(summary.find("| runs | inplace-dw |"), std::string::npos) << summary;
  const json result = json::parse(r.to_json());
  EXPECT_EQ(result["best"]["id"], r.best().id);
  EXPECT_EQ(result["best"]["fits"], true);
  EXPECT_EQ(result["estimator"]["proxy"], true);
  EXPECT_TRUE(has_checkpoint(dir));
}

TEST(SearchRun, SameFilesAtOneAndTwoThreads) {
  const std::string one = scratch_dir("_1"), two = scratch_dir("_2");
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 1);
    search(small_config(), one);
  }
  {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
    search(small_config(), two);
  }
  expect_same_files(one, two);
}

TEST(SearchRun, StoppedAndResumedEqualsUninterrupted) {
  const std::string whole = scratch_dir("_whole"), parts = scratch_dir("_parts");
  search(small_config(), whole);

  std::atomic<bool> stop{false};
  SearchHooks hooks;
  hooks.stop = &stop;
  hooks.progress = [&](const EvolutionProgress& p) { stop = p.generation == 2; };
  try {
    search(small_config(), parts, hooks);
    FAIL() << "the stop flag was ignored";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
  }
  EXPECT_EQ(read_checkpoint(parts).state.generation, 2);
  EXPECT_FALSE(std::filesystem::exists(file(parts, "best.json")));
  // A run killed after appending history lines but before renaming its next checkpoint leaves
  // extra lines behind; the resume must drop them.
  std::ofstream(file(parts, "history.jsonl"), std::ios::app) << "{\"id\":\"torn line from a killed run\"}\n";
  resume(small_config(), parts);
  expect_same_files(whole, parts);
}

// --schedule auto at a budget inplace-dw misses for larger subnets: candidates that fit only with patches are
// reached, each evaluation records its grid and split, the record survives a resume, and every reported subnet fits
// under the plan it records.
TEST(SearchRun, TheAutoScheduleRecordsEachCandidatesPlanAndResumes) {
  SearchConfig config = small_config();
  config.constraints.schedule = Schedule::kAuto;
  config.constraints.sram_bytes = 200 * 1024;
  const std::string whole = scratch_dir("_whole"), parts = scratch_dir("_parts");
  const SearchResult r = search(config, whole);
  std::atomic<bool> stop{false};
  SearchHooks hooks;
  hooks.stop = &stop;
  hooks.progress = [&](const EvolutionProgress& p) { stop = p.generation == 2; };
  EXPECT_THROW(search(config, parts, hooks), Error);
  resume(config, parts);
  expect_same_files(whole, parts);
  int patched = 0;
  for (const Evaluation& e : r.evolution.history) {
    CostOptions plan;
    plan.schedule = e.cost.patches > 0 ? Schedule::kPatch : Schedule::kInplaceDw;
    plan.patch.patches = std::max(e.cost.patches, 1);
    plan.patch.split_block = e.cost.patch_split_block;
    const CostReport report = analyze(lower_to_graph(lower_to_net(mcunet(), e.arch)), testing::f746(), plan);
    EXPECT_EQ(report.peak_sram_bytes, e.cost.peak_sram_bytes) << e.id;
    EXPECT_LE(report.total_sram_bytes, 200 * 1024) << e.id;
    patched += e.cost.patches > 0;
  }
  EXPECT_GT(patched, 0);
  std::istringstream lines(read_text(file(whole, "history.jsonl")));
  int recorded = 0;
  for (std::string line; std::getline(lines, line);) recorded += json::parse(line).contains("patch");
  EXPECT_EQ(recorded, patched);
}

TEST(SearchRun, KilledWithSigkillAndResumedEqualsUninterrupted) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe"; // re-executes the test binary: safe with TBB threads
  const std::string whole = scratch_dir("_whole"), killed = scratch_dir("_killed");
  search(small_config(), whole);
  EXPECT_EXIT(
      {
        SearchHooks hooks;
        hooks.progress = [](const EvolutionProgress& p) {
          if (p.generation == 3) std::raise(SIGKILL); // kill -9 right after the checkpoint of generation 3
        };
        search(small_config(), killed, hooks);
      },
      ::testing::KilledBySignal(SIGKILL), "");
  ASSERT_TRUE(has_checkpoint(killed));
  EXPECT_EQ(read_checkpoint(killed).state.generation, 3);
  resume(small_config(), killed);
  expect_same_files(whole, killed);
}

// kill -9 in the middle of a generation (generation 0 of a population of 50, after 40 subnets were
// scored in chunks of 20): the checkpoint and history.jsonl hold those 40, and the resume scores
// only the other 10 before going on to the uninterrupted result, file for file.
TEST(SearchRun, KilledWithinAGenerationResumesWithTheSubnetsItHadScored) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  SearchConfig config = small_config();
  config.evolution.population = 50;
  config.evolution.parents = 10;
  config.evolution.generations = 2;
  const std::string whole = scratch_dir("_whole"), killed = scratch_dir("_killed");
  search(config, whole);
  EXPECT_EXIT(
      {
        SearchHooks hooks;
        hooks.checkpoint_seconds = 0; // a checkpoint after every chunk
        hooks.evaluating = [](const EvaluationProgress& p) {
          if (p.generation == 0 && p.done == 40) std::raise(SIGKILL); // before that chunk's checkpoint
        };
        search(config, killed, hooks);
      },
      ::testing::KilledBySignal(SIGKILL), "");
  const Checkpoint checkpoint = read_checkpoint(killed);
  EXPECT_EQ(checkpoint.state.generation, -1) << "no generation completed";
  EXPECT_EQ(checkpoint.state.history.size(), 20u) << "the chunk scored before the kill's was checkpointed";
  std::istringstream lines(read_text(file(killed, "history.jsonl")));
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n)
    EXPECT_EQ(json::parse(line)["id"], checkpoint.state.history.at(n).id);
  EXPECT_EQ(n, 20u);

  std::vector<std::string> rescored;
  FunctionEstimator counting("macs", true, "MACs", [&](const std::vector<Arch>& archs) {
    MacsProxyEstimator macs(config.space);
    for (const Arch& a : archs) rescored.push_back(a.id());
    return macs.evaluate(archs);
  });
  resume_search(killed, config, counting);
  expect_same_files(whole, killed);
  for (const Evaluation& e : checkpoint.state.history)
    EXPECT_EQ(std::count(rescored.begin(), rescored.end(), e.id), 0) << e.id << " was scored again";
}

TEST(SearchRun, ResumeCanExtendAFinishedSearch) {
  const std::string four = scratch_dir("_4"), two_then_four = scratch_dir("_2_4");
  search(small_config(), four);
  SearchConfig shorter = small_config();
  shorter.evolution.generations = 2;
  search(shorter, two_then_four);
  resume(small_config(), two_then_four);
  expect_same_files(four, two_then_four);
}

TEST(SearchRun, ResumeRefusesADifferentSearch) {
  const std::string dir = scratch_dir();
  SearchConfig config = small_config();
  config.evolution.generations = 1;
  search(config, dir);
  auto message = [&](const SearchConfig& other) {
    try {
      resume(other, dir);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what(); // options, not CLI flags
      return std::string(e.what());
    }
    return std::string("resumed");
  };
  SearchConfig other = config;
  other.constraints.sram_bytes = 256 * 1024;
  EXPECT_NE(message(other).find("/constraints/sram_bytes: 327680 in the checkpoint, 262144 now"), std::string::npos)
      << message(other);
  other = config;
  other.evolution.seed = 99;
  EXPECT_NE(message(other).find("/evolution/seed"), std::string::npos);
  EXPECT_EQ(message(other).rfind("resume: the search checkpointed in " + dir + " differs", 0), 0u) << message(other);
  EXPECT_NE(message(other).find("only `generations` may grow"), std::string::npos) << message(other);
  other = config;
  other.evolution.generations = 0;
  EXPECT_NE(message(other).find("already done 1 generations"), std::string::npos) << message(other);
  EXPECT_EQ(message(other).rfind("generations: 0 is too few", 0), 0u) << message(other);
  // The configuration read back from the checkpoint is the one it was made with.
  EXPECT_EQ(search_config_difference(read_search_config(dir), config), "");
}

TEST(SearchRun, RefusesToOverwriteACheckpointUnlessAsked) {
  const std::string dir = scratch_dir();
  SearchConfig config = small_config();
  config.evolution.generations = 1;
  search(config, dir);
  try {
    search(config, dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.field(), "out");
    EXPECT_NE(std::string(e.what()).find("continue it with `resume` " + dir), std::string::npos) << e.what();
  }
  MacsProxyEstimator estimator(config.space);
  EXPECT_NO_THROW(run_search(config, estimator, dir, {}, /*overwrite=*/true));
}

TEST(SearchRun, InfeasibleBudgetsAndAMismatchedEstimator) {
  SearchConfig config = small_config();
  config.constraints.flash_bytes = 64 * 1024;
  try {
    search(config, "");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInfeasible);
    EXPECT_NE(std::string(e.what()).find("flash 64.0 KiB"), std::string::npos) << e.what();
  }
  config = small_config();
  config.estimator = "supernet";
  MacsProxyEstimator estimator(config.space);
  EXPECT_THROW(run_search(config, estimator, ""), Error);
}

TEST(Checkpoint, RoundTripsAndRejectsCorruptFiles) {
  const std::string dir = scratch_dir();
  SearchConfig config = small_config();
  config.evolution.generations = 2;
  config.constraints.latency_ms = 5000;
  const SearchResult r = search(config, dir);
  const Checkpoint c = read_checkpoint(dir);
  EXPECT_EQ(search_config_difference(c.config, config), "");
  EXPECT_EQ(c.state.generation, 2);
  EXPECT_EQ(c.state.history.size(), r.evolution.history.size());
  EXPECT_EQ(checkpoint_to_json(c.config, c.fingerprint, c.width, c.resolution, c.state),
            read_text(file(dir, "checkpoint.json")));

  for (const std::string& bad :
       {std::string("{"), std::string("{\"format\":\"tinynas-search-checkpoint\",\"version\":7}"), std::string("[]")}) {
    try {
      checkpoint_from_json(bad, "cp.json");
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << bad;
      EXPECT_EQ(e.file(), "cp.json");
    }
  }
  try {
    read_checkpoint(scratch_dir("_empty"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no checkpoint.json"), std::string::npos) << e.what();
    EXPECT_EQ(e.field(), "resume");
  }
}

} // namespace
} // namespace tinynas

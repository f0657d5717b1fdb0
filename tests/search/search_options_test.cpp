// SearchOptions -> SearchConfig: the defaults, where every option lands, errors naming the option,
// and resuming (options not given keep the checkpoint's values).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "search_test_support.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/search/search_options.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using nlohmann::json;
using testing::f746;
using testing::scratch_dir;

// The options of a small search (testing::small_config's) in `out`.
SearchOptions small_options(const std::string& out = "") {
  SearchOptions o;
  o.sram = "320K";
  o.flash = "1M";
  o.samples = 50;
  o.seed = 7;
  o.population = 16;
  o.parents = 4;
  o.generations = 1;
  o.out = out;
  return o;
}

Error error_of(const SearchOptions& options, const std::set<std::string>& given = search_option_names()) {
  try {
    make_search_config(options, given);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorCode::kInternal, "no error");
}

// Runs the small search in `dir` and returns its checkpointed configuration.
SearchConfig checkpointed_search(const std::string& dir) {
  SearchConfig config = make_search_config(small_options(dir));
  MacsProxyEstimator estimator(config.space);
  adopt_estimator(config, estimator);
  run_search(config, estimator, dir);
  return read_search_config(dir);
}

TEST(SearchOptions, DefaultsAreTheSearchsOwn) {
  const SearchConfig c = make_search_config(SearchOptions{});
  EXPECT_EQ(c.space.name, kDefaultSearchSpace);
  EXPECT_EQ(c.constraints.board.name, "stm32f746g-disco");
  EXPECT_EQ(c.constraints.sram_bytes, f746().sram_bytes);
  EXPECT_EQ(c.constraints.flash_bytes, f746().flash_bytes);
  EXPECT_FALSE(c.constraints.latency_ms.has_value());
  SearchConfig defaults; // the estimator's, stage 1's and evolution's defaults
  defaults.space = c.space;
  defaults.constraints = c.constraints;
  EXPECT_EQ(search_config_to_json(c), search_config_to_json(defaults));
}

TEST(SearchOptions, EveryOptionLandsInTheConfiguration) {
  SearchOptions o;
  o.sram = "256K";
  o.flash = "512K";
  o.latency = "2s";
  o.board = "stm32f412g-disco";
  o.space = "fashion_mnist";
  o.schedule = "patch";
  o.patches = 3;
  o.split_block = 2;
  o.estimator = "mine";
  o.supernet = "s.supernet";
  o.data_dir = "data";
  o.eval_images = 9;
  o.seed = 11;
  o.samples = 12;
  o.stage1_rule = "quantile";
  o.stage1_quantile = 0.5;
  o.min_fit = 0.2;
  o.population = 30;
  o.parents = 6;
  o.generations = 7;
  o.mutation_prob = 0.3;
  o.mutation_ratio = 0.4;
  o.max_attempts = 99;
  const SearchConfig c = make_search_config(o);
  EXPECT_EQ(c.space.name, "fashion_mnist");
  EXPECT_EQ(c.constraints.board.name, "stm32f412g-disco");
  EXPECT_EQ(c.constraints.sram_bytes, 256u * 1024);
  EXPECT_EQ(c.constraints.flash_bytes, 512u * 1024);
  EXPECT_EQ(c.constraints.latency_ms, 2000.0);
  EXPECT_EQ(c.constraints.schedule, Schedule::kPatch);
  EXPECT_EQ(c.constraints.patch.patches, 3);
  EXPECT_EQ(c.constraints.patch.split_block, 2);
  EXPECT_EQ(c.estimator, "mine");
  EXPECT_EQ(c.estimator_options.supernet, (std::filesystem::current_path() / "s.supernet").string()); // absolute
  EXPECT_EQ(c.estimator_options.data_dir, (std::filesystem::current_path() / "data").string());
  EXPECT_EQ(c.estimator_options.eval_images, 9);
  EXPECT_EQ(c.stage1.seed, 11u);
  EXPECT_EQ(c.evolution.seed, 11u);
  EXPECT_EQ(c.stage1.samples, 12);
  EXPECT_EQ(c.stage1.rule, Stage1Rule::kQuantile);
  EXPECT_EQ(c.stage1.quantile, 0.5);
  EXPECT_EQ(c.stage1.min_fit_fraction, 0.2);
  EXPECT_EQ(c.evolution.population, 30);
  EXPECT_EQ(c.evolution.parents, 6);
  EXPECT_EQ(c.evolution.generations, 7);
  EXPECT_EQ(c.evolution.mutation_prob, 0.3);
  EXPECT_EQ(c.evolution.mutation_ratio, 0.4);
  EXPECT_EQ(c.evolution.max_attempts, 99);
}

// `tinynas search --supernet S` alone ranks by S's accuracy: the MACs proxy is the default only
// without a supernet (it once was the default always, and a supernet given alone went unread).
TEST(SearchOptions, ASupernetRanksByItsAccuracyUnlessAnotherEstimatorIsNamed) {
  SearchOptions o;
  o.space = "fashion_mnist"; // or the space is read from the supernet file, which this test has not
  EXPECT_EQ(make_search_config(o).estimator, "macs");
  o.supernet = "s.supernet";
  EXPECT_EQ(make_search_config(o).estimator, "supernet");
  EXPECT_EQ(make_search_config(o).estimator_options.supernet, files::absolute_path("s.supernet"));
  o.estimator = "mine"; // a caller's own estimator may search the supernet's space
  EXPECT_EQ(make_search_config(o).estimator, "mine");
  o.estimator = "macs";
  const Error e = error_of(o);
  EXPECT_NE(e.message().find("s.supernet would not rank anything"), std::string::npos) << e.what();
}

TEST(SearchOptions, ErrorsNameTheOptionNotAFlag) {
  struct Case {
    std::function<void(SearchOptions&)> set;
    std::string option;
  };
  const std::vector<Case> cases = {
      {[](SearchOptions& o) { o.sram = "12Q"; }, "sram"},
      {[](SearchOptions& o) { o.latency = "soon"; }, "latency"},
      {[](SearchOptions& o) { o.schedule = "magic"; }, "schedule"},
      {[](SearchOptions& o) { o.stage1_rule = "median"; }, "stage1_rule"},
      {[](SearchOptions& o) { o.min_fit = 2; }, "min_fit"},
      {[](SearchOptions& o) { o.population = 0; }, "population"},
      {[](SearchOptions& o) { o.threads = -1; }, "threads"},
      {[](SearchOptions& o) {
         o.space = "fashion_mnist";
         o.estimator = "macs";
         o.supernet = "s.supernet";
       },
       "supernet"}, // the proxy would ignore it
  };
  for (const Case& c : cases) {
    SearchOptions o;
    c.set(o);
    const Error e = error_of(o);
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    EXPECT_EQ(e.field(), c.option) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(c.option + ": ", 0), 0u) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
  EXPECT_EQ(error_of(SearchOptions{}, {"populaton"}).code(), ErrorCode::kInternal); // a front end's typo
}

TEST(SearchOptions, ANewSearchRefusesADirectoryHoldingACheckpoint) {
  const std::string dir = scratch_dir();
  checkpointed_search(dir);
  const Error e = error_of(small_options(dir));
  EXPECT_EQ(e.field(), "out");
  EXPECT_NE(e.message().find("continue it with `resume` " + dir), std::string::npos) << e.what();
  SearchOptions again = small_options(dir);
  again.overwrite = true;
  EXPECT_NO_THROW(make_search_config(again));
}

TEST(SearchOptions, ResumingKeepsTheCheckpointsValuesForOptionsNotGiven) {
  const std::string dir = scratch_dir();
  const SearchConfig checkpointed = checkpointed_search(dir);
  SearchOptions resume; // every field at its default, none of which is the checkpoint's
  resume.resume = dir;
  EXPECT_EQ(search_config_difference(checkpointed, make_search_config(resume, {})), "");
  resume.generations = 3;
  EXPECT_EQ(make_search_config(resume, {"generations"}).evolution.generations, 3);
  // All options given (Python's call): they must describe the checkpointed search.
  SearchOptions same = small_options();
  same.resume = dir;
  EXPECT_EQ(search_config_difference(checkpointed, make_search_config(same)), "");
}

TEST(SearchOptions, ResumingRefusesADifferentSearch) {
  const std::string dir = scratch_dir();
  checkpointed_search(dir);
  SearchOptions o;
  o.resume = dir;
  o.population = 8;
  o.parents = 4;
  Error e = error_of(o, {"population", "parents"});
  EXPECT_EQ(e.field(), "resume");
  EXPECT_NE(e.message().find("(/evolution/population: 16 in the checkpoint, 8 now)"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("only `generations` may grow"), std::string::npos) << e.what();
  o.generations = 0;
  e = error_of(o, {"generations"});
  EXPECT_EQ(e.field(), "generations");
  EXPECT_EQ(e.message(), "0 is too few: the checkpoint in " + dir + " has already done 1 generations");
  o.out = scratch_dir("_elsewhere");
  e = error_of(o, {});
  EXPECT_EQ(e.field(), "out");
  EXPECT_NE(e.message().find("a resumed search continues in its own directory"), std::string::npos) << e.what();
  o = {};
  o.resume = scratch_dir("_empty");
  EXPECT_EQ(error_of(o, {}).field(), "resume");
}

// The board embedded in the checkpoint stands unless `board` is given, even if configs/boards
// changed since: re-reading it would make the resumed search another search.
TEST(SearchOptions, ResumingKeepsTheEmbeddedBoardUnlessTheBoardIsGiven) {
  const std::string dir = scratch_dir();
  checkpointed_search(dir);
  const std::string path = (std::filesystem::path(dir) / kCheckpointFile).string();
  json checkpoint = json::parse(testing::read_text(path));
  checkpoint["config"]["constraints"]["board_config"]["clock_mhz"] = 100; // as if recalibrated since
  std::ofstream(path, std::ios::binary) << checkpoint.dump();
  SearchOptions o;
  o.resume = dir;
  EXPECT_EQ(make_search_config(o, {}).constraints.board.clock_hz, 100e6);
  o.board = "stm32f746g-disco";
  o.sram = "320K";
  o.flash = "1M";
  const Error e = error_of(o, {"board", "sram", "flash"});
  EXPECT_EQ(e.field(), "resume");
  EXPECT_NE(e.message().find("/constraints/board_config/clock_mhz: 100"), std::string::npos) << e.what();
}

// The calibrated latency table goes with the board: resumed with a budget given again (the pipeline gives every
// option but the board), the search keeps its checkpoint's table after configs/latency was recalibrated. Before,
// the budget rebuilt the constraints, which loaded the table anew, and the search was refused as another one.
TEST(SearchOptions, ResumingKeepsTheEmbeddedLatencyTableUnlessTheBoardIsGiven) {
  const std::string dir = scratch_dir();
  SearchOptions o = small_options(dir);
  o.space = "fashion_mnist";
  o.board = "qemu-mps2-an500";
  o.sram = "96K";
  o.flash = "256K";
  SearchConfig started = make_search_config(o);
  ASSERT_TRUE(started.constraints.latency_table) << "the board has a calibrated table";
  MacsProxyEstimator estimator(started.space);
  adopt_estimator(started, estimator);
  run_search(started, estimator, dir);
  const std::string path = (std::filesystem::path(dir) / kCheckpointFile).string();
  json checkpoint = json::parse(testing::read_text(path));
  json& entries = checkpoint["config"]["constraints"]["latency_table"]["entries"];
  ASSERT_FALSE(entries.empty());
  const std::string entry = entries.begin().key();
  entries[entry]["ticks"] = entries[entry]["ticks"].get<double>() * 2; // as the table was when the search started
  std::ofstream(path, std::ios::binary) << checkpoint.dump();

  SearchOptions again;
  again.resume = dir;
  again.sram = "96K";
  const SearchConfig resumed = make_search_config(again, {"sram"});
  EXPECT_EQ(search_config_difference(read_search_config(dir), resumed), "");
  again.board = "qemu-mps2-an500";
  const Error e = error_of(again, {"board", "sram"});
  EXPECT_EQ(e.field(), "resume");
  EXPECT_NE(e.message().find("/constraints/latency_table/entries/" + entry + "/ticks"), std::string::npos) << e.what();
}

// The data and the supernet are recorded absolute, so a search resumed from another directory finds them; a
// checkpoint from before, which holds them as given, is the same search when they name the same files from here.
TEST(SearchOptions, PathsAreRecordedAbsoluteAndComparedByWhereTheyLead) {
  SearchOptions o;
  o.data_dir = "data/./fm/";
  const SearchConfig c = make_search_config(o);
  EXPECT_EQ(c.estimator_options.data_dir, (std::filesystem::current_path() / "data/fm").string());
  SearchConfig as_given = c;
  as_given.estimator_options.data_dir = "data/fm";
  EXPECT_EQ(search_config_difference(as_given, c), "");
  as_given.estimator_options.data_dir = "other";
  EXPECT_NE(search_config_difference(as_given, c)
                .find("/estimator_options/data_dir: \"" + files::absolute_path("other") + "\" in the checkpoint"),
            std::string::npos)
      << search_config_difference(as_given, c);
}

// A checkpoint with a fingerprint knows its supernet by content: at another path it is the same search, checked
// against the estimator's fingerprint once there is one; a checkpoint from before knows it by path only.
TEST(SearchOptions, AFingerprintedCheckpointTakesItsSupernetFromAnyPath) {
  Checkpoint checkpoint;
  checkpoint.config = make_search_config(SearchOptions{});
  checkpoint.config.estimator = "supernet";
  checkpoint.config.estimator_options.supernet = files::absolute_path("run/supernet.supernet");
  checkpoint.fingerprint = "supernet weights crc32 0badcafe";
  SearchConfig moved = checkpoint.config;
  moved.estimator_options.supernet = files::absolute_path("moved/supernet.supernet");
  EXPECT_NO_THROW(require_resumable(checkpoint, moved, "moved"));
  EXPECT_NO_THROW(require_resumable(checkpoint, moved, "moved", checkpoint.fingerprint));
  try {
    require_resumable(checkpoint, moved, "moved", std::string("supernet weights crc32 12345678"));
    FAIL() << "other weights were taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "supernet");
    EXPECT_NE(e.message().find("(supernet weights crc32 12345678, the checkpoint's supernet weights crc32 0badcafe)"),
              std::string::npos)
        << e.what();
  }
  checkpoint.fingerprint.clear();
  try {
    require_resumable(checkpoint, moved, "moved", std::string("supernet weights crc32 12345678"));
    FAIL() << "a checkpoint without a fingerprint took another path";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "resume");
    EXPECT_NE(e.message().find("/estimator_options/supernet"), std::string::npos) << e.what();
  }
}

// A search resumed after its supernet moved says so and how to go on, rather than "cannot open" the old path.
TEST(SearchOptions, AResumedSearchWhoseSupernetMovedAsksWhereItIsNow) {
  const std::string dir = testing::scratch_dir();
  SearchOptions o;
  o.space = "fashion_mnist";
  o.supernet = dir + "/moved-away.supernet";
  write_checkpoint(dir, make_search_config(o), "supernet weights crc32 0badcafe", 0, 0, {});
  SearchOptions again;
  again.resume = dir;
  const Error e = error_of(again, {});
  EXPECT_EQ(e.field(), "supernet");
  EXPECT_NE(e.message().find(o.supernet + ", the supernet the search checkpointed in " + dir +
                             " was scored with, is not there any more: give `supernet` where it is now"),
            std::string::npos)
      << e.what();
  again.supernet = dir + "/here.supernet"; // read when the estimator is made, not here
  EXPECT_EQ(make_search_config(again, {"supernet"}).estimator_options.supernet, again.supernet);
}

TEST(SearchOptions, AdoptingAnEstimatorRecordsItsNameAndWidth) {
  SearchConfig config = make_search_config(SearchOptions{});
  config.estimator = "something else";
  config.stage1.fixed_width = 0.5;
  MacsProxyEstimator estimator(config.space);
  adopt_estimator(config, estimator);
  EXPECT_EQ(config.estimator, "macs");
  EXPECT_EQ(config.stage1.fixed_width, 0);
}

} // namespace
} // namespace tinynas

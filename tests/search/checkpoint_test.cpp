// A damaged checkpoint is reported like every other file: its name, the JSON Pointer of the bad
// value and a plain reason, never the JSON library's own exception text.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "search_test_support.hpp"
#include "tinynas/search/checkpoint.hpp"
#include "tinynas/search/macs_estimator.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using nlohmann::json;
using testing::scratch_dir;
using testing::small_config;

// The checkpoint of a one-generation search, as JSON to damage.
const json& good_checkpoint() {
  static const json checkpoint = [] {
    const std::string dir = scratch_dir("_good");
    SearchConfig config = small_config();
    config.evolution.generations = 1;
    MacsProxyEstimator estimator(config.space);
    run_search(config, estimator, dir);
    return json::parse(testing::read_text((std::filesystem::path(dir) / kCheckpointFile).string()));
  }();
  return checkpoint;
}

Error error_reading(const std::string& text) {
  try {
    checkpoint_from_json(text, "cp.json");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "read a damaged checkpoint";
  return Error(ErrorCode::kInternal, "no error");
}

struct Damage {
  const char* what;
  std::function<void(json&)> edit;
  std::string field;
  std::string reason;
};

TEST(Checkpoint, AWrongOrMissingFieldNamesTheFileAndItsPointer) {
  const std::vector<Damage> cases = {
      {"population of the wrong type", [](json& j) { j["config"]["evolution"]["population"] = "many"; },
       "/config/evolution/population", "expected an integer, found string"},
      {"negative seed", [](json& j) { j["config"]["stage1"]["seed"] = -1; }, "/config/stage1/seed",
       "expected a non-negative integer, found -1"},
      {"missing estimator", [](json& j) { j["config"].erase("estimator"); }, "/config",
       "missing required field \"estimator\""},
      {"budget of the wrong type", [](json& j) { j["config"]["constraints"]["sram_bytes"] = "320K"; },
       "/config/constraints/sram_bytes", "expected an integer, found string"},
      {"unknown stage-1 rule", [](json& j) { j["config"]["stage1"]["rule"] = "median"; }, "/config/stage1/rule",
       "\"median\" is not a stage-1 rule"},
      {"embedded board", [](json& j) { j["config"]["constraints"]["board_config"]["clock_mhz"] = "fast"; },
       "/config/constraints/board_config/clock_mhz", "expected a number, found string"},
      {"embedded space", [](json& j) { j["config"]["space"]["stages"] = 3; }, "/config/space/stages",
       "expected an array, found number"},
      {"missing chosen pair", [](json& j) { j.erase("chosen"); }, "/", "missing required field \"chosen\""},
      {"history entry without MACs", [](json& j) { j["state"]["history"][0].erase("macs"); }, "/state/history/0",
       "missing required field \"macs\""},
      {"genes of the wrong type", [](json& j) { j["state"]["population"][1]["kernels"][0] = 3; },
       "/state/population/1/kernels/0", "expected an array, found number"},
      {"format of the wrong type", [](json& j) { j["format"] = 1; }, "/format", "not a TinyNAS search checkpoint"},
      {"version of the wrong type", [](json& j) { j["version"] = "1"; }, "/version",
       "checkpoint version \"1\" is not supported"},
  };
  for (const Damage& c : cases) {
    SCOPED_TRACE(c.what);
    json damaged = good_checkpoint();
    c.edit(damaged);
    const Error e = error_reading(damaged.dump());
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), "cp.json");
    EXPECT_EQ(e.field(), c.field) << e.what();
    EXPECT_NE(e.message().find(c.reason), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, ATruncatedFileSaysSoAndNamesIt) {
  const std::string dir = scratch_dir();
  const std::string text = good_checkpoint().dump();
  const std::string path = (std::filesystem::path(dir) / kCheckpointFile).string();
  std::ofstream(path, std::ios::binary) << text.substr(0, text.size() / 2);
  try {
    read_checkpoint(dir);
    FAIL() << "read a truncated checkpoint";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(e.message().find("(truncated?)"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("json.exception"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, TheUndamagedCheckpointReads) {
  EXPECT_EQ(checkpoint_from_json(good_checkpoint().dump(), "cp.json").state.generation, 1);
}

} // namespace
} // namespace tinynas

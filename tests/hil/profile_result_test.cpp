// ProfileResult's JSON: what a board farm's worker sends back for `search --hil farm`. The round trip keeps every
// field; a damaged answer is refused naming the file and the field's pointer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

ProfileResult measured_on_qemu() {
  ProfileResult r;
  r.board = "qemu-mps2-an500";
  r.firmware = "build/firmware/tn_profile_mps2_an500.elf";
  r.latency = {123456.0, "ticks", LatencySource::kQemuIcountTicks};
  r.instructions = 30864.0;
  r.ticks_per_instruction = 4.0;
  r.run_ticks = {123456, 123456};
  r.runs_identical = true;
  r.peak_sram_bytes_measured = 40960;
  r.peak_sram_bytes_predicted = 40960;
  r.stack_bytes_measured = 1200;
  r.flash_bytes = 150000;
  r.flash_bytes_predicted = 151000;
  r.model_blob_bytes = 90000;
  r.schedule = "patch";
  r.patches = 2;
  r.patch_split_block = 1;
  r.macs_predicted = 7'800'000;
  r.bit_exact = true;
  r.layers = {{0, "first_conv", "conv", "conv3x3s2", 1000, 50000},
              {1, "blocks.0.depthwise", "depthwise", "dw", 2000, 0}};
  return r;
}

TEST(ProfileResultJson, TheRoundTripKeepsEveryField) {
  const ProfileResult r = measured_on_qemu();
  const ProfileResult back = ProfileResult::from_json(r.to_json(), "answer.json");
  EXPECT_EQ(back.to_json(), r.to_json());
  EXPECT_EQ(back.run_ticks, r.run_ticks);
  ASSERT_EQ(back.layers.size(), 2u);
  EXPECT_EQ(back.layers[1].name, "blocks.0.depthwise");
  EXPECT_EQ(back.layers[1].ticks, 2000u);
  EXPECT_EQ(back.patch_split_block, 1);
}

// A measurement written before a field existed reads as the value it meant then.
TEST(ProfileResultJson, FieldsLaterVersionsAddedAreOptional) {
  nlohmann::json j = nlohmann::json::parse(measured_on_qemu().to_json());
  for (const char* later : {"schedule", "patch", "macs_predicted", "stack_bytes_measured", "runs", "layers"})
    j.erase(later);
  const ProfileResult back = ProfileResult::from_json(j.dump(), "old.json");
  EXPECT_EQ(back.schedule, "inplace-dw");
  EXPECT_EQ(back.patches, 0);
  EXPECT_EQ(back.macs_predicted, 0);
  EXPECT_TRUE(back.layers.empty());
}

void expect_refused(const nlohmann::json& j, const std::string& pointer, const std::string& phrase) {
  try {
    ProfileResult::from_json(j.dump(), "answer.json", "/3");
    ADD_FAILURE() << "accepted: " << j.dump();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_EQ(e.file(), "answer.json");
    EXPECT_EQ(e.field(), pointer);
    EXPECT_NE(e.message().find(phrase), std::string::npos) << e.message();
  }
}

TEST(ProfileResultJson, ADamagedAnswerNamesTheFieldUnderItsPlaceInTheFile) {
  const nlohmann::json good = nlohmann::json::parse(measured_on_qemu().to_json());
  nlohmann::json j = good;
  j.erase("board");
  expect_refused(j, "/3", "missing required field \"board\"");
  j = good;
  j["latency"]["source"] = "stopwatch";
  expect_refused(j, "/3/latency/source", "unknown source \"stopwatch\"");
  j = good;
  j["layers"][1]["ticks"] = -5;
  expect_refused(j, "/3/layers/1/ticks", "non-negative integer");
  j = good;
  j["peak_sram_bytes_measured"] = "40K";
  expect_refused(j, "/3/peak_sram_bytes_measured", "expected an integer");
  expect_refused(nlohmann::json::array({1}), "/3", "not a measurement");
}

TEST(ProfileResultJson, MalformedTextIsAFileError) {
  try {
    ProfileResult::from_json("{\"board\": ", "answer.json");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
    EXPECT_NE(std::string(e.what()).find("answer.json"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace tinynas

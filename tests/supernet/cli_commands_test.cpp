// The train / finetune / eval / export subcommands' run functions (cli/*_command.cpp) end to end on a
// small IDX dataset written by the test: files, JSON output, resume, the exports (ONNX, int8 blob, C
// source), a fine-tuned model in place of --supernet S ARCH, and errors for bad arguments.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "eval_command.hpp"
#include "export_command.hpp"
#include "finetune_command.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "tinynas/supernet/trainer.hpp"
#include "tn/tn_model_format.h"
#include "train_command.hpp"

namespace tinynas::cli {
namespace {

using test::idx_bytes;

// `call` throws an Error whose exit code is `exit` and whose message contains `text`.
template <class Call>
void expect_error(const Call& call, int exit, const std::string& text) {
  try {
    call();
    FAIL() << "no error; expected " << text;
  } catch (const Error& e) {
    EXPECT_EQ(exit_code(e.code()), exit) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

class CliCommandsTest : public ::testing::Test {
protected:
  test::ScratchDir dir;
  std::string data_dir;
  std::string space = test::source_path("tests/data/supernet/tiny_space.json");

  void SetUp() override {
    spdlog::set_level(spdlog::level::warn); // main() routes logs to stderr; the default logger is stdout
    const ImageSet train = test::pattern_images(360, 3, 11), test_set = test::pattern_images(90, 3, 12);
    dir.write("train-images-idx3-ubyte", idx_bytes({360, 28, 28}, train.pixels));
    dir.write("train-labels-idx1-ubyte", idx_bytes({360}, train.labels));
    dir.write("t10k-images-idx3-ubyte", idx_bytes({90, 28, 28}, test_set.pixels));
    const std::string last = dir.write("t10k-labels-idx1-ubyte", idx_bytes({90}, test_set.labels));
    data_dir = std::filesystem::path(last).parent_path().string();
  }

  TrainOptions train_options(const std::string& out) {
    TrainOptions o;
    o.space = space;
    o.out = out;
    o.epochs = 2;
    o.data = data_dir;
    o.batch_size = 32;
    o.val_size = 60;
    o.seed = 3;
    return o;
  }
};

TEST_F(CliCommandsTest, TrainEvalExport) {
  const std::string out = (std::filesystem::path(data_dir) / "tiny.supernet").string();
  TrainOptions t = train_options(out);
  t.json = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_train(t), 0);
  const auto summary = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_TRUE(summary["finished"].get<bool>());
  EXPECT_EQ(summary["total_epochs"], 2);
  // The last epoch's report as the checkpoint records it.
  EXPECT_EQ(summary["last_epoch"]["epoch"], 2);
  EXPECT_EQ(summary["last_epoch"]["phase"], "elastic");
  EXPECT_GE(summary["last_epoch"]["val_largest"].get<double>(), 0.0);
  EXPECT_EQ(summary["val_accuracy_largest"], summary["last_epoch"]["val_largest"]); // the earlier keys stay
  EXPECT_EQ(summary["val_accuracy_smallest"], summary["last_epoch"]["val_smallest"]);
  EXPECT_EQ(training_dataset_options(out).val_size, 60);

  // --resume of a finished run: nothing to do, same file.
  t.resume = true;
  t.json = false;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_train(t), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("trained"), std::string::npos);

  for (const std::string split : {"val", "test"}) {
    EvalOptions e;
    e.supernet = out;
    e.arch = "largest";
    e.accuracy.split = split;
    e.accuracy.data_dir = data_dir;
    e.json = true;
    testing::internal::CaptureStdout();
    EXPECT_EQ(run_eval(e), 0);
    const auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
    EXPECT_EQ(j["split"], split);
    EXPECT_EQ(j["images"], split == "val" ? 60 : 90);
    EXPECT_GE(j["accuracy"].get<double>(), 0.0);
    EXPECT_LE(j["accuracy"].get<double>(), 1.0);
  }

  // --int8: the quantised subnet on the host runtime next to the engine's float accuracy, on the same images.
  EvalOptions q;
  q.supernet = out;
  q.arch = "largest";
  q.accuracy.split = "test";
  q.accuracy.data_dir = data_dir;
  q.accuracy.int8 = true;
  q.accuracy.calibration_images = 40;
  q.json = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(q), 0);
  const auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  const auto& int8 = j["int8"];
  EXPECT_EQ(int8["images"], 90);
  EXPECT_EQ(int8["calibration_images"], 40);
  const double float_accuracy = j["accuracy"].get<double>(), int8_accuracy = int8["accuracy"].get<double>();
  // The float reference is the engine's network in double precision: at most a near-tie flips.
  EXPECT_NEAR(int8["float_reference_accuracy"].get<double>(), float_accuracy, 1.5 / 90);
  EXPECT_NEAR(int8["accuracy_drop_points"].get<double>(), 100 * (float_accuracy - int8_accuracy), 1e-9);
  EXPECT_GE(int8["agreement"].get<double>(), 0.85);
  q.json = false;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(q), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("int8: top-1"), std::string::npos);

  // --on-board: the same int8 model run image by image on the emulated M7's firmware. Its outputs equal the host
  // runtime's byte for byte, and its top-1 equals what --int8 measures on the same 20 images (another code path).
  q.accuracy.limit = 20;
  q.json = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(q), 0);
  const double int8_on_20 = nlohmann::json::parse(testing::internal::GetCapturedStdout())["int8"]["accuracy"];
  q.on_board = "qemu-mps2-an500";
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(q), 0);
  const auto board = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(board["board"], "qemu-mps2-an500");
  EXPECT_EQ(board["images"], 20);
  EXPECT_EQ(board["identical_outputs"], 20);
  EXPECT_EQ(board["board_accuracy"], board["host_accuracy"]);
  EXPECT_DOUBLE_EQ(board["host_accuracy"].get<double>(), int8_on_20);
  // A board that is not there fails before the model is quantised (exit 3 in the CLI).
  q.on_board = "stm32f746g-disco";
  try {
    run_eval(q);
    ADD_FAILURE() << "no probe is attached, yet --on-board stm32f746g-disco succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDevice) << e.what();
  }

  // An arch file of the space, exported to ONNX.
  const Supernet s = Supernet::load(out);
  const std::string arch = dir.write("arch.json", arch_to_json(s.smallest(8), s.space()));
  ExportOptions x;
  x.supernet = out;
  x.arch = arch;
  x.onnx = (std::filesystem::path(data_dir) / "small.onnx").string();
  x.data = data_dir;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(x), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_GT(std::filesystem::file_size(x.onnx), 1000u);

  // The deploy step: the int8 blob and its C source, from one quantisation (no --onnx this time).
  const std::filesystem::path folder(data_dir);
  ExportOptions d;
  d.supernet = out;
  d.arch = arch;
  d.data = data_dir;
  d.int8_blob = (folder / "small.tnm").string();
  d.c_source = (folder / "firmware" / "model").string(); // created
  d.name = "fm_small";
  d.calibration_images = 40;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(d), 0);
  const std::string printed = testing::internal::GetCapturedStdout();
  EXPECT_NE(printed.find("activation ranges from 40 training images"), std::string::npos) << printed;
  EXPECT_NE(printed.find("arena "), std::string::npos) << printed;
  const std::string blob_text = test::read_text(d.int8_blob);
  const std::vector<std::uint8_t> blob(blob_text.begin(), blob_text.end());
  ASSERT_GT(blob.size(), 64u);
  EXPECT_EQ(blob_text.substr(0, 4), "TNMB");
  // The smallest subnet at resolution 8 takes 8x8x1 int8 pixels and gives the space's logits.
  const HostRunResult run = run_blob_on_host(blob, std::vector<std::int8_t>(8 * 8, 0));
  EXPECT_EQ(run.output.size(), static_cast<std::size_t>(s.space().num_classes));
  const std::string header = test::read_text((folder / "firmware" / "model" / "fm_small.h").string());
  EXPECT_NE(header.find("#define FM_SMALL_BLOB_BYTES " + std::to_string(blob.size()) + "u"), std::string::npos);
  EXPECT_NE(header.find("#define FM_SMALL_INPUT_MEAN"), std::string::npos);
  EXPECT_NE(header.find(s.smallest(8).id()), std::string::npos); // provenance
  EXPECT_TRUE(std::filesystem::exists(folder / "firmware" / "model" / "fm_small.c"));
  EXPECT_FALSE(std::filesystem::exists(d.int8_blob + ".tmp"));

  // --schedule patch: the same model with the patch plan (the cost model's split), the same output on any input.
  ExportOptions p = d;
  p.int8_blob = (folder / "small-patch.tnm").string();
  p.c_source.clear();
  p.schedule.schedule = "patch";
  p.schedule.patches = 2;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(p), 0);
  const std::string patch_printed = testing::internal::GetCapturedStdout();
  EXPECT_NE(patch_printed.find("2x2 patches up to op"), std::string::npos) << patch_printed;
  const std::string patch_text = test::read_text(p.int8_blob);
  const std::vector<std::uint8_t> patch_blob(patch_text.begin(), patch_text.end());
  std::vector<std::int8_t> input(8 * 8);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<std::int8_t>(i * 37);
  EXPECT_EQ(run_blob_on_host(patch_blob, input).output, run_blob_on_host(blob, input).output);
  p.schedule.schedule = "auto";
  p.schedule.patches.reset();
  try {
    run_export(p);
    ADD_FAILURE() << "--schedule auto without a board was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("give --board B"), std::string::npos) << e.what();
  }

  // --schedule auto with a board, as the search and deploy choose the plan: where the in-place arena fits, the
  // in-place blob byte for byte; under an SRAM it does not fit, a patch plan whose arena does, computing the same.
  const auto arena_of = [](const std::string& text) {
    tn_blob_header h{};
    std::memcpy(&h, text.data(), sizeof h);
    return std::pair<std::uint32_t, std::uint32_t>{h.arena_bytes, h.patch_plan};
  };
  const Board f746 = Board::load("stm32f746g-disco");
  p.board = f746.name;
  p.int8_blob = (folder / "small-auto.tnm").string();
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(p), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_EQ(test::read_text(p.int8_blob), blob_text) << "room for the arena: in place";
  const std::uint32_t in_place_arena = arena_of(blob_text).first;
  p.schedule.auto_sram = std::to_string(in_place_arena - 1 + f746.runtime_sram_bytes) + "B";
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(p), 0);
  const std::string auto_printed = testing::internal::GetCapturedStdout();
  const std::string auto_text = test::read_text(p.int8_blob);
  const auto [auto_arena, auto_plan] = arena_of(auto_text);
  EXPECT_NE(auto_plan, 0u) << auto_printed;
  EXPECT_LT(auto_arena, in_place_arena) << auto_printed;
  EXPECT_NE(auto_printed.find("patches up to op"), std::string::npos) << auto_printed;
  const std::vector<std::uint8_t> auto_blob(auto_text.begin(), auto_text.end());
  EXPECT_EQ(run_blob_on_host(auto_blob, input).output, run_blob_on_host(blob, input).output);
  // A blob over the SRAM given is refused, naming the board and what to try for the schedule asked.
  const auto expect_over_sram = [&p](const std::string& advice) {
    try {
      run_export(p);
      ADD_FAILURE() << "an arena over the SRAM given was exported (" << p.schedule.schedule << ")";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInfeasible) << e.what();
      EXPECT_NE(e.message().find("of SRAM on stm32f746g-disco"), std::string::npos) << e.what();
      EXPECT_NE(e.message().find(advice), std::string::npos) << e.what();
    }
  };
  p.schedule.auto_sram = std::to_string(f746.runtime_sram_bytes + 16) + "B"; // nothing fits
  expect_over_sram("no plan auto takes fits it");
  // Under any schedule a board (and --sram) is the SRAM the blob must fit, as deploy checks it: in place, the blob
  // without a board byte for byte where its arena fits, refused one byte under, pointing at auto.
  p.schedule.schedule = "inplace-dw";
  p.schedule.auto_sram = std::to_string(in_place_arena + f746.runtime_sram_bytes) + "B";
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(p), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_EQ(test::read_text(p.int8_blob), blob_text);
  p.schedule.auto_sram = std::to_string(in_place_arena - 1 + f746.runtime_sram_bytes) + "B"; // one byte over
  expect_over_sram("try --schedule auto");
  p.board.clear(); // --sram needs the board whose runtime shares the SRAM
  EXPECT_THROW(run_export(p), Error);
}

TEST_F(CliCommandsTest, ExportNeedsAnOutputAndAValidName) {
  ExportOptions x;
  x.supernet = (std::filesystem::path(data_dir) / "none.supernet").string(); // never read: the checks come first
  x.arch = "largest";
  try {
    run_export(x);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(exit_code(e.code()), 2);
    EXPECT_NE(e.message().find("--onnx FILE, --int8-blob FILE and/or --c-source DIR"), std::string::npos);
  }
  x.c_source = data_dir;
  x.name = "my-model";
  try {
    run_export(x);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(exit_code(e.code()), 2);
    EXPECT_NE(std::string(e.what()).find("is not a C identifier"), std::string::npos) << e.what();
  }
}

TEST_F(CliCommandsTest, BadArgumentsAreErrorsWithExitCodes) {
  const std::string out = (std::filesystem::path(data_dir) / "bad.supernet").string();
  TrainOptions t = train_options(out);
  t.out.clear();
  EXPECT_THROW(run_train(t), Error);
  t = train_options(out);
  t.kernel_transform = "diagonal";
  EXPECT_THROW(run_train(t), Error);
  t = train_options(out);
  t.resume = true; // nothing to resume
  EXPECT_THROW(run_train(t), Error);
  t = train_options(out);
  t.data = data_dir + "/missing";
  try {
    run_train(t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(exit_code(e.code()), 2);
  }

  t = train_options(out);
  t.epochs = 1;
  testing::internal::CaptureStdout();
  run_train(t);
  testing::internal::GetCapturedStdout();
  EvalOptions e;
  e.supernet = out;
  e.arch = "largest";
  e.accuracy.data_dir = data_dir;
  e.accuracy.split = "train";
  EXPECT_THROW(run_eval(e), Error);
  e.accuracy.split = "val";
  e.arch = dir.write("wide.json", "{\"format\":\"tinynas-arch\",\"width\":2.0,\"resolution\":8,\"stages\":[]}");
  try {
    run_eval(e);
    FAIL();
  } catch (const Error& err) {
    EXPECT_EQ(err.file(), e.arch);
  }
  e.arch = dir.write("missing.json", "") + ".nope";
  EXPECT_THROW(run_eval(e), Error);
  // Not an arch file: the error says so and names the alternatives.
  e.arch = dir.path().string();
  try {
    run_eval(e);
    FAIL();
  } catch (const Error& err) {
    EXPECT_EQ(err.file(), e.arch);
    EXPECT_NE(err.message().find("is a directory"), std::string::npos) << err.what();
    EXPECT_NE(err.message().find("largest / smallest"), std::string::npos) << err.what();
  }
}

TEST_F(CliCommandsTest, FinetuneThenEvalAndExportTheModel) {
  const std::filesystem::path folder(data_dir);
  const std::string supernet = (folder / "tiny.supernet").string(), model = (folder / "tiny.model").string();
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_train(train_options(supernet)), 0);
  testing::internal::GetCapturedStdout();

  FinetuneCommandOptions f;
  f.supernet = supernet;
  f.arch = "smallest";
  f.out = model;
  f.data = data_dir;
  f.epochs = 2;
  f.batch_size = 32;
  f.distill = true;
  f.json = true;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_finetune(f), 0);
  const auto summary = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_TRUE(summary["finished"].get<bool>());
  EXPECT_EQ(summary["model"], model);
  EXPECT_EQ(summary["total_epochs"], 2);
  EXPECT_EQ(summary["last_epoch"]["phase"], "fine-tune");
  const double val = summary["last_epoch"]["val_subnet"].get<double>();
  EXPECT_GE(val, 0.0);
  // The model keeps the supernet's split: its 60 validation images stay held out.
  EXPECT_EQ(training_dataset_options(model).val_size, 60);

  // --resume of a finished model: nothing to do. Another subnet is refused.
  f.resume = true;
  f.json = false;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_finetune(f), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("fine-tuned"), std::string::npos);
  f.arch = "largest";
  EXPECT_THROW(run_finetune(f), Error);

  // eval --model: the last epoch's validation accuracy, measured the same way.
  EvalOptions e;
  e.model = model;
  e.accuracy.data_dir = data_dir;
  e.json = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(e), 0);
  auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(j["accuracy"].get<double>(), val);
  EXPECT_EQ(j["arch"], Supernet::load(supernet).smallest().id());
  e.accuracy.split = "test";
  e.accuracy.int8 = true;
  e.accuracy.calibration_images = 40;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(e), 0);
  j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_EQ(j["images"], 90);
  EXPECT_GE(j["int8"]["agreement"].get<double>(), 0.85);

  // export --model: ONNX and the int8 blob.
  ExportOptions x;
  x.model = model;
  x.data = data_dir;
  x.onnx = (folder / "model.onnx").string();
  x.int8_blob = (folder / "model.tnm").string();
  x.calibration_images = 40;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_export(x), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_GT(std::filesystem::file_size(x.onnx), 1000u);
  EXPECT_EQ(test::read_text(x.int8_blob).substr(0, 4), "TNMB");
}

TEST_F(CliCommandsTest, ModelOrSupernetAndArchButNotBoth) {
  const std::string supernet = (std::filesystem::path(data_dir) / "s.supernet").string();
  TrainOptions t = train_options(supernet);
  t.epochs = 1;
  testing::internal::CaptureStdout();
  run_train(t);
  testing::internal::GetCapturedStdout();
  EvalOptions e;
  e.accuracy.data_dir = data_dir;
  expect_error([&] { run_eval(e); }, 2, "no subnet given");
  e.supernet = supernet;
  expect_error([&] { run_eval(e); }, 2, "--supernet needs an ARCH");
  e.arch = "largest";
  e.model = supernet;
  expect_error([&] { run_eval(e); }, 2, "not both");
  // A plain supernet is no model: the error says how to make one.
  e.supernet.clear();
  e.arch.clear();
  expect_error([&] { run_eval(e); }, 2, "holds a supernet but no model; fine-tuning one of its subnets makes one");
  ExportOptions x;
  x.model = supernet;
  x.arch = "largest";
  x.onnx = supernet + ".onnx";
  expect_error([&] { run_export(x); }, 2, "not both");
  // finetune: bad settings before any work, a model is no supernet to start from.
  FinetuneCommandOptions f;
  f.supernet = supernet;
  f.arch = "smallest";
  f.out = supernet + ".model";
  f.data = data_dir;
  f.epochs = 0;
  expect_error([&] { run_finetune(f); }, 2, "epochs");
  f.epochs = 1;
  f.resume = true; // nothing to resume
  EXPECT_THROW(run_finetune(f), Error);
}

// An --out that cannot be written is found before the first epoch, not after it.
TEST_F(CliCommandsTest, AnUnwritableOutIsRefusedBeforeTraining) {
  TrainOptions t = train_options(data_dir); // a directory
  expect_error([&] { run_train(t); }, 2, "is a directory: give a file name");
  t.out = "/nonexistent-dir/x.supernet";
  expect_error([&] { run_train(t); }, 2, "its directory /nonexistent-dir does not exist");
  FinetuneCommandOptions f;
  f.arch = "largest";
  f.space = space;
  f.from_scratch = true;
  f.data = data_dir;
  f.out = data_dir;
  expect_error([&] { run_finetune(f); }, 2, "is a directory");
}

// finetune --from-scratch --space: a baseline trained alone, then evaluated like any model; the
// options that need a supernet are refused with what to give instead.
TEST_F(CliCommandsTest, FinetuneFromScratchWithASpaceTrainsTheArchAlone) {
  const std::string model = (std::filesystem::path(data_dir) / "alone.model").string();
  FinetuneCommandOptions f;
  f.arch = "largest";
  f.out = model;
  f.data = data_dir;
  f.epochs = 2;
  f.batch_size = 32;
  expect_error([&] { run_finetune(f); }, 2, "--from-scratch --space S");
  f.from_scratch = true;
  f.space = space;
  f.limit = 300;
  f.json = true;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_finetune(f), 0);
  const auto summary = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_TRUE(summary["finished"].get<bool>());
  EXPECT_EQ(summary["supernet"], "");
  // --resume loads the same 300 images (the model records the limit): a finished model has nothing left.
  f.resume = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_finetune(f), 0);
  EXPECT_TRUE(nlohmann::json::parse(testing::internal::GetCapturedStdout())["finished"].get<bool>());
  f.resume = false;
  const SearchSpace tiny = SearchSpace::load(space);
  EXPECT_EQ(read_model_arch(model), largest_arch(tiny, tiny.width_mults.back(), tiny.resolutions.back()));
  // The split a supernet trained on this data would use: the same limit, a tenth held out.
  EXPECT_EQ(training_dataset_options(model).val_size, 0);
  EXPECT_EQ(training_dataset_options(model).train_limit, 300);
  EvalOptions e;
  e.model = model;
  e.accuracy.data_dir = data_dir;
  e.accuracy.split = "test";
  e.json = true;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_eval(e), 0);
  EXPECT_EQ(nlohmann::json::parse(testing::internal::GetCapturedStdout())["images"], 90);
  // An arch id, as the search prints it, names the same subnet; a malformed one is named.
  const Arch small = smallest_arch(tiny, tiny.width_mults.front(), tiny.resolutions.front());
  f.arch = small.id();
  f.out = model + "-by-id";
  f.epochs = 1;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_finetune(f), 0);
  testing::internal::GetCapturedStdout();
  EXPECT_EQ(read_model_arch(f.out), small);
  f.arch = "w9-r8-k55";
  expect_error([&] { run_finetune(f); }, 2, "is not an arch id");
  f.arch = "largest";
  f.distill = true;
  f.out = model + "2";
  expect_error([&] { run_finetune(f); }, 2, "no teacher");
}

} // namespace
} // namespace tinynas::cli

// End-to-end tests of the `tinynas` executable: run it as a user would, check exit codes, that
// errors say what is wrong on stderr, and that --json output parses and carries its fields.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_support.hpp"
#include "cli_run.hpp"

namespace tinynas {
namespace {

using nlohmann::json;

using test::contains;
using test::describe;
using test::run;
using test::run_limited;
using test::RunResult;
using test::write_band_dataset;

// Starts `tinynas ARGS` in the background, stdout to /dev/null and stderr to `err_file`; its pid. With `tmpdir`, its
// TMPDIR (where it keeps its emulator's logs).
pid_t spawn_cli(const std::vector<std::string>& args, const std::string& err_file, const std::string& tmpdir = "") {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!tmpdir.empty()) ::setenv("TMPDIR", tmpdir.c_str(), 1);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_TRUNC);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(err, 2);
    ::dup2(null, 1);
    std::vector<char*> argv{const_cast<char*>(TINYNAS_CLI)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(TINYNAS_CLI, argv.data());
    ::_exit(127);
  }
  EXPECT_GE(pid, 0) << "fork failed";
  return pid;
}

const std::string kIn3 = "configs/models/mcunet-in3.netconfig.json";
const std::string kIn0 = "configs/models/mcunet-in0.netconfig.json";

TEST(Cli, VersionAndHelp) {
  RunResult v = run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("tinynas ", 0), 0u) << v.out;
  RunResult h = run({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd : {"analyze", "convert", "space"}) EXPECT_TRUE(contains(h.out, cmd)) << h.out;
  RunResult ah = run({"analyze", "--help"});
  EXPECT_EQ(ah.exit_code, 0);
  EXPECT_TRUE(contains(ah.out, "--schedule")) << ah.out;
  EXPECT_TRUE(contains(ah.out, "stm32f746g-disco")) << ah.out;
}

TEST(Cli, UsageErrorsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"analyze"}, {"space"}, {"convert", kIn3}, {"--log-level", "loud", "space", "info"}}) {
    RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(r.err.rfind("tinynas: error: ", 0), 0u) << r.err;
  }
}

TEST(Cli, AnalyzeHumanOutputHasTheTableTotalsAndVerdict) {
  RunResult r = run({"analyze", kIn3});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "stm32f746g-disco")) << r.out;
  EXPECT_TRUE(contains(r.out, "inplace-dw")) << r.out;
  EXPECT_TRUE(contains(r.out, "w0.5-r176-")) << r.out; // mapped into the mcunet space
  EXPECT_TRUE(contains(r.out, "blocks.17.project")) << r.out;
  EXPECT_TRUE(contains(r.out, "<- peak")) << r.out;
  EXPECT_TRUE(contains(r.out, "81.79M")) << r.out;
  EXPECT_TRUE(contains(r.out, "Fits stm32f746g-disco")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err; // logs are off by default
}

TEST(Cli, AnalyzeJsonHasTheDocumentedFields) {
  RunResult r = run({"analyze", kIn3, "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  json j = json::parse(r.out);
  for (const char* key : {"macs", "params", "flash_bytes", "peak_sram_bytes", "schedule", "board", "fits", "layers"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["schedule"], "inplace-dw");
  EXPECT_EQ(j["board"], "stm32f746g-disco");
  EXPECT_EQ(j["fits"], true);
  // MCUNet's published in3 figures: 81.8M MACs, 0.74M params.
  EXPECT_NEAR(j["macs"].get<double>() / 1e6, 81.8, 0.05);
  EXPECT_NEAR(j["params"].get<double>() / 1e6, 0.74, 0.005);
  // 1 first conv + 2 ops of the expand-1 block + 3 per other block (17) + 11 residual adds + pool + fc.
  ASSERT_EQ(j["layers"].size(), 1u + 2 + 3 * 17 + 11 + 2);
  std::int64_t macs = 0, params = 0;
  for (const auto& layer : j["layers"]) {
    for (const char* key :
         {"name", "type", "input_shape", "output_shape", "macs", "params", "flash_bytes", "sram_bytes"})
      EXPECT_TRUE(layer.contains(key)) << key;
    macs += layer["macs"].get<std::int64_t>();
    params += layer["params"].get<std::int64_t>();
  }
  EXPECT_EQ(macs, j["macs"].get<std::int64_t>());
  EXPECT_EQ(params, j["params"].get<std::int64_t>());
  EXPECT_EQ(j["layers"][0]["name"], "first_conv");
  EXPECT_EQ(j["layers"][0]["output_shape"], json({88, 88, 16}));
}

TEST(Cli, AnalyzeRunsEverySchedule) {
  for (const char* schedule : {"mcunet-analytic", "layerwise", "inplace-dw", "patch"}) {
    RunResult r = run({"analyze", kIn3, "--schedule", schedule, "--json"});
    ASSERT_EQ(r.exit_code, 0) << schedule << ": " << describe(r);
    json j = json::parse(r.out);
    EXPECT_EQ(j["schedule"], schedule);
    if (std::string(schedule) == "mcunet-analytic") {
      // MCUNet's analytic peak activation for in3: 333 KiB (over the 320 KB board).
      EXPECT_EQ(std::lround(j["peak_sram_bytes"].get<double>() / 1024), 333);
      EXPECT_EQ(j["fits"], false);
    }
  }
  RunResult p = run({"analyze", kIn0, "--schedule", "patch", "--patches", "2", "--split-block", "3", "--json"});
  ASSERT_EQ(p.exit_code, 0) << describe(p);
  json j = json::parse(p.out);
  EXPECT_EQ(j["patch"]["patches"], 2);
  EXPECT_EQ(j["patch"]["split_block"], 3);
  EXPECT_GT(j["patch"]["extra_macs"].get<std::int64_t>(), 0);
}

// --schedule auto: inplace-dw where it fits (in3 on the F746's 320 KB), the patch plan where only that fits (220 KB:
// in3 needs 242 KiB under inplace-dw, 212 KiB with patches), named in the JSON and the text.
TEST(Cli, AnalyzeAutoTakesPatchesOnlyWhereInplaceDwDoesNotFit) {
  RunResult roomy = run({"analyze", kIn3, "--schedule", "auto", "--json"});
  ASSERT_EQ(roomy.exit_code, 0) << describe(roomy);
  EXPECT_EQ(json::parse(roomy.out)["schedule"], "inplace-dw");
  EXPECT_EQ(json::parse(roomy.out)["schedule_auto"], true);
  RunResult tight = run({"analyze", kIn3, "--schedule", "auto", "--sram", "220K", "--json"});
  ASSERT_EQ(tight.exit_code, 0) << describe(tight);
  const json j = json::parse(tight.out);
  EXPECT_EQ(j["schedule"], "patch");
  EXPECT_EQ(j["fits"], true);
  EXPECT_GT(j["patch"]["patches"].get<int>(), 1);
  RunResult text = run({"analyze", kIn3, "--schedule", "auto", "--sram", "220K"});
  EXPECT_TRUE(contains(text.out, "Schedule  patch (chosen by auto")) << text.out;
}

// `analyze --sram X` and `search --sram X` mean the same budget: the winner of a search under 256K re-analyzed under
// 256K fits, with the board left as its file says. And a board with a calibrated table is predicted with it.
TEST(Cli, AnalyzeAndSearchShareBudgetsAndTheCalibratedTable) {
  test::ScratchDir dir;
  const std::string out = (dir.path() / "s").string();
  RunResult s = run({"search", "--sram", "256K", "--flash", "1M", "--board", "qemu-mps2-an500", "--population", "12",
                     "--generations", "2", "--samples", "50", "--parents", "4", "--out", out, "--json"});
  ASSERT_EQ(s.exit_code, 0) << describe(s);
  // The search's schedule is auto (its default); analyze's default is in place, so it is named.
  RunResult a = run(
      {"analyze", out + "/best.json", "--board", "qemu-mps2-an500", "--sram", "256K", "--schedule", "auto", "--json"});
  ASSERT_EQ(a.exit_code, 0) << describe(a);
  const json j = json::parse(a.out);
  EXPECT_EQ(j["budgets"]["sram_bytes"], 256 * 1024);
  EXPECT_EQ(j["fits"], true);
  EXPECT_EQ(j["latency"]["calibrated"], true) << a.out;
  EXPECT_NE(j["latency"]["source"].get<std::string>().find("calibrated table"), std::string::npos);
  const json best = json::parse(run({"analyze", out + "/best.json", "--json"}).out); // F746: no table
  EXPECT_EQ(best["latency"]["calibrated"], false);
  // the search's own latency figure for its winner is the table's, as analyze's
  const json result = json::parse(s.out);
  EXPECT_NEAR(result["best"]["latency_ms"].get<double>(), j["latency"]["value"].get<double>(), 1e-9) << s.out;
  RunResult slow = run({"analyze", out + "/best.json", "--board", "qemu-mps2-an500", "--schedule", "auto", "--sram",
                        "256K", "--latency", "0.001"});
  ASSERT_EQ(slow.exit_code, 0) << describe(slow);
  EXPECT_TRUE(contains(slow.out, "latency over by")) << slow.out;
}

// A winner that fits only in patches must be deployed in them: the search's text and summary.md say which plan and
// how many MACs its halo recomputes, and analyze of the same plan agrees. (Before, both said "schedule auto" only,
// and "MACs" counted the halo without a word.)
TEST(Cli, SearchSaysWhichPatchPlanItsWinnerNeeds) {
  test::ScratchDir dir;
  const std::string out = (dir.path() / "s").string();
  RunResult s = run({"search", "--sram", "320K", "--flash", "1M", "--population", "12", "--generations", "2",
                     "--samples", "50", "--parents", "4", "--out", out});
  ASSERT_EQ(s.exit_code, 0) << describe(s);
  std::smatch plan, macs;
  ASSERT_TRUE(
      std::regex_search(s.out, plan, std::regex(R"(\n  runs +patch (\d+)x\1 up to block (\d+) \(auto's choice\)\n)")))
      << s.out; // this seed's winner needs patches at 320 KB
  ASSERT_TRUE(std::regex_search(
      s.out, macs,
      std::regex(
          R"(\n  MACs +([0-9.]+)M \(([0-9.]+)M in the network \+ ([0-9.]+)M recomputed in the patches' halos\))")))
      << s.out;
  RunResult a = run(
      {"analyze", out + "/best.json", "--schedule", "patch", "--patches", plan[1], "--split-block", plan[2], "--json"});
  ASSERT_EQ(a.exit_code, 0) << describe(a);
  const json j = json::parse(a.out);
  EXPECT_EQ(j["fits"], true);
  EXPECT_NEAR(std::stod(macs[1]), j["macs"].get<double>() / 1e6, 0.005);
  EXPECT_NEAR(std::stod(macs[3]), j["patch"]["extra_macs"].get<double>() / 1e6, 0.005);
  EXPECT_NEAR(std::stod(macs[2]), (j["macs"].get<double>() - j["patch"]["extra_macs"].get<double>()) / 1e6, 0.005);
  // The same search for a script: the plan and its halo exactly, as analyze's JSON gives them.
  RunResult scripted = run({"search", "--sram", "320K", "--flash", "1M", "--population", "12", "--generations", "2",
                            "--samples", "50", "--parents", "4", "--out", out + "-json", "--json"});
  ASSERT_EQ(scripted.exit_code, 0) << describe(scripted);
  const json best = json::parse(scripted.out)["best"];
  EXPECT_EQ(best["patch"], j["patch"]) << best.dump();
  EXPECT_EQ(best["macs"], j["macs"]);
  const std::string summary = test::read_text(out + "/summary.md");
  const std::string row =
      "| runs | patch " + plan[1].str() + "x" + plan[1].str() + " up to block " + plan[2].str() + " (auto's choice) |";
  EXPECT_TRUE(contains(summary, row)) << summary;
  // analyze's default is in place, where this winner does not fit: it says where it does.
  RunResult in_place = run({"analyze", out + "/best.json"});
  ASSERT_EQ(in_place.exit_code, 0) << describe(in_place);
  EXPECT_TRUE(contains(in_place.out, "Does NOT fit stm32f746g-disco under inplace-dw")) << in_place.out;
  EXPECT_TRUE(contains(in_place.out, "It fits under --schedule auto (the search's default): patch " + plan[1].str() +
                                         "x" + plan[1].str() + " up to block " + plan[2].str()))
      << in_place.out;
  RunResult nowhere = run({"analyze", out + "/best.json", "--sram", "100K"});
  EXPECT_FALSE(contains(nowhere.out, "It fits under")) << nowhere.out;
  RunResult layerwise = run({"analyze", kIn3, "--schedule", "layerwise"}); // in3 fits 320 KB in place only
  EXPECT_TRUE(contains(layerwise.out, "which runs it in place (inplace-dw)")) << layerwise.out;
}

TEST(Cli, AnalyzeBudgetOverrides) {
  RunResult r = run({"analyze", kIn3, "--sram", "100K", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r); // not fitting is a result, not an error
  json j = json::parse(r.out);
  EXPECT_EQ(j["fits_sram"], false);
  EXPECT_EQ(j["fits"], false);
  RunResult human = run({"analyze", kIn3, "--flash", "512KiB"});
  ASSERT_EQ(human.exit_code, 0) << describe(human);
  EXPECT_TRUE(contains(human.out, "Budgets   320.0 KiB SRAM, 512.0 KiB flash (")) << human.out; // the board's SRAM
  EXPECT_TRUE(contains(human.out, "Does NOT fit")) << human.out;
  EXPECT_TRUE(contains(human.out, "flash over by")) << human.out;
}

TEST(Cli, AnalyzeBadInputExitsTwoWithAClearMessage) {
  test::ScratchDir dir;
  std::string broken = dir.write("broken.json", "{\"first_conv\": {");
  std::string arch_out = dir.write(
      "out-of-space.json", R"({"format":"tinynas-arch","space":"mcunet","width":0.5,"resolution":176,"stages":[)"
                           R"({"depth":2,"kernels":[3,3],"expands":[3,3]},{"depth":2,"kernels":[9,3],"expands":[3,3]},)"
                           R"({"depth":2,"kernels":[3,3],"expands":[3,3]},{"depth":2,"kernels":[3,3],"expands":[3,3]},)"
                           R"({"depth":2,"kernels":[3,3],"expands":[3,3]},{"depth":1,"kernels":[3],"expands":[3]}]})");
  struct Case {
    std::vector<std::string> args;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {{"analyze", broken}, "malformed JSON"},
      {{"analyze", arch_out}, "/stages/1/kernels/0: 9 is not one of the stage's kernels"},
      {{"analyze", "configs/spaces/mcunet.json"}, "neither a TinyNAS arch"},
      {{"analyze", dir.write("nospace.json",
                             R"({"format":"tinynas-arch","space":"nospace","width":1,"resolution":28,"stages":[]})")},
       "nospace.json: /space: unknown space \"nospace\""},
      {{"analyze", "/nonexistent/model.json"}, "cannot open"},
      {{"analyze", dir.path().string()}, "is a directory"}, // once read as empty: "malformed JSON"
      {{"analyze", kIn3, "--sram", "12Q"}, "--sram: \"12Q\" is not a size"},
      {{"analyze", kIn3, "--sram", ""}, "--sram: \"\" is not a size"},
      {{"space", "sample", "--seed", "1e23"}, "--seed: must be a whole number from 0 to 18446744073709551615"},
      {{"analyze", kIn3, "--flash=-1M"}, "--flash: \"-1M\" is not a size"},
      {{"analyze", kIn3, "--board", "arduino-uno"}, "unknown board \"arduino-uno\""},
      {{"analyze", kIn3, "--schedule", "magic"}, "unknown schedule"},
      {{"analyze", kIn3, "--patches", "2"}, "--schedule patch"},
      {{"analyze", kIn3, "--schedule", "patch", "--patches", "88"},
       "--patches: must be 1 to 16 (an n x n grid), found 88"},
      {{"analyze", kIn3, "--schedule", "patch", "--split-block", "99"}, "split block 99"},
  };
  for (const Case& c : cases) {
    RunResult r = run(c.args);
    SCOPED_TRACE(c.args.back());
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(r.err.rfind("tinynas: error: ", 0), 0u) << r.err;
    EXPECT_TRUE(contains(r.err, c.message_part)) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

// Inputs built to exhaust memory or overflow counts, each refused with exit 2 and a message naming
// the file and field, under a 2 GiB address-space limit (a regression that allocates gigabytes
// fails here instead of swapping the machine). Before the limits: 18 GB for a million resolutions,
// 4.8 G parameters quantised for kernel_size 10001, /dev/zero read without end, width 1e9 wrapped
// every channel count to 16 and width 1e6 gave negative MACs.
TEST(Cli, AbsurdInputsAreRefusedWithinBoundedMemory) {
  test::ScratchDir dir;
  json space = json::parse(test::read_text(test::source_path("configs/spaces/fashion_mnist.json")));
  auto space_with = [&](const std::string& name, const std::string& key, const json& value) {
    json s = space;
    s[key] = value;
    return dir.write(name, s.dump());
  };
  std::vector<int> million(1000000);
  for (int i = 0; i < 1000000; ++i) million[static_cast<std::size_t>(i)] = i + 1;
  const std::string many_resolutions = space_with("many-res.json", "resolutions", million);
  const std::string huge_width = space_with("huge-width.json", "width_mults", json::array({1e9}));
  const std::string wide = space_with("wide.json", "width_mults", json::array({1e6}));
  json net = json::parse(test::read_text(test::source_path(kIn0)));
  net["blocks"][1]["mobile_inverted_conv"]["kernel_size"] = 10001;
  const std::string big_kernel = dir.write("kernel.json", net.dump());
  net = json::parse(test::read_text(test::source_path(kIn0)));
  net["resolution"] = 100000;
  const std::string big_resolution = dir.write("resolution.json", net.dump());
  net["resolution"] = 1024; // within the limits, far beyond the firmware: refused before quantising
  const std::string too_large = dir.write("too-large.json", net.dump());
  struct Case {
    std::vector<std::string> args;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {{"search", "--space", many_resolutions, "--out", (dir.path() / "s1").string()},
       "/resolutions: lists 1000000 choices; at most 64 are allowed"},
      {{"search", "--space", huge_width, "--out", (dir.path() / "s2").string()},
       "/width_mults/0: must be at most 16, found 1000000000"},
      {{"space", "info", "--space", wide}, "/width_mults/0: must be at most 16, found 1000000"},
      {{"profile", big_kernel, "--board", "qemu-mps2-an500"}, "kernel_size: is 10001; at most 15 is allowed"},
      {{"analyze", big_resolution}, "/resolution: is 100000; at most 1024 is allowed"},
      {{"analyze", "/dev/zero"}, "/dev/zero: is larger than 16 MiB, the limit for this kind of file"},
      {{"profile", too_large, "--board", "qemu-mps2-an500"},
       "board qemu-mps2-an500: the model needs a 20971584 B arena, the firmware has"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    RunResult r = run_limited(args);
    SCOPED_TRACE(c.args.front() + " " + c.args[1]);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, c.message_part)) << r.err;
  }
}

// A patch grid finer than every tensor it could split runs the network whole, and says so.
TEST(Cli, AnalyzeSaysWhenNoPatchSplitIsPossible) {
  test::ScratchDir dir;
  json net = json::parse(test::read_text(test::source_path(kIn0)));
  net["resolution"] = 16;
  const std::string small = dir.write("small.json", net.dump());
  const RunResult r = run({"analyze", small, "--schedule", "patch", "--patches", "16"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "patches    none: no block boundary has an output of at least n x n pixels")) << r.out;
}

TEST(Cli, ConvertRoundTripsBetweenFormats) {
  test::ScratchDir dir;
  std::string arch_path = dir.write("in3.arch.json", "");
  RunResult to_arch = run({"convert", kIn3, "--to", "arch", "-o", arch_path});
  ASSERT_EQ(to_arch.exit_code, 0) << describe(to_arch);
  json arch = json::parse(test::read_text(arch_path));
  EXPECT_EQ(arch["format"], "tinynas-arch");
  EXPECT_EQ(arch["id"], "w0.5-r176-k7375e3554-k555e555-k375e564-k573e555-k373e654-k7e5");

  RunResult to_net = run({"convert", arch_path, "--to", "netconfig"});
  ASSERT_EQ(to_net.exit_code, 0) << describe(to_net);
  std::string net_path = dir.write("in3.netconfig.json", to_net.out);
  // The same network whichever file describes it.
  RunResult a = run({"analyze", kIn3, "--json"});
  RunResult b = run({"analyze", net_path, "--json"});
  RunResult c = run({"analyze", arch_path, "--json"});
  ASSERT_EQ(b.exit_code, 0) << describe(b);
  ASSERT_EQ(c.exit_code, 0) << describe(c);
  EXPECT_EQ(json::parse(a.out), json::parse(b.out));
  EXPECT_EQ(json::parse(a.out), json::parse(c.out));
  // arch -> arch reproduces the file.
  RunResult again = run({"convert", arch_path, "--to", "arch"});
  EXPECT_EQ(json::parse(again.out), arch);
}

TEST(Cli, ConvertErrors) {
  RunResult out_of_space = run({"convert", kIn3, "--to", "arch", "--space", "fashion_mnist"});
  EXPECT_EQ(out_of_space.exit_code, 2) << describe(out_of_space);
  EXPECT_TRUE(contains(out_of_space.err, "not an arch of space \"fashion_mnist\"")) << out_of_space.err;
  RunResult bad_format = run({"convert", kIn3, "--to", "onnx"});
  EXPECT_EQ(bad_format.exit_code, 2) << describe(bad_format);
  RunResult unwritable = run({"convert", kIn3, "--to", "netconfig", "-o", "/nonexistent/dir/x.json"});
  EXPECT_EQ(unwritable.exit_code, 1) << describe(unwritable); // an I/O failure, not bad input
  EXPECT_TRUE(contains(unwritable.err, "/nonexistent/dir/x.json")) << unwritable.err;
}

// A real board with no probe attached: a board failure (exit 3, so a farm job can tell it from bad
// input), named in the one error line. Skipped where OpenOCD is not installed or a probe answers.
TEST(Cli, ProfileOnABoardThatIsNotThereExitsThree) {
  if (std::system("command -v openocd > /dev/null 2>&1") != 0) GTEST_SKIP() << "openocd not installed";
  for (const std::string board : {"stm32f746g-disco", "nucleo-h743zi", "stm32f412g-disco"}) {
    RunResult r = run({"profile", kIn3, "--board", board, "--retries", "0"});
    if (r.exit_code == 0) GTEST_SKIP() << "a probe is attached to this machine";
    EXPECT_EQ(r.exit_code, 3) << describe(r);
    EXPECT_TRUE(contains(r.err, "error: board " + board + ": giving up after 1 attempt;")) << r.err;
    EXPECT_TRUE(contains(r.err, "no debug probe")) << r.err;
  }
}

// /proc/PID/stat, or "" once the process is gone.
std::string proc_stat(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text;
  std::getline(in, text);
  return text;
}

// The children of `parent` named `name`, from /proc (a zombie counts as gone).
std::vector<pid_t> live_children(pid_t parent, const std::string& name) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = proc_stat(pid);
    const std::size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if ((parent < 0 || ppid == parent) && stat.substr(open + 1, close - open - 1) == name && state != 'Z')
      found.push_back(static_cast<pid_t>(std::stol(pid)));
  }
  return found;
}

bool alive(pid_t pid) {
  const std::string stat = proc_stat(std::to_string(pid));
  const std::size_t close = stat.rfind(')');
  return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
}

// SIGKILL gives tinynas no chance to stop its emulator: the kernel must (PR_SET_PDEATHSIG), and the
// next run removes the log directory the killed one left.
TEST(Cli, AKilledProfileLeavesNoEmulatorBehind) {
  // Its own TMPDIR: any tinynas run removes the log directories of dead runs, and another test's run must not
  // remove this one's before it is counted.
  test::ScratchDir dir;
  const std::string tmpdir = dir.path().string();
  const pid_t pid = spawn_cli({"profile", test::source_path(kIn0), "--board", "qemu-mps2-an500", "--runs", "50"},
                              "/dev/null", tmpdir);
  std::vector<pid_t> qemu;
  for (int i = 0; i < 3000 && qemu.empty(); ++i) {
    qemu = live_children(pid, "qemu-system-arm");
    ::usleep(10000);
  }
  ASSERT_EQ(qemu.size(), 1u) << "no emulator started";
  const std::string stale_prefix = "tinynas-qemu-" + std::to_string(pid) + "-";
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = !alive(qemu.front());
    ::usleep(10000);
  }
  EXPECT_TRUE(gone) << "qemu-system-arm " << qemu.front() << " outlived the tinynas that started it";
  auto stale_dirs = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmpdir))
      n += e.path().filename().string().rfind(stale_prefix, 0) == 0;
    return n;
  };
  EXPECT_EQ(stale_dirs(), 1) << "the killed run's log directory";
  const RunResult next = test::run_program(
      "/usr/bin/env", {"TMPDIR=" + tmpdir, TINYNAS_CLI, "profile", kIn0, "--board", "qemu-mps2-an500", "--runs", "2"});
  EXPECT_EQ(next.exit_code, 0) << describe(next);
  EXPECT_EQ(stale_dirs(), 0) << "removed by the next run";
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

TEST(Cli, ExportWithoutAnOutputExitsTwoNamingTheFlags) {
  RunResult r = run({"export", "--supernet", "no.supernet", "largest"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "nothing to export: give --onnx FILE, --int8-blob FILE and/or --c-source DIR")) << r.err;
  RunResult h = run({"export", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* flag : {"--int8-blob", "--c-source", "--name", "--calibration-images"})
    EXPECT_TRUE(contains(h.out, flag)) << h.out;
}

// --model MODEL (a file of `tinynas finetune`) in place of --supernet S ARCH, one form at a time; checked before
// any file is read. The whole path (finetune, then eval and export --model) is tests/supernet/cli_commands_test.cpp.
TEST(Cli, ModelOrSupernetAndArchExitTwoWhenBothOrNeither) {
  const struct {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"eval", "--model", "m.model", "--supernet", "s.supernet", "largest"}, "not both (a model holds its own arch)"},
      {{"eval"}, "no subnet given: --supernet S ARCH (inherited weights) or --model MODEL"},
      {{"eval", "--supernet", "s.supernet"}, "--supernet needs an ARCH"},
      {{"export", "--model", "m.model", "largest", "--onnx", "x.onnx"}, "not both"},
      {{"profile", "--board", "qemu-mps2-an500"}, "no model given"},
      {{"profile", kIn0, "--model", "m.model", "--board", "qemu-mps2-an500"}, "not both"},
      {{"finetune", "--supernet", "s.supernet", "largest", "--out", "m.model", "--epochs", "0"},
       "tinynas: error: --epochs: must be at least 1\n"},
      {{"finetune", "--supernet", "s.supernet", "largest", "--out", "m.model", "--lr", "-1"}, "--lr: must be positive"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.front() + " " + c.args.back());
    RunResult r = run(c.args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
  }
  RunResult h = run({"finetune", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* flag : {"--supernet", "--epochs", "--out", "--lr", "--distill", "--from-scratch", "--resume"})
    EXPECT_TRUE(contains(h.out, flag)) << h.out;
  for (const char* command : {"eval", "export", "profile"})
    EXPECT_TRUE(contains(run({command, "--help"}).out, "--model"));
}

TEST(Cli, SpaceSampleIsOneArchPerLineAndSeeded) {
  RunResult a = run({"space", "sample", "--space", "mcunet", "-n", "5", "--seed", "7"});
  ASSERT_EQ(a.exit_code, 0) << describe(a);
  std::vector<json> archs = json_lines(a.out);
  ASSERT_EQ(archs.size(), 5u);
  for (const auto& arch : archs) {
    EXPECT_EQ(arch["format"], "tinynas-arch");
    EXPECT_EQ(arch["space"], "mcunet");
    EXPECT_EQ(arch["stages"].size(), 6u);
  }
  EXPECT_EQ(run({"space", "sample", "-n", "5", "--seed", "7"}).out, a.out);
  EXPECT_NE(run({"space", "sample", "-n", "5", "--seed", "8"}).out, a.out);

  RunResult fixed = run({"space", "sample", "-n", "4", "--width", "0.5", "--resolution", "96"});
  ASSERT_EQ(fixed.exit_code, 0) << describe(fixed);
  for (const auto& arch : json_lines(fixed.out)) {
    EXPECT_EQ(arch["width"], 0.5);
    EXPECT_EQ(arch["resolution"], 96);
  }
  // A sampled line is a model file `analyze` accepts.
  test::ScratchDir dir;
  std::string path = dir.write("sample.json", archs[0].dump());
  RunResult analyzed = run({"analyze", path, "--json"});
  EXPECT_EQ(analyzed.exit_code, 0) << describe(analyzed);
}

TEST(Cli, SpaceSampleRejectsPairsOutsideTheSpace) {
  RunResult w = run({"space", "sample", "--width", "0.55"});
  EXPECT_EQ(w.exit_code, 2) << describe(w);
  EXPECT_TRUE(contains(w.err, "--width 0.55")) << w.err;
  RunResult r = run({"space", "sample", "--space", "fashion_mnist", "--resolution", "224"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  RunResult s = run({"space", "sample", "--space", "imagenet"});
  EXPECT_EQ(s.exit_code, 2) << describe(s);
  EXPECT_TRUE(contains(s.err, "unknown space \"imagenet\"")) << s.err;
}

TEST(Cli, SpaceInfo) {
  RunResult human = run({"space", "info", "--space", "mcunet"});
  ASSERT_EQ(human.exit_code, 0) << describe(human);
  EXPECT_TRUE(contains(human.out, "10^24.88")) << human.out;
  EXPECT_TRUE(contains(human.out, "108 pairs")) << human.out;

  RunResult r = run({"space", "info", "--space", "mcunet", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  json j = json::parse(r.out);
  EXPECT_EQ(j["name"], "mcunet");
  EXPECT_NEAR(j["log10_size"].get<double>(), 24.884, 0.001);
  EXPECT_EQ(j["pairs"], 108);
  EXPECT_EQ(j["stages"].size(), 6u);
  ASSERT_EQ(j["channels"].size(), 9u);
  EXPECT_EQ(j["channels"][3]["width"], 0.5);
  EXPECT_EQ(j["channels"][3]["first_conv"], 16);
  EXPECT_EQ(j["channels"][3]["first_block"], 8);
  EXPECT_EQ(j["channels"][3]["stages"], json({16, 24, 40, 48, 96, 160}));
}

// The library names options as Python spells them (`population`); the CLI prints its flags.
TEST(Cli, SearchWithAResolutionWindowSearchesTheResolutionsAroundStage1s) {
  test::ScratchDir dir;
  const std::string out = (dir.path() / "s").string();
  RunResult s = run({"search", "--sram", "320K", "--flash", "1M", "--population", "16", "--generations", "3",
                     "--samples", "50", "--parents", "4", "--resolution-window", "1", "--out", out, "--json"});
  ASSERT_EQ(s.exit_code, 0) << describe(s);
  const json j = json::parse(s.out);
  const int chosen = j["stage1"]["chosen"]["resolution"].get<int>();
  std::set<int> seen;
  std::istringstream history(test::read_text(out + "/history.jsonl"));
  for (std::string line; std::getline(history, line);) {
    // The id holds the resolution: "w0.5-r176-...".
    const std::string id = json::parse(line)["id"].get<std::string>();
    const int r = std::stoi(id.substr(id.find("-r") + 2));
    EXPECT_LE(std::abs(r - chosen), 16) << "mcunet's resolutions are 16 apart: one step either side";
    seen.insert(r);
  }
  EXPECT_GE(seen.size(), 2u) << s.out.substr(0, 2000);
}

// The pipeline's arguments on the band dataset in `dir`, writing `run_dir`.
std::vector<std::string> pipeline_args(const test::ScratchDir& dir, const std::string& run_dir) {
  std::vector<std::string> args = {"search",
                                   "--space",
                                   test::source_path("tests/data/supernet/tiny_space.json"),
                                   "--data",
                                   dir.path().string(),
                                   "--out",
                                   run_dir,
                                   "--json"};
  for (const char* a : {"--sram=320K", "--flash=1M", "--samples=20", "--population=6", "--parents=2", "--generations=3",
                        "--supernet-epochs=4", "--finetune-epochs=3"})
    args.push_back(a);
  return args;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(Cli, SearchWithDataRunsTheWholePipelineMeasuresTheWinnerAndItsReportRendersInABrowser) {
  test::ScratchDir dir;
  write_band_dataset(dir.path());
  const std::string run_dir = (dir.path() / "run").string();
  std::vector<std::string> args = pipeline_args(dir, run_dir);
  args.insert(args.end(), {"--hil", "qemu-mps2-an500"});
  RunResult r = run(args);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["images"], 60);
  EXPECT_TRUE(j.contains("int8"));
  EXPECT_EQ(j["model"], run_dir + "/best.model");
  EXPECT_EQ(j["report_html"], run_dir + "/report.html");
  // The winner's figures for a script, as `search --json` gives its best, the same subnet as the model's.
  EXPECT_EQ(j["winner"]["id"], j["arch"]) << r.out;
  EXPECT_EQ(j["winner"]["fits"], true);
  EXPECT_GT(j["winner"]["macs"].get<double>(), 0);
  EXPECT_LE(j["winner"]["total_sram_bytes"].get<double>(), 320 * 1024);
  EXPECT_TRUE(contains(r.err, "tinynas: final training")) << r.err;
  // The default final training: from random weights for the supernet's 4 and the fine-tuning's 3 epochs.
  EXPECT_TRUE(contains(r.err, "epoch 7/7")) << "training progress: " << r.err;

  // The fine-tuned int8 winner ran on the emulated board, bit-exact with the host runtime.
  const json board = json::parse(test::read_text(run_dir + "/board.json"));
  EXPECT_EQ(board["board"], "qemu-mps2-an500");
  EXPECT_TRUE(board["bit_exact"].get<bool>());
  EXPECT_EQ(board["latency"]["source"], "qemu-icount-ticks");
  const std::string md = test::read_text(run_dir + "/report.md");
  EXPECT_TRUE(contains(md, "## The winner")) << md;
  EXPECT_TRUE(contains(md, "## On the board: qemu-mps2-an500")) << md;
  EXPECT_TRUE(contains(md, "instructions, not cycles")) << md;
  EXPECT_TRUE(contains(md, "--hil qemu-mps2-an500 --out RUN2")) << "the command that reproduces the run: " << md;

  // Every plot of report.html is drawn by its scripts in a real browser, without an error.
  const std::string html = run_dir + "/report.html";
  const std::size_t canvases = count_of(test::read_text(html), "<canvas id=");
  EXPECT_EQ(canvases, 6u) << "stage 1, evolution, two Pareto plots, memory, board";
  EXPECT_EQ(test::body_tag_in_chromium(html, dir), "<body data-charts-drawn=\"" + std::to_string(canvases) + "\">");
}

// Starts `tinynas ARGS` with stderr to `err_file`, waits until stderr shows `line`, then kills it with
// SIGKILL: no handler runs, whatever the process was writing is cut off there.
void kill_when_printed(const std::vector<std::string>& args, const std::string& err_file, const std::string& line) {
  std::ofstream(err_file).flush(); // exists before the child writes to it
  const pid_t pid = spawn_cli(args, err_file);
  for (int i = 0; i < 60000; ++i) {
    if (test::read_text(err_file).find(line) != std::string::npos) break;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return; // finished before that phase: nothing to kill
    ::usleep(1000);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

// Where the kill lands depends on timing (the phases take milliseconds here): the assertion, the same
// result after running again, holds wherever it lands, so the test cannot flake.
TEST(Cli, ThePipelineKilledInAnyPhaseAndRunAgainReachesTheUninterruptedResult) {
  test::ScratchDir dir;
  write_band_dataset(dir.path());
  const RunResult whole = run(pipeline_args(dir, (dir.path() / "whole").string()));
  ASSERT_EQ(whole.exit_code, 0) << describe(whole);
  const json expected = json::parse(whole.out);
  for (const char* phase :
       {"stage 1", "time plan", "supernet", "stage 2", "final training", "test accuracy", "export", "report"}) {
    const std::string run_dir = (dir.path() / (std::string("killed-") + phase)).string();
    kill_when_printed(pipeline_args(dir, run_dir), run_dir + ".stderr", std::string("tinynas: ") + phase);
    // --resume alone continues with the options the run recorded (a kill before pipeline.json was
    // written leaves nothing to resume: the test then starts the run again).
    const bool recorded = std::filesystem::exists(run_dir + "/pipeline.json");
    const RunResult again =
        run(recorded ? std::vector<std::string>{"search", "--resume", run_dir, "--json"} : pipeline_args(dir, run_dir));
    ASSERT_EQ(again.exit_code, 0) << phase << ": " << describe(again);
    const json got = json::parse(again.out);
    EXPECT_EQ(got["arch"], expected["arch"]) << "killed in " << phase;
    EXPECT_EQ(got["accuracy"], expected["accuracy"]) << "killed in " << phase;
    EXPECT_EQ(got["int8"]["accuracy"], expected["int8"]["accuracy"]) << "killed in " << phase;
  }
}

TEST(Cli, ThePipelineCanFineTuneTheInheritedWeightsAndRunsRecordedBeforeTheChoiceResumeSo) {
  test::ScratchDir dir;
  write_band_dataset(dir.path());
  const std::string run_dir = (dir.path() / "run").string();
  std::vector<std::string> args = pipeline_args(dir, run_dir);
  args.insert(args.end(), {"--final-training", "finetune"});
  const RunResult r = run(args);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "epoch 3/3")) << "fine-tuning for --finetune-epochs: " << r.err;
  EXPECT_TRUE(contains(test::read_text(run_dir + "/report.md"), "**Fine-tuned** the winner's inherited weights"));
  EXPECT_TRUE(contains(test::read_text(run_dir + "/report.md"), "--final-training finetune"));

  // A run recorded before --final-training existed fine-tuned: it resumes as such, not refused as changed.
  json record = json::parse(test::read_text(run_dir + "/pipeline.json"));
  EXPECT_EQ(record["final_training"], "finetune");
  record.erase("final_training");
  record["options"].erase("final_training");
  std::ofstream(run_dir + "/pipeline.json") << record.dump(2);
  const RunResult again = run({"search", "--resume", run_dir, "--json"});
  ASSERT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_EQ(json::parse(again.out)["accuracy"], json::parse(r.out)["accuracy"]);

  args.back() = "sideways";
  const RunResult bad = run(args);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "--final-training")) << bad.err;
}

// What a terminal shows of `raw` (a pty's output): each line as carriage returns and erase-to-end leave it.
std::vector<std::string> screen_lines(const std::string& raw) {
  std::vector<std::string> lines;
  std::istringstream in(raw);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back(); // the pty writes \n as \r\n
    const std::size_t cr = line.rfind('\r');
    if (cr != std::string::npos) line.erase(0, cr + 1);
    for (std::size_t at; (at = line.find("\033[K")) != std::string::npos;) line.erase(at, 3);
    lines.push_back(line);
  }
  return lines;
}

// On a terminal the progress lines are redrawn in place, and each phase still starts a line of its own:
// "tinynas: final training" used to follow stage 2's last generation on the same line.
TEST(Cli, ThePipelinesProgressOnATerminalStartsEachPhaseOnALineOfItsOwn) {
  test::ScratchDir dir;
  write_band_dataset(dir.path());
  std::string command = test::shell_quoted(TINYNAS_CLI);
  for (const std::string& a : pipeline_args(dir, (dir.path() / "run").string())) command += " " + test::shell_quoted(a);
  const std::string typescript = (dir.path() / "typescript").string();
  // script(1) (util-linux) runs the command on a pseudo-terminal and records what it shows.
  const int status = std::system(("script -qec " + test::shell_quoted(command + " > /dev/null") + " " +
                                  test::shell_quoted(typescript) + " < /dev/null > /dev/null")
                                     .c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << test::read_text(typescript);
  const std::vector<std::string> lines = screen_lines(test::read_text(typescript));
  for (const char* phase :
       {"stage 1", "time plan", "supernet", "stage 2", "final training", "test accuracy", "export", "report"}) {
    const std::string heading = std::string("tinynas: ") + phase;
    EXPECT_EQ(std::count(lines.begin(), lines.end(), heading), 1) << heading << " in:\n" << test::read_text(typescript);
  }
  EXPECT_NE(std::find_if(lines.begin(), lines.end(),
                         [](const std::string& l) { return l.rfind("generation 3/3  best ", 0) == 0; }),
            lines.end())
      << "stage 2's last state stays on the screen";
}

TEST(Cli, ResumingAPipelineTakesItsOptionsFromTheRunAndRefusesOthers) {
  test::ScratchDir dir;
  write_band_dataset(dir.path());
  const std::string run_dir = (dir.path() / "run").string();
  ASSERT_EQ(run(pipeline_args(dir, run_dir)).exit_code, 0);
  const RunResult other = run({"search", "--resume", run_dir, "--sram", "256K"});
  EXPECT_EQ(other.exit_code, 2) << describe(other);
  EXPECT_TRUE(contains(other.err, "--sram: --resume " + run_dir +
                                      " continues a pipeline with the options in its "
                                      "pipeline.json"))
      << other.err;
  const RunResult again = run({"search", "--resume", run_dir, "--threads", "1"});
  EXPECT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_TRUE(contains(again.err, "reusing the trained supernet")) << again.err;
  EXPECT_TRUE(contains(again.out, "# TinyNAS run")) << again.out;
}

TEST(Cli, SearchErrorsNameTheFlags) {
  test::ScratchDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--population", "0"}, "tinynas: error: --population: must be at least 1, found 0\n"},
      {{"--resolution-window", "-2"}, "tinynas: error: --resolution-window: must be -1 (auto) or 0 to 64, found -2\n"},
      {{"--resolution-window", "65"}, "tinynas: error: --resolution-window: must be 0 to 64, found 65\n"},
      {{"--parents", "0"}, "tinynas: error: --parents: must be between 1 and the population (100), found 0\n"},
      {{"--min-fit", "2"}, "tinynas: error: --min-fit: must be a fraction in [0, 1], found 2\n"},
      {{"--stage1-rule", "median"},
       "tinynas: error: --stage1-rule: \"median\" is not a stage-1 rule (use mean or quantile)\n"},
      {{"--sram", "12Q"}, "tinynas: error: --sram: \"12Q\" is not a size"},
      {{"--estimator", "flops"},
       "tinynas: error: --estimator: \"flops\" is not an estimator (valid: macs, supernet)\n"},
      {{"--estimator", "supernet"}, "tinynas: error: --supernet: the supernet estimator needs a supernet file"},
      {{"--estimator", "macs", "--supernet", "s.supernet", "--space", "fashion_mnist"},
       "tinynas: error: --supernet: s.supernet would not rank anything: the search ranks by the MACs proxy"},
      {{"--threads", "-1"}, "tinynas: error: --threads: must be 0 (all cores) or more, found -1\n"},
      {{"--eval-images", "-1"}, "tinynas: error: --eval-images: must be 0 (the whole split) or more, found -1\n"},
      {{"--hil", "qemu-mps2-an500", "--hil-top", "0"}, "tinynas: error: --hil-top: must be at least 1, found 0\n"},
      {{"--schedule", "patch", "--patches", "88"},
       "tinynas: error: --patches: must be 1 to 16 (an n x n grid), found 88\n"},
      {{"--seed", "-1"}, "tinynas: error: --seed: must be a whole number from 0 to 18446744073709551615, found \"-1\""},
      {{"--seed", "18446744073709551616"}, "tinynas: error: --seed: must be a whole number"},
      {{"--sram", ""}, "tinynas: error: --sram: \"\" is not a size"},
      {{"--schedule", "magic"}, "tinynas: error: --schedule: unknown schedule \"magic\""},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"search", "--out", (dir.path() / "search").string()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    SCOPED_TRACE(c.args.front());
    RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(r.err.rfind(c.message, 0), 0u) << r.err;
  }
}

// Starts `tinynas ARGS` (output discarded) and SIGKILLs it after `delay`, unless it finished first.
void kill_after(const std::vector<std::string>& args, std::chrono::microseconds delay) {
  const pid_t pid = spawn_cli(args, "/dev/null");
  ::usleep(static_cast<useconds_t>(delay.count()));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

// kill -9 at 20 moments spread over a whole search (start-up, stage 1, every generation, the result
// files): `--resume` always reaches the uninterrupted result. Where the kill lands varies from run
// to run; the assertion holds wherever it lands.
TEST(Cli, ASearchKilledAtAnyMomentResumesToTheUninterruptedResult) {
  test::ScratchDir dir;
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"search", "--sram",       "320K", "--flash",   "1M", "--samples",
                                    "100",    "--population", "20",   "--parents", "4",  "--generations",
                                    "8",      "--seed",       "4",    "--out",     out,  "--json"};
  };
  const auto started = std::chrono::steady_clock::now();
  const RunResult whole = run(args((dir.path() / "whole").string()));
  ASSERT_EQ(whole.exit_code, 0) << describe(whole);
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  const json expected = json::parse(whole.out);
  int resumed = 0;
  for (int k = 0; k < 20; ++k) {
    const std::string out = (dir.path() / ("killed-" + std::to_string(k))).string();
    kill_after(args(out), took * k / 20);
    const bool started_search = std::filesystem::exists(out); // it writes a checkpoint as it creates `out`
    resumed += started_search;
    const RunResult again =
        run(started_search ? std::vector<std::string>{"search", "--resume", out, "--json"} : args(out));
    ASSERT_EQ(again.exit_code, 0) << "killed after " << k << "/20 of the run: " << describe(again);
    const json got = json::parse(again.out);
    EXPECT_EQ(got["best"]["id"], expected["best"]["id"]) << "killed after " << k << "/20";
    EXPECT_EQ(got["evaluations"], expected["evaluations"]) << "killed after " << k << "/20";
  }
  EXPECT_GE(resumed, 10) << "most kills should land in a running search";
}

// A result that cannot be written is an error (exit 1, said on stderr), never exit 0 with it lost.
TEST(Cli, AResultThatCannotReachStdoutIsAnError) {
  test::ScratchDir dir;
  const std::string err = (dir.path() / "err").string();
  const int status =
      std::system(("'" + std::string(TINYNAS_CLI) + "' space sample --count 3 > /dev/full 2> '" + err + "'").c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_TRUE(
      contains(test::read_text(err), "tinynas: error: cannot write the result to stdout: No space left on device"))
      << test::read_text(err);
}

// Another board's image is the user's mistake (exit 2, before anything is uploaded), not a board
// failure: it used to fault on the board and end in exit 3 "firmware faulted".
TEST(Cli, AnotherBoardsFirmwareIsRefusedAsTheWrongFirmware) {
  const std::string image = (std::filesystem::path(TINYNAS_CLI).parent_path().parent_path() / "firmware" / "arm" /
                             "tinynas-hil-qemu-netduinoplus2.elf")
                                .string();
  const RunResult r = run({"profile", kIn0, "--board", "qemu-mps2-an500", "--firmware", image});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, image + ": wrong firmware for board qemu-mps2-an500: the image was built for the memory "
                                      "map of qemu-netduinoplus2"))
      << r.err;
}

// `tinynas profile --schedule patch`: the firmware runs the patch plan; the report names the grid, and measured SRAM
// equals the prediction for that schedule. The firmware runs no schedule but inplace-dw and patch.
TEST(Cli, ProfileRunsThePatchScheduleAndReportsMeasuredAgainstPredicted) {
  const RunResult r =
      run({"profile", kIn0, "--board", "qemu-mps2-an500", "--runs", "2", "--schedule", "patch", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["schedule"], "patch");
  EXPECT_EQ(j["patch"]["patches"], 4);
  EXPECT_EQ(j["peak_sram_bytes_measured"], j["peak_sram_bytes_predicted"]);
  EXPECT_TRUE(j["bit_exact"].get<bool>());
  const RunResult text = run({"profile", kIn0, "--board", "qemu-mps2-an500", "--runs", "2", "--schedule", "patch",
                              "--patches", "2", "--split-block", "3"});
  ASSERT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_TRUE(contains(text.out, "Schedule  patch: 2x2 patches up to block 3")) << text.out;
  EXPECT_TRUE(contains(text.out, "B, patch); stack")) << text.out;
  const RunResult layerwise = run({"profile", kIn0, "--board", "qemu-mps2-an500", "--schedule", "layerwise"});
  EXPECT_EQ(layerwise.exit_code, 2) << describe(layerwise);
  EXPECT_TRUE(contains(
      layerwise.err, "the profiling firmware runs inplace-dw or patch plans (or auto, which picks one), not layerwise"))
      << layerwise.err;
  const RunResult stray = run({"profile", kIn0, "--board", "qemu-mps2-an500", "--patches", "3"});
  EXPECT_EQ(stray.exit_code, 2) << describe(stray);
  EXPECT_TRUE(contains(stray.err, "--patches and --split-block apply only to --schedule patch")) << stray.err;
}

// A board that cannot profile is refused before the search, not after it: nothing is written.
TEST(Cli, SearchHilOnABoardWithoutFirmwareIsRefusedBeforeTheSearch) {
  test::ScratchDir dir;
  json board = json::parse(test::read_text(test::source_path("configs/boards/stm32f746g-disco.json")));
  board.erase("link");
  board["name"] = "no-firmware";
  const std::string file = dir.write("no-firmware.json", board.dump());
  const std::string out = (dir.path() / "search").string();
  const RunResult r = run({"search", "--hil", file, "--out", out});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "board 'no-firmware' has no profiling firmware")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// A checkpoint is refused, or resumed, in the CLI's terms.
TEST(Cli, SearchResumeAndOverwriteMessagesNameTheFlags) {
  test::ScratchDir dir;
  const std::string out = (dir.path() / "search").string();
  const std::vector<std::string> small = {"search", "--sram",    "320K", "--samples",     "100", "--population",
                                          "16",     "--parents", "4",    "--generations", "1",   "--out",
                                          out};
  RunResult first = run(small);
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  RunResult again = run(small);
  EXPECT_EQ(again.exit_code, 2) << describe(again);
  EXPECT_TRUE(contains(again.err, out + " already holds a search checkpoint: continue it with --resume " + out +
                                      ", choose another --out, or pass --overwrite to start over"))
      << again.err;
  RunResult different = run({"search", "--resume", out, "--population", "8", "--parents", "4"});
  EXPECT_EQ(different.exit_code, 2) << describe(different);
  EXPECT_TRUE(contains(different.err, "/evolution/population: 16 in the checkpoint, 8 now")) << different.err;
  EXPECT_TRUE(contains(different.err, "only --generations may grow")) << different.err;
  // Options left out keep the checkpoint's values: --resume alone continues, and may add generations.
  RunResult resumed = run({"search", "--resume", out, "--generations", "2", "--json"});
  ASSERT_EQ(resumed.exit_code, 0) << describe(resumed);
  EXPECT_EQ(json::parse(resumed.out)["generations"], 2);
}

// The supernet's options too: checked before any data is read.
TEST(Cli, TrainErrorsNameTheFlags) {
  test::ScratchDir dir;
  const std::string out = (dir.path() / "x.supernet").string();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--epochs", "0"}, "tinynas: error: --epochs: must be at least 1\n"},
      {{"--epochs", "2", "--largest-epochs", "3"},
       "tinynas: error: --largest-epochs: must be between 0 and the 2 epochs\n"},
      {{"--data", dir.path().string(), "--limit", "10"}, "dataset-fashion-mnist or pass --data)\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"train", "--out", out};
    args.insert(args.end(), c.args.begin(), c.args.end());
    SCOPED_TRACE(c.args.front());
    RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
  }
}

TEST(Cli, LoggingGoesToStderr) {
  RunResult quiet = run({"space", "sample", "-n", "1"});
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
  RunResult verbose = run({"space", "sample", "-n", "1", "-v"});
  EXPECT_EQ(verbose.exit_code, 0);
  EXPECT_TRUE(contains(verbose.err, "info")) << verbose.err;
  EXPECT_EQ(verbose.out, quiet.out); // logs never mix into results
  RunResult debug = run({"--log-level", "debug", "analyze", kIn0});
  EXPECT_EQ(debug.exit_code, 0);
  EXPECT_TRUE(contains(debug.err, "debug")) << debug.err;
}

} // namespace
} // namespace tinynas

// The bad-input battery: one case per input TinyNAS must refuse (absurd sizes, wrong kinds, directories,
// truncated files, bytes that are not UTF-8, outputs in the way) and per error the docs list (docs/FORMATS.md
// "Limits" and its formats, docs/HIL.md, the README). Each case runs `tinynas` under a 2 GiB address-space
// limit (prlimit --as) and checks the exit code (2: the user's input, 3: the board, 1: I/O), that stderr says
// "tinynas: error:" with phrases naming the file, field or option, that the message is readable (UTF-8, no
// std::bad_alloc, no internal error), and that the refused command left its directory as it found it: no
// DIR.tmp, no half-written output.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "../test_support.hpp"
#include "cli_run.hpp"

namespace tinynas {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;
using test::describe;
using test::RunResult;

const std::string kIn0 = "configs/models/mcunet-in0.netconfig.json";
const std::string kTinySpace = "tests/data/supernet/tiny_space.json";
const std::string kFashionSpace = "configs/spaces/fashion_mnist.json";

// ---- what cases share: a dataset and a supernet trained on it, made once per test process on first use ----

class Shared {
public:
  static Shared& get() {
    static Shared shared;
    return shared;
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  ~Shared() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // An IDX dataset: 3 classes of 12x12 grey images.
  const std::string& data() {
    if (data_.empty()) {
      data_ = (root_ / "data").string();
      fs::create_directories(data_);
      test::write_band_dataset(data_);
    }
    return data_;
  }
  // A supernet of tests/data/supernet/tiny_space.json trained for one epoch on data() (a tenth of a second).
  const std::string& supernet() {
    if (supernet_.empty()) {
      const std::string file = (root_ / "tiny.supernet").string();
      const RunResult r = test::run({"train", "--space", kTinySpace, "--data", data(), "--out", file, "--epochs", "1"});
      if (r.exit_code != 0) ADD_FAILURE() << "training the shared supernet failed: " << describe(r);
      supernet_ = file;
    }
    return supernet_;
  }

private:
  Shared() : root_(fs::temp_directory_path() / ("tinynas-BadInput-shared-" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  fs::path root_;
  std::string data_, supernet_;
};

// The firmware image of `name` in the build tree (build/firmware/arm/NAME.elf, beside build/bin/tinynas).
std::string firmware_image(const std::string& name) {
  return (fs::path(TINYNAS_CLI).parent_path().parent_path() / "firmware" / "arm" / (name + ".elf")).string();
}

// "{dir}" (the case's own directory), "{data}" and "{supernet}" (Shared) in `text` replaced.
std::string expanded(std::string text, const fs::path& dir) {
  const std::pair<const char*, std::function<std::string()>> placeholders[] = {
      {"{dir}", [&] { return dir.string(); }},
      {"{data}", [] { return Shared::get().data(); }},
      {"{supernet}", [] { return Shared::get().supernet(); }},
  };
  for (const auto& [name, value] : placeholders)
    for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at))
      text.replace(at, std::string(name).size(), value());
  return text;
}

// ---- inputs a case writes into its directory first ----

using Input = std::function<void(const fs::path& dir)>;

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

Input text_file(std::string name, std::string bytes) {
  return [=](const fs::path& dir) { write(dir / name, bytes); };
}

// A copy of the source tree's JSON file `source` (a space, board or net config), edited.
Input json_file(std::string name, std::string source, std::function<void(json&)> edit) {
  return [=](const fs::path& dir) {
    json j = json::parse(test::read_text(test::source_path(source)));
    edit(j);
    write(dir / name, j.dump());
  };
}

Input folder(std::string name) {
  return [=](const fs::path& dir) { fs::create_directories(dir / name); };
}

// A file of `bytes` bytes that takes no disk space (a hole).
Input sparse_file(std::string name, std::uintmax_t bytes) {
  return [=](const fs::path& dir) {
    write(dir / name, "");
    fs::resize_file(dir / name, bytes);
  };
}

// The band dataset (cli_run.hpp) in DIR/NAME, its test images `test_side` pixels square.
Input band_dataset(std::string name, int test_side = 12) {
  return [=](const fs::path& dir) {
    fs::create_directories(dir / name);
    test::write_band_dataset(dir / name, test_side);
  };
}

// A NumPy .npy file, version 1.0: magic, header length, the header dict padded to 64 bytes, the data.
std::string npy(const std::string& descr, const std::vector<int>& shape, const std::string& data,
                bool fortran_order = false) {
  std::string dims;
  for (int d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                       ", 'shape': (" + (shape.size() == 1 ? dims.substr(0, dims.size() - 1) : dims) + "), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xFF) +
         static_cast<char>(header.size() >> 8) + header + data;
}

// Labels 0, 1, 2, 0, ... of `n` images as one byte each; the last one `last` (when not negative).
std::string labels(int n, int last = -1) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>(i % 3);
  if (last >= 0) out.back() = static_cast<char>(last);
  return out;
}

// A folder of .npy files (`--data DIR`): NAME/x.npy of `images` and NAME/y.npy of 40 labels.
Input npy_folder(std::string name, std::string images, std::string y = npy("|u1", {40}, labels(40))) {
  return [=](const fs::path& dir) {
    write(dir / name / "x.npy", images);
    write(dir / name / "y.npy", y);
  };
}

std::string pgm(int side, char value = 100) {
  return "P5\n" + std::to_string(side) + " " + std::to_string(side) + "\n255\n" +
         std::string(static_cast<std::size_t>(side * side), value);
}

// An image folder NAME/train/<class>/<i>.pgm: 4 grey 12x12 images in each class folder.
Input image_folder(std::string name, std::vector<std::string> classes = {"a", "b", "c"}) {
  return [=](const fs::path& dir) {
    for (const std::string& c : classes)
      for (int i = 0; i < 4; ++i) write(dir / name / "train" / c / (std::to_string(i) + ".pgm"), pgm(12, char(40 * i)));
  };
}

// Runs a real search (half a second) into NAME and keeps the first `keep` of its checkpoint: a search killed
// as its checkpoint was written, on a file system that does not order writes (0: an empty file).
Input truncated_checkpoint(std::string name, double keep) {
  return [=](const fs::path& dir) {
    const std::string out = (dir / name).string();
    const RunResult r = test::run(
        {"search", "--population", "4", "--parents", "2", "--generations", "1", "--samples", "10", "--out", out});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const std::string checkpoint = out + "/checkpoint.json";
    const std::string text = test::read_text(checkpoint);
    write(checkpoint, text.substr(0, static_cast<std::size_t>(static_cast<double>(text.size()) * keep)));
  };
}

// ---- the cases ----

struct Case {
  std::string name;              // the test's name: BadInput.Refused/<name>
  std::vector<std::string> args; // of tinynas; {dir}, {data} and {supernet} are replaced
  int exit_code;
  std::vector<std::string> phrases; // each must be in stderr (after the same replacements)
  std::vector<Input> inputs = {};   // written into {dir} before the run
};

// gtest prints a failing case's parameter: its name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// A copy of the mcunet-in0 net config with one key of its second block's conv set to `value`.
Input block_edit(std::string name, std::string key, json value) {
  return json_file(std::move(name), kIn0, [=](json& net) { net["blocks"][1]["mobile_inverted_conv"][key] = value; });
}

Input space_edit(std::string name, std::function<void(json&)> edit) {
  return json_file(std::move(name), kFashionSpace, std::move(edit));
}

Input board_with_sram(json sram) {
  return json_file("board.json", "configs/boards/stm32f746g-disco.json", [=](json& b) { b["sram"] = sram; });
}

// `tinynas train` of the tiny space on the data in {dir}/data: fails while reading the data.
std::vector<std::string> train_on_dir_data() {
  return {"train", "--space", kTinySpace, "--data", "{dir}/data", "--out", "{dir}/tiny.supernet", "--epochs", "1"};
}

std::vector<Case> battery() {
  const std::string search_out = "{dir}/search";
  return {
      // ---- absurd sizes: refused naming the field, within 2 GiB ----
      {"SpaceWithAMillionResolutions",
       {"search", "--space", "{dir}/space.json", "--out", search_out},
       2,
       {"{dir}/space.json: /resolutions: lists 1000000 choices; at most 64 are allowed"},
       {space_edit("space.json",
                   [](json& s) {
                     std::vector<int> million(1000000);
                     for (std::size_t i = 0; i < million.size(); ++i) million[i] = static_cast<int>(i) + 1;
                     s["resolutions"] = million;
                   })}},
      {"SpaceWidth1e9InSearch",
       {"search", "--space", "{dir}/space.json", "--out", search_out},
       2,
       {"{dir}/space.json: /width_mults/0: must be at most 16, found 1000000000"},
       {space_edit("space.json", [](json& s) { s["width_mults"] = json::array({1e9}); })}},
      {"SpaceWidth1e6InSearch",
       {"search", "--space", "{dir}/space.json", "--out", search_out},
       2,
       {"{dir}/space.json: /width_mults/0: must be at most 16, found 1000000"},
       {space_edit("space.json", [](json& s) { s["width_mults"] = json::array({1e6}); })}},
      {"SpaceWidth1e9InAnalyze",
       {"analyze", kIn0, "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /width_mults/0: must be at most 16, found 1000000000"},
       {space_edit("space.json", [](json& s) { s["width_mults"] = json::array({1e9}); })}},
      {"SpaceWidth1e6InAnalyze",
       {"analyze", kIn0, "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /width_mults/0: must be at most 16, found 1000000"},
       {space_edit("space.json", [](json& s) { s["width_mults"] = json::array({1e6}); })}},
      {"NetConfigKernelSize10001InAnalyze",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks/1/mobile_inverted_conv/kernel_size: is 10001; at most 15 is allowed"},
       {block_edit("net.json", "kernel_size", 10001)}},
      {"NetConfigKernelSize10001InProfile",
       {"profile", "{dir}/net.json", "--board", "qemu-netduinoplus2"},
       2,
       {"{dir}/net.json: /blocks/1/mobile_inverted_conv/kernel_size: is 10001; at most 15 is allowed"},
       {block_edit("net.json", "kernel_size", 10001)}},
      {"AnalyzeDevZero",
       {"analyze", "/dev/zero"},
       2,
       {"/dev/zero: is larger than 16 MiB, the limit for this kind of file"}},
      {"ProfileDevZero",
       {"profile", "/dev/zero", "--board", "qemu-netduinoplus2"},
       2,
       {"/dev/zero: is larger than 16 MiB"}},
      {"ProfileResolution100000",
       {"profile", "{dir}/net.json", "--board", "qemu-netduinoplus2"},
       2,
       {"{dir}/net.json: /resolution: is 100000; at most 1024 is allowed"},
       {json_file("net.json", kIn0, [](json& n) { n["resolution"] = 100000; })}},
      // --sram is the SRAM auto fits its plan to; under another schedule profile would ignore it, so it refuses it.
      {"ProfileSramWithoutAuto",
       {"profile", kIn0, "--board", "qemu-mps2-an500", "--sram", "64K"},
       2,
       {"--sram: only with --schedule auto"}},
      {"ProfileModelLargerThanTheFirmwaresArena",
       {"profile", "{dir}/net.json", "--board", "qemu-netduinoplus2"},
       2,
       {"board qemu-netduinoplus2: the model needs a 20971584 B arena, the firmware has"},
       {json_file("net.json", kIn0, [](json& n) { n["resolution"] = 1024; })}},

      // ---- net configs of the wrong shape ----
      {"NetConfigBlockIsAString",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks/1: a block must be an object with \"mobile_inverted_conv\" and \"shortcut\""},
       {json_file("net.json", kIn0, [](json& n) { n["blocks"][1] = "MBConv"; })}},
      {"NetConfigMisspeltMobileInvertedConv",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks/1: missing \"mobile_inverted_conv\"", "it has: mobile_inverted_cnv"},
       {json_file("net.json", kIn0,
                  [](json& n) {
                    json& block = n["blocks"][1];
                    block["mobile_inverted_cnv"] = block["mobile_inverted_conv"];
                    block.erase("mobile_inverted_conv");
                  })}},

      // ---- options ----
      {"SeedMinusOne",
       {"search", "--seed", "-1", "--out", search_out},
       2,
       {"--seed: must be a whole number from 0 to 18446744073709551615, found \"-1\""}},
      {"SeedInScientificNotation",
       {"train", "--seed", "1e23", "--out", "{dir}/x.supernet"},
       2,
       {"--seed: must be a whole number from 0 to 18446744073709551615, found \"1e23\""}},
      {"SramEmpty", {"analyze", kIn0, "--sram", ""}, 2, {"--sram: \"\" is not a size (no number"}},
      {"SramUnknownUnit",
       {"search", "--sram", "12Q", "--out", search_out},
       2,
       {"--sram: \"12Q\" is not a size (unknown unit \"q\""}},
      {"PatchesOutOfRange",
       {"analyze", kIn0, "--schedule", "patch", "--patches", "88"},
       2,
       {"--patches: must be 1 to 16 (an n x n grid), found 88"}},
      {"SearchPatchesOutOfRangeWithoutThePatchSchedule",
       {"search", "--patches", "88", "--out", search_out},
       2,
       {"--patches: must be 1 to 16 (an n x n grid), found 88"}},
      {"EvalImagesNegative",
       {"search", "--eval-images", "-1", "--out", search_out},
       2,
       {"--eval-images: must be 0 (the whole split) or more, found -1"}},
      {"HilTopZero", {"search", "--hil-top", "0", "--out", search_out}, 2, {"--hil-top: must be at least 1, found 0"}},
      {"HilTopZeroWithHil",
       {"search", "--hil", "qemu-mps2-an500", "--hil-top", "0", "--out", search_out},
       2,
       {"--hil-top: must be at least 1, found 0"}},
      // The firmware runs no layerwise plan: refused before the search, on the farm as on one board.
      {"HilFarmWithALayerwiseSchedule",
       {"search", "--hil", "farm", "--farm", "{dir}/farm.json", "--schedule", "layerwise", "--out", search_out},
       2,
       {"--schedule: the profiling firmware runs inplace-dw or patch plans (or auto, which picks one), not layerwise"}},
      {"HilWithALayerwiseSchedule",
       {"search", "--hil", "qemu-mps2-an500", "--schedule", "layerwise", "--out", search_out},
       2,
       {"--schedule: the profiling firmware runs inplace-dw or patch plans (or auto, which picks one), not layerwise"}},
      // No probe on this machine: OpenOCD finds none, and the search does not start (exit 3, nothing written).
      {"HilOnABoardThatIsNotThere",
       {"search", "--hil", "stm32f746g-disco", "--out", search_out},
       3,
       {"board stm32f746g-disco: giving up after 3 attempts", "found no debug probe"}},
      {"HilOnABoardWithoutFirmware",
       {"search", "--hil", "{dir}/board.json", "--out", search_out},
       2,
       {"board 'no-firmware' has no profiling firmware"},
       {json_file("board.json", "configs/boards/stm32f746g-disco.json",
                  [](json& b) {
                    b.erase("link");
                    b["name"] = "no-firmware";
                  })}},
      {"UnknownBoard", {"analyze", kIn0, "--board", "arduino-uno"}, 2, {"unknown board \"arduino-uno\""}},
      {"UnknownSchedule",
       {"search", "--schedule", "magic", "--out", search_out},
       2,
       {"--schedule: unknown schedule \"magic\""}},

      // ---- a directory where a file belongs ----
      {"DirectoryAsModel", {"analyze", "{dir}/folder"}, 2, {"{dir}/folder: is a directory"}, {folder("folder")}},
      {"DirectoryAsModelToProfile",
       {"profile", "{dir}/folder", "--board", "qemu-mps2-an500"},
       2,
       {"{dir}/folder: is a directory"},
       {folder("folder")}},
      {"DirectoryAsSpace",
       {"search", "--space", "{dir}/folder", "--out", search_out},
       2,
       {"{dir}/folder: is a directory"},
       {folder("folder")}},
      {"DirectoryAsBoard",
       {"analyze", kIn0, "--board", "{dir}/folder"},
       2,
       {"{dir}/folder: is a directory"},
       {folder("folder")}},
      {"DirectoryAsSupernet",
       {"eval", "--supernet", "{dir}/folder", "largest"},
       2,
       {"{dir}/folder: is a directory"},
       {folder("folder")}},
      {"DirectoryAsSupernetOfTheEstimator",
       {"search", "--estimator", "supernet", "--supernet", "{dir}/folder", "--out", search_out},
       2,
       {"{dir}/folder: is a directory"},
       {folder("folder")}},
      {"DirectoryAsModelFile",
       {"eval", "--model", "{dir}/folder"},
       2,
       {"{dir}/folder: is a directory"},
       {folder("folder")}},

      // ---- bytes that are not UTF-8: escaped, so the message stays readable ----
      {"InvalidUtf8InAField",
       {"analyze", "{dir}/arch.json"},
       2,
       {"{dir}/arch.json: malformed JSON at byte 35", "ill-formed UTF-8", "\\xff"},
       {text_file(
           "arch.json",
           "{\"format\":\"tinynas-arch\",\"space\":\"\xff\xfemcunet\",\"width\":1,\"resolution\":28,\"stages\":[]}")}},
      {"InvalidUtf8InAFileName",
       {"analyze", "{dir}/bad\xff\xfename.json"},
       2,
       {"{dir}/bad\\xff\\xfename.json: malformed JSON"},
       {text_file("bad\xff\xfename.json", "{\"first_conv\": {")}},
      {"InvalidUtf8InAnOptionValue", {"analyze", kIn0, "--sram", "\xff"}, 2, {"--sram: \"\\xff\" is not a size"}},
      {"InvalidUtf8InAnUnknownArgument",
       {"analyze", kIn0, "extra\xc3("},
       2,
       {"The following argument was not expected: extra\\xc3("}},

      // ---- boards: "sram" a number of the wrong kind ----
      {"BoardSramFractional",
       {"analyze", kIn0, "--board", "{dir}/board.json"},
       2,
       {"{dir}/board.json: /sram: a byte count must be a whole number, found 320.5"},
       {board_with_sram(320.5)}},
      {"BoardSramBeyond64Bits",
       {"analyze", kIn0, "--board", "{dir}/board.json"},
       2,
       {"{dir}/board.json: /sram: a byte count of 18446744073709551615 is too large"},
       {board_with_sram(18446744073709551615u)}},
      {"BoardSramNegative",
       {"analyze", kIn0, "--board", "{dir}/board.json"},
       2,
       {"{dir}/board.json: /sram: must not be negative, found -5"},
       {board_with_sram(-5)}},
      {"BoardSramBoolean",
       {"analyze", kIn0, "--board", "{dir}/board.json"},
       2,
       {"{dir}/board.json: /sram: must be a size such as \"320K\" or a byte count"},
       {board_with_sram(true)}},
      {"BoardEmulatedContradictsItsLink",
       {"analyze", kIn0, "--board", "{dir}/board.json"},
       2,
       {"{dir}/board.json: /emulated:", "contradicts"},
       {json_file("board.json", "configs/boards/stm32f746g-disco.json", [](json& b) { b["emulated"] = true; })}},
      {"BoardLinkWithoutFirmware",
       {"analyze", kIn0, "--board", "{dir}/board.json"},
       2,
       {"{dir}/board.json: /link: missing required field \"firmware\""},
       {json_file("board.json", "configs/boards/stm32f746g-disco.json", [](json& b) { b["link"].erase("firmware"); })}},

      // ---- search checkpoints ----
      {"HalfTruncatedCheckpoint",
       {"search", "--resume", search_out},
       2,
       {"{dir}/search/checkpoint.json: malformed JSON at byte", "(truncated?)"},
       {truncated_checkpoint("search", 0.5)}},
      {"EmptyCheckpoint",
       {"search", "--resume", search_out},
       2,
       {"{dir}/search/checkpoint.json: malformed JSON at byte 1: the file is empty"},
       {truncated_checkpoint("search", 0.0)}},
      {"ResumeWithoutACheckpoint",
       {"search", "--resume", "{dir}/folder"},
       2,
       {"--resume: no checkpoint.json in {dir}/folder"},
       {folder("folder")}},

      // ---- archs ----
      {"ArchNamingAnUnknownSpace",
       {"analyze", "{dir}/arch.json"},
       2,
       {"{dir}/arch.json: /space: unknown space \"imagenet-xl\""},
       {text_file("arch.json",
                  R"({"format":"tinynas-arch","space":"imagenet-xl","width":1,"resolution":28,"stages":[]})")}},
      {"ArchNamingAnUnknownSpaceToProfile",
       {"profile", "{dir}/arch.json", "--board", "qemu-mps2-an500"},
       2,
       {"{dir}/arch.json: /space: unknown space \"imagenet-xl\""},
       {text_file("arch.json",
                  R"({"format":"tinynas-arch","space":"imagenet-xl","width":1,"resolution":28,"stages":[]})")}},
      {"ArchOutsideItsSpace",
       {"analyze", "{dir}/arch.json"},
       2,
       {"{dir}/arch.json: /stages/0/kernels/0: 9 is not one of the stage's kernels"},
       {text_file("arch.json",
                  R"({"format":"tinynas-arch","space":"fashion_mnist","width":1,"resolution":28,)"
                  R"("stages":[{"depth":1,"kernels":[9],"expands":[3]},{"depth":1,"kernels":[3],"expands":[3]},)"
                  R"({"depth":1,"kernels":[3],"expands":[3]},{"depth":1,"kernels":[3],"expands":[3]}]})")}},
      {"NetConfigOutsideTheSpace",
       {"convert", kIn0, "--to", "arch", "--space", "fashion_mnist"},
       2,
       {"not an arch of space \"fashion_mnist\": 3 input channels; the space has 1"}},

      // ---- outputs in the way: refused before any work, nothing half-written ----
      {"ExportInt8BlobToADirectory",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--int8-blob", "{dir}/out"},
       2,
       {"{dir}/out: is a directory: give a file name"},
       {folder("out")}},
      {"ExportOnnxToADirectory",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--onnx", "{dir}/out"},
       2,
       {"{dir}/out: is a directory: give a file name"},
       {folder("out")}},
      {"ExportCSourceToAFile",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--c-source", "{dir}/model.c"},
       2,
       {"{dir}/model.c: is not a directory: --c-source takes one"},
       {text_file("model.c", "/* the user's own file */\n")}},
      {"ExportIntoAMissingDirectory",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--int8-blob", "{dir}/missing/m.tnm"},
       2,
       {"{dir}/missing/m.tnm: cannot be written: its directory {dir}/missing does not exist"}},
      // The blob's plan: auto needs the board it fits, --sram the board whose runtime shares it, and the firmware
      // runs no layerwise plan; each refused before the quantisation, naming the flag.
      {"ExportAutoWithoutABoard",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--int8-blob", "{dir}/m.tnm", "--schedule",
        "auto"},
       2,
       {"--board: --schedule auto fits the plan to a board's SRAM: give --board B"}},
      {"ExportSramWithoutABoard",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--int8-blob", "{dir}/m.tnm", "--sram",
        "64K"},
       2,
       {"--sram: needs --board B"}},
      {"ExportAnUnknownBoard",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--int8-blob", "{dir}/m.tnm", "--schedule",
        "auto", "--board", "nucleo-nope"},
       2,
       {"nucleo-nope"}},
      {"ExportLayerwise",
       {"export", "--supernet", "{supernet}", "largest", "--data", "{data}", "--int8-blob", "{dir}/m.tnm", "--schedule",
        "layerwise"},
       2,
       {"--schedule: the profiling firmware runs inplace-dw or patch plans (or auto, which picks one), not layerwise"}},
      {"TrainOutIsADirectory",
       {"train", "--space", kTinySpace, "--data", "{data}", "--out", "{dir}/out", "--epochs", "1"},
       2,
       {"{dir}/out: is a directory: give a file name"},
       {folder("out")}},
      {"FinetuneOutIsADirectory",
       {"finetune", "--supernet", "{supernet}", "largest", "--data", "{data}", "--out", "{dir}/out", "--epochs", "1"},
       2,
       {"{dir}/out: is a directory: give a file name"},
       {folder("out")}},
      {"ConvertOutputIsADirectory",
       {"convert", kIn0, "--to", "arch", "-o", "{dir}/out"},
       2,
       {"{dir}/out: is a directory: give a file name"},
       {folder("out")}},
      {"ConvertIntoAMissingDirectoryIsAnIoError",
       {"convert", kIn0, "--to", "arch", "-o", "{dir}/missing/x.json"},
       1,
       {"{dir}/missing/x.json", "No such file or directory"}},

      // ---- datasets ----
      {"SplitsOfTwoImageSizesInIdxFiles",
       {"eval", "--supernet", "{supernet}", "largest", "--data", "{dir}/data", "--split", "test"},
       2,
       {"{dir}/data/t10k-images-idx3-ubyte: the test images are 10x10 grey but the training images "
        "({dir}/data/train-images-idx3-ubyte) are 12x12 grey"},
       {band_dataset("data", 10)}},
      {"SplitsOfTwoImageSizesInNpyFiles",
       {"eval", "--supernet", "{supernet}", "largest", "--data", "{dir}/data", "--split", "test"},
       2,
       {"{dir}/data: file x_test.npy: the test images are 10x10 grey but the training images (file x_train.npy) "
        "are 12x12 grey"},
       {text_file("data/x_train.npy", npy("|u1", {40, 12, 12}, std::string(40 * 144, '\x20'))),
        text_file("data/y_train.npy", npy("|u1", {40}, labels(40))),
        text_file("data/x_test.npy", npy("|u1", {10, 10, 10}, std::string(10 * 100, '\x20'))),
        text_file("data/y_test.npy", npy("|u1", {10}, labels(10)))}},
      {"NpyBigEndian",
       train_on_dir_data(),
       2,
       {"{dir}/data/x.npy: dtype '>f4' is big-endian"},
       {npy_folder("data", npy(">f4", {40, 12, 12}, std::string(40 * 144 * 4, '\0')))}},
      {"NpyChannelsFirst",
       train_on_dir_data(),
       2,
       {"{dir}/data: file x.npy: shape (40, 3, 12, 12) looks channels-first"},
       {npy_folder("data", npy("|u1", {40, 3, 12, 12}, std::string(40 * 3 * 144, '\0')))}},
      {"NpyFortranOrder",
       train_on_dir_data(),
       2,
       {"{dir}/data/x.npy: fortran_order is True"},
       {npy_folder("data", npy("|u1", {40, 12, 12}, std::string(40 * 144, '\0'), true))}},
      {"NpyTruncated",
       train_on_dir_data(),
       2,
       {"{dir}/data/x.npy: truncated: the header announces 5760 bytes of data, the file holds 5755"},
       {npy_folder("data", npy("|u1", {40, 12, 12}, std::string(40 * 144 - 5, '\0')))}},
      {"NpyLabelOutOfRange",
       train_on_dir_data(),
       2,
       {"{dir}/data: file y.npy: label 7 of image 39 is not in [0, 3)"},
       {npy_folder("data", npy("|u1", {40, 12, 12}, std::string(40 * 144, '\0')), npy("|u1", {40}, labels(40, 7)))}},
      {"DatasetJsonUnknownKey",
       train_on_dir_data(),
       2,
       {"{dir}/data/dataset.json: /flips: unknown key"},
       {band_dataset("data"), text_file("data/dataset.json", R"({"flips": false})")}},
      {"DatasetJsonInputSizeTheDataDoesNotHave",
       train_on_dir_data(),
       2,
       {"{dir}/data/dataset.json: says input_size 28x28 but the images are 12x12"},
       {band_dataset("data"), text_file("data/dataset.json", R"({"input_size": [28, 28]})")}},
      {"ImageFolderTextAsPng",
       train_on_dir_data(),
       2,
       {"{dir}/data/train/a/fake.png: is not an image stb_image can read"},
       {image_folder("data"), text_file("data/train/a/fake.png", "hello, not a PNG")}},
      {"ImageFolderTruncatedPgm",
       train_on_dir_data(),
       2,
       {"{dir}/data/train/a/short.pgm: is truncated: its header announces 144 bytes of pixels, the file holds 10"},
       {image_folder("data"), text_file("data/train/a/short.pgm", pgm(12).substr(0, 13 + 10))}},
      {"ImageFolderImageOver4096Pixels",
       train_on_dir_data(),
       2,
       {"{dir}/data/train/a/huge.pgm: is 5000x5000 pixels"},
       {image_folder("data"), text_file("data/train/a/huge.pgm", "P5\n5000 5000\n255\n")}},
      {"ImageFolderEmptyClassFolder",
       train_on_dir_data(),
       2,
       {"{dir}/data/train/c: the class folder holds no images"},
       {image_folder("data", {"a", "b"}), folder("data/train/c")}},
      {"ImageFolderUnknownClassInVal",
       train_on_dir_data(),
       2,
       {"{dir}/data/val/zebra: is a class folder that train/ does not have"},
       {image_folder("data"), text_file("data/val/zebra/0.pgm", pgm(12))}},
      {"ImageFolderImageOutsideAClassFolder",
       train_on_dir_data(),
       2,
       {"{dir}/data/train/loose.pgm: is not inside a class folder"},
       {image_folder("data"), text_file("data/train/loose.pgm", pgm(12))}},
      {"SupernetOfASpaceWithExpandOne",
       {"train", "--space", "{dir}/space.json", "--data", "{data}", "--out", "{dir}/x.supernet", "--epochs", "1"},
       2,
       {"{dir}/space.json: /stages/1/expands: a supernet needs expand ratios above 1"},
       {json_file("space.json", kTinySpace,
                  [](json& s) {
                    s["stages"][1]["expands"] = json::array({1, 4});
                  })}},

      // ---- the limits of docs/FORMATS.md ----
      {"ConfigFileOver16MiB",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: is larger than 16 MiB, the limit for this kind of file"},
       {space_edit("space.json", [](json& s) { s["description"] = std::string(17 << 20, 'x'); })}},
      {"SupernetFileOver1GiB",
       {"eval", "--supernet", "{dir}/huge.supernet", "largest"},
       2,
       {"{dir}/huge.supernet: is larger than 1024 MiB, the limit for this kind of file"},
       {sparse_file("huge.supernet", (std::uintmax_t{1} << 30) + 1)}},
      {"SpaceWith65WidthChoices",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /width_mults: lists 65 choices; at most 64 are allowed"},
       {space_edit("space.json", [](json& s) { s["width_mults"] = std::vector<double>(65, 0.5); })}},
      {"SpaceWith17Stages",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /stages: has 17 stages; at most 16 are allowed"},
       {space_edit("space.json", [](json& s) { s["stages"] = std::vector<json>(17, s["stages"][3]); })}},
      {"SpaceStageOf33Blocks",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /stages/0/depths/1: must be at most 32, found 33"},
       {space_edit("space.json",
                   [](json& s) {
                     s["stages"][0]["depths"] = json::array({1, 33});
                   })}},
      {"NetConfigOf258Blocks",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks: is 258; at most 256 is allowed"},
       {json_file("net.json", kIn0,
                  [](json& n) {
                    json blocks = json::array({n["blocks"][0]});
                    for (int i = 0; i < 256; ++i) blocks.push_back(n["blocks"][2]);
                    blocks.push_back(n["blocks"].back());
                    n["blocks"] = blocks;
                  })}},
      {"SpaceEvenKernel",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /stages/0/kernels/1: kernel sizes must be odd (same padding), found 4"},
       {space_edit("space.json",
                   [](json& s) {
                     s["stages"][0]["kernels"] = json::array({3, 4});
                   })}},
      {"SpaceStageMissingAField",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /stages/1: missing required field \"expands\""},
       {space_edit("space.json", [](json& s) { s["stages"][1].erase("expands"); })}},
      {"NetConfigExpandRatio17",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks/1/mobile_inverted_conv/expand_ratio: must be at most 16"},
       {block_edit("net.json", "expand_ratio", 17)}},
      {"NetConfigStride3",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks/1/mobile_inverted_conv/stride: is 3; at most 2 is allowed"},
       {block_edit("net.json", "stride", 3)}},
      {"NetConfigOf20000Channels",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /blocks/1/mobile_inverted_conv/out_channels: is 20000; at most 16384 is allowed"},
       {block_edit("net.json", "out_channels", 20000)}},
      {"SpaceWidthExpandingToTooManyChannels",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /width_mults: width 1.5 makes a layer of about 18000 channels; at most 16384 are allowed"},
       {space_edit("space.json", [](json& s) { s["stages"][0]["base_width"] = 2000; })}},
      {"SpaceOf17InputChannels",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /input_channels: must be at most 16, found 17"},
       {space_edit("space.json", [](json& s) { s["input_channels"] = 17; })}},
      {"SpaceOf100001Classes",
       {"space", "info", "--space", "{dir}/space.json"},
       2,
       {"{dir}/space.json: /num_classes: must be at most 100000, found 100001"},
       {space_edit("space.json", [](json& s) { s["num_classes"] = 100001; })}},
      {"NetConfigOf100001Classes",
       {"analyze", "{dir}/net.json"},
       2,
       {"{dir}/net.json: /classifier/out_features: is 100001; at most 100000 is allowed"},
       {json_file("net.json", kIn0, [](json& n) { n["classifier"]["out_features"] = 100001; })}},

      // ---- boards (docs/HIL.md) ----
      {"AnotherBoardsFirmware",
       {"profile", kIn0, "--board", "qemu-netduinoplus2", "--firmware", firmware_image("tinynas-hil-qemu-mps2-an500")},
       2,
       {firmware_image("tinynas-hil-qemu-mps2-an500") +
        ": wrong firmware for board qemu-netduinoplus2: the image was built for the memory map of qemu-mps2-an500"}},
      {"AnEmulatorThatCannotStartIsABoardFailure",
       {"profile", kIn0, "--board", "{dir}/board.json", "--retries", "0"},
       3,
       {"board broken-qemu: giving up after 1 attempt; last failure:", "failed to start"},
       {json_file("board.json", "configs/boards/qemu-mps2-an500.json",
                  [](json& b) {
                    b["name"] = "broken-qemu";
                    b["link"]["machine"] = "no-such-machine";
                  })}},
  };
}

// Every file and folder under `dir` with its size: what a refused command must leave unchanged.
std::map<std::string, std::uintmax_t> listing(const fs::path& dir) {
  std::map<std::string, std::uintmax_t> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    out[fs::relative(entry.path(), dir).string()] = entry.is_regular_file() ? entry.file_size() : 0;
  return out;
}

std::string listing_text(const std::map<std::string, std::uintmax_t>& files) {
  std::string out;
  for (const auto& [name, size] : files) out += "  " + name + " (" + std::to_string(size) + " B)\n";
  return out.empty() ? "  (empty)\n" : out;
}

class BadInput : public ::testing::TestWithParam<Case> {};

// BadInput.Refused/<case>: refused with the case's exit code and phrases, in readable text, leaving no file behind.
TEST_P(BadInput, Refused) {
  const Case& c = GetParam();
  test::ScratchDir scratch;
  const fs::path dir = scratch.path() / "case";
  fs::create_directories(dir);
  for (const Input& input : c.inputs) input(dir);
  if (HasFatalFailure()) return;
  std::vector<std::string> args;
  for (const std::string& a : c.args) args.push_back(expanded(a, dir));
  const auto before = listing(dir);

  const RunResult r = test::run_limited(args);

  EXPECT_EQ(r.exit_code, c.exit_code) << describe(r);
  EXPECT_TRUE(contains(r.err, "tinynas: error: ")) << r.err;
  for (const std::string& phrase : c.phrases) {
    const std::string expected = expanded(phrase, dir);
    EXPECT_TRUE(contains(r.err, expected)) << "expected: " << expected << "\nstderr: " << r.err;
  }
  for (const char* never : {"bad_alloc", "internal error", "terminate called", "Aborted"})
    EXPECT_FALSE(contains(r.err, never)) << r.err;
  try {
    (void)json(r.err).dump(); // throws on bytes that are not UTF-8
  } catch (const json::exception&) {
    ADD_FAILURE() << "stderr is not UTF-8: " << r.err;
  }
  EXPECT_TRUE(r.out.empty()) << "nothing on stdout: " << r.out;
  const auto after = listing(dir);
  EXPECT_EQ(after, before) << "a refused command leaves its files as they were (no .tmp, no half-written output); "
                           << "before:\n"
                           << listing_text(before) << "after:\n"
                           << listing_text(after);
}

INSTANTIATE_TEST_SUITE_P(, BadInput, ::testing::ValuesIn(battery()),
                         [](const ::testing::TestParamInfo<Case>& test) { return test.param.name; });

} // namespace
} // namespace tinynas

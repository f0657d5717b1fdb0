// Kernel efficiency of the firmware's int8 runtime under QEMU, next to Arm CMSIS-NN's figures counted the
// same way on this machine (shared/hil_notes.md, appendix): executed INSTRUCTIONS per MAC per layer type, on
// the MobileNetV2-like shapes of that appendix. QEMU counts instructions, not cycles: it models no pipeline,
// dual issue, caches or flash wait states, so these numbers compare code paths, not latency.
//
// Each layer is a one-op model blob run by the profiling firmware; a TCG plugin
// (firmware/tools/qemu_insn_count.c) counts the instructions executed inside the runtime's code
// (__tn_runtime_start..__tn_runtime_end: the kernel, its wrapper and the interpreter's dispatch) between the
// start of the run and the end of the op. The output is also checked bit-exact against the host build of the
// runtime.
//
//   bench_kernels_qemu [--json FILE]
// M4: QEMU mps2-an386 (Cortex-M4, the machine of the CMSIS-NN figures); M7: mps2-an500 (Cortex-M7); "pure C":
// the same M4 image compiled with TN_FORCE_PURE_C; M3: mps2-an385 (Cortex-M3, no DSP extension: the pure-C path);
// M33: mps2-an505 (Cortex-M33, Armv8-M with the DSP extension: the M4's kernels); M55: mps3-an547 (Cortex-M55, the
// same DSP kernels; no Helium kernels yet).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "elf_image.hpp"
#include "firmware_images.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/space/error.hpp"

namespace {

using namespace tinynas;

struct LayerCase {
  const char* id;
  const char* layer;
  Graph graph;
  double cmsis_m4;   // CMSIS-NN instructions per MAC, QEMU mps2-an386 (shared/hil_notes.md; 0: not measured)
  double cmsis_m7;   // mps2-an500 (0: not measured)
  double plain_c_m4; // plain C loops, mps2-an386 (0: not measured)
};

Graph single_op(OpType type, OpRole role, TensorShape in, TensorShape out, int kernel, int stride, int pad,
                bool relu6) {
  Graph g;
  g.tensors = {in, out};
  Op op;
  op.type = type;
  op.role = role;
  op.input = 0;
  op.output = 1;
  op.kernel = kernel;
  op.stride = stride;
  op.pad = pad;
  op.has_bn = type != OpType::kFullyConnected;
  op.has_bias = type == OpType::kFullyConnected;
  op.relu6 = relu6;
  g.ops = {op};
  g.input = 0;
  g.output = 1;
  return g;
}

std::vector<LayerCase> cases() {
  return {
      {"a", "1x1 conv 20x20x48 -> 144",
       single_op(OpType::kPointwiseConv, OpRole::kExpand, {20, 20, 48}, {20, 20, 144}, 1, 1, 0, true), 2.275, 2.239,
       6.899},
      {"a2", "1x1 conv 20x20x144 -> 24",
       single_op(OpType::kPointwiseConv, OpRole::kProject, {20, 20, 144}, {20, 20, 24}, 1, 1, 0, false), 1.711, 1.678,
       6.306},
      {"b", "depthwise 3x3 s1 p1, 20x20x144",
       single_op(OpType::kDepthwiseConv, OpRole::kDepthwise, {20, 20, 144}, {20, 20, 144}, 3, 1, 1, true), 7.952, 7.952,
       25.16},
      {"c", "depthwise 3x3 s2 p1, 40x40x144 -> 20x20x144",
       single_op(OpType::kDepthwiseConv, OpRole::kDepthwise, {40, 40, 144}, {20, 20, 144}, 3, 2, 1, true), 8.056, 8.056,
       25.51},
      {"d", "conv 3x3 s2 p1, 64x64x3 -> 32x32x16",
       single_op(OpType::kConv, OpRole::kStem, {64, 64, 3}, {32, 32, 16}, 3, 2, 1, true), 4.769, 4.756, 16.33},
      {"e", "fully connected 1280 -> 10",
       single_op(OpType::kFullyConnected, OpRole::kClassifier, {1, 1, 1280}, {1, 1, 10}, 1, 1, 0, false), 1.925, 1.925,
       6.033},
      // MCUNet's large depthwise kernels; CMSIS-NN's generic depthwise kernel: about 31 instructions per MAC
      // (shared/hil_notes.md, shape not given), so its figure is listed for both
      {"f", "depthwise 5x5 s1 p2, 20x20x144",
       single_op(OpType::kDepthwiseConv, OpRole::kDepthwise, {20, 20, 144}, {20, 20, 144}, 5, 1, 2, true), 31, 31, 0},
      {"g", "depthwise 7x7 s2 p3, 20x20x144 -> 10x10x144",
       single_op(OpType::kDepthwiseConv, OpRole::kDepthwise, {20, 20, 144}, {10, 10, 144}, 7, 2, 3, true), 31, 31, 0},
      // the Fashion-MNIST stem: one grey channel (28x28 resized to 20..32); no CMSIS-NN figure for these shapes
      {"h", "conv 3x3 s1 p1, 32x32x1 -> 32x32x16",
       single_op(OpType::kConv, OpRole::kStem, {32, 32, 1}, {32, 32, 16}, 3, 1, 1, true), 0, 0, 0},
      {"i", "conv 3x3 s2 p1, 28x28x1 -> 14x14x16",
       single_op(OpType::kConv, OpRole::kStem, {28, 28, 1}, {14, 14, 16}, 3, 2, 1, true), 0, 0, 0},
  };
}

struct Machine {
  const char* label;
  const char* qemu_machine;
  const char* image; // file name in the firmware directory
  const char* board; // the board file of the image's memory map (the M4 image has the AN500's)
};

// Instructions in the runtime's code during the op of each run, read from the plugin's log: the count at the
// mark on hil_record_op (end of op 0) after the mark on hil_timer_restart (start of the run).
std::vector<std::uint64_t> op_counts(const std::string& log, std::uint32_t restart, std::uint32_t record) {
  std::ifstream in(log);
  std::string line;
  std::vector<std::uint64_t> counts;
  char restart_hex[16], record_hex[16];
  std::snprintf(restart_hex, sizeof restart_hex, "%x", restart);
  std::snprintf(record_hex, sizeof record_hex, "%x", record);
  bool armed = false;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string word, addr, region;
    ss >> word >> addr >> region;
    if (word != "mark") continue;
    if (addr == restart_hex) armed = true;
    else if (addr == record_hex && armed) {
      counts.push_back(std::stoull(region.substr(region.find('=') + 1)));
      armed = false;
    }
  }
  return counts;
}

struct Measured {
  double per_mac = 0;
  std::uint64_t instructions = 0;
  bool bit_exact = false;
  bool repeatable = false;
};

std::vector<Measured> measure(const Machine& m, const std::vector<LayerCase>& layers, const std::string& log) {
  const std::string image = detail::firmware_dir() + "/" + m.image;
  const detail::ElfImage elf = detail::ElfImage::load(image);
  char lo[16], hi[16], marks[40];
  std::snprintf(lo, sizeof lo, "%x", elf.symbol("__tn_runtime_start"));
  std::snprintf(hi, sizeof hi, "%x", elf.symbol("__tn_runtime_end"));
  std::snprintf(marks, sizeof marks, "%x:%x", elf.symbol("hil_timer_restart"), elf.symbol("hil_record_op"));
  ProfileOptions o;
  o.firmware = image;
  o.qemu_machine = m.qemu_machine;
  o.runs = 2;
  o.qemu_plugin = detail::insn_count_plugin_path();
  o.qemu_plugin_args = {std::string("lo=") + lo, std::string("hi=") + hi, std::string("marks=") + marks, "out=" + log};
  HilProfiler profiler(Board::load(m.board), o);
  std::vector<Measured> out;
  std::size_t seen = 0;
  for (const LayerCase& c : layers) {
    const ProfileResult r = profiler.profile(c.graph);
    const std::vector<std::uint64_t> counts =
        op_counts(log, elf.symbol("hil_timer_restart"), elf.symbol("hil_record_op"));
    if (counts.size() < seen + 2) throw Error(ErrorCode::kInternal, "the instruction-count plugin logged no marks");
    Measured x;
    x.instructions = counts[seen];
    x.repeatable = counts[seen] == counts[seen + 1] && r.runs_identical;
    x.bit_exact = r.bit_exact;
    x.per_mac = static_cast<double>(x.instructions) / static_cast<double>(c.graph.ops[0].macs(c.graph.tensors));
    seen = counts.size();
    out.push_back(x);
  }
  return out;
}

std::string fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

} // namespace

int main(int argc, char** argv) {
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) json_path = argv[++i];
    else {
      std::cerr << "usage: bench_kernels_qemu [--json FILE]\n";
      return 2;
    }
  }
  // Part of `make bench`: without QEMU or the firmware images there is nothing to measure, which is not an
  // error.
  for (const char* image :
       {"tinynas-hil-qemu-mps2-an386.elf", "tinynas-hil-qemu-mps2-an500.elf", "tinynas-hil-qemu-mps2-an385.elf",
        "tinynas-hil-qemu-mps2-an505.elf", "tinynas-hil-qemu-mps3-an547.elf"})
    if (!std::filesystem::exists(std::filesystem::path(detail::firmware_dir()) / image)) {
      std::cout << "bench_kernels_qemu: skipped, no firmware image " << image << " in " << detail::firmware_dir()
                << " (needs arm-none-eabi-gcc at configure time)\n";
      return 0;
    }
  if (std::system("qemu-system-arm --version > /dev/null 2>&1") != 0) {
    std::cout << "bench_kernels_qemu: skipped, qemu-system-arm is not installed\n";
    return 0;
  }
  try {
    const std::vector<LayerCase> layers = cases();
    const std::string log = "/tmp/tinynas-bench-insn-" + std::to_string(::getpid()) + ".log";
    const Machine m4{"M4", "mps2-an386", "tinynas-hil-qemu-mps2-an386.elf", "qemu-mps2-an500"};
    const Machine m7{"M7", "mps2-an500", "tinynas-hil-qemu-mps2-an500.elf", "qemu-mps2-an500"};
    const Machine m4c{"M4 pure C", "mps2-an386", "tinynas-hil-qemu-mps2-an386-purec.elf", "qemu-mps2-an500"};
    const Machine m3{"M3", "mps2-an385", "tinynas-hil-qemu-mps2-an385.elf", "qemu-mps2-an385"};
    const Machine m33{"M33", "mps2-an505", "tinynas-hil-qemu-mps2-an505.elf", "qemu-mps2-an505"};
    const std::vector<Measured> r4 = measure(m4, layers, log);
    const std::vector<Measured> r7 = measure(m7, layers, log);
    const std::vector<Measured> rc = measure(m4c, layers, log);
    const std::vector<Measured> r3 = measure(m3, layers, log);
    const std::vector<Measured> r33 = measure(m33, layers, log);
    const Machine m55{"M55", "mps3-an547", "tinynas-hil-qemu-mps3-an547.elf", "qemu-mps3-an547"};
    const std::vector<Measured> r55 = measure(m55, layers, log);
    std::remove(log.c_str());

    std::cout << "Executed instructions per MAC under QEMU 7.2 (instructions, NOT cycles), one kernel call "
                 "incl. dispatch\n\n";
    std::cout << "| id | layer | MACs | TinyNAS M4 | CMSIS-NN M4 | TinyNAS M7 | CMSIS-NN M7 | TinyNAS pure C "
                 "M4 | plain C M4 | TinyNAS M3 (pure C) | TinyNAS M33 | TinyNAS M55 | at or below CMSIS-NN |\n";
    std::cout << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    nlohmann::json j = nlohmann::json::array();
    bool all_exact = true;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const LayerCase& c = layers[i];
      const bool compared = c.cmsis_m4 > 0 && c.cmsis_m7 > 0;
      const bool beats = r4[i].per_mac <= c.cmsis_m4 && r7[i].per_mac <= c.cmsis_m7;
      const char* verdict = !compared ? "n/a" : (beats ? "yes" : "NO");
      all_exact =
          all_exact && r4[i].bit_exact && r7[i].bit_exact && rc[i].bit_exact && r3[i].bit_exact && r33[i].bit_exact;
      std::cout << "| " << c.id << " | " << c.layer << " | " << c.graph.ops[0].macs(c.graph.tensors) << " | "
                << fixed(r4[i].per_mac) << " | " << (c.cmsis_m4 > 0 ? fixed(c.cmsis_m4) : std::string("-")) << " | "
                << fixed(r7[i].per_mac) << " | " << (c.cmsis_m7 > 0 ? fixed(c.cmsis_m7) : std::string("-")) << " | "
                << fixed(rc[i].per_mac) << " | " << (c.plain_c_m4 > 0 ? fixed(c.plain_c_m4, 2) : std::string("-"))
                << " | " << fixed(r3[i].per_mac) << " | " << fixed(r33[i].per_mac) << " | " << fixed(r55[i].per_mac)
                << " | " << verdict << " |\n";
      j.push_back(
          {{"id", c.id},
           {"layer", c.layer},
           {"macs", c.graph.ops[0].macs(c.graph.tensors)},
           {"m4",
            {{"instructions", r4[i].instructions},
             {"per_mac", r4[i].per_mac},
             {"bit_exact", r4[i].bit_exact},
             {"repeatable", r4[i].repeatable}}},
           {"m7",
            {{"instructions", r7[i].instructions},
             {"per_mac", r7[i].per_mac},
             {"bit_exact", r7[i].bit_exact},
             {"repeatable", r7[i].repeatable}}},
           {"m4_pure_c",
            {{"instructions", rc[i].instructions}, {"per_mac", rc[i].per_mac}, {"bit_exact", rc[i].bit_exact}}},
           {"m3", {{"instructions", r3[i].instructions}, {"per_mac", r3[i].per_mac}, {"bit_exact", r3[i].bit_exact}}},
           {"m33",
            {{"instructions", r33[i].instructions}, {"per_mac", r33[i].per_mac}, {"bit_exact", r33[i].bit_exact}}},
           {"cmsis_nn", {{"m4", c.cmsis_m4}, {"m7", c.cmsis_m7}, {"plain_c_m4", c.plain_c_m4}}}});
    }
    std::cout << "\nf, g: CMSIS-NN's generic depthwise kernel, about 31 instructions per MAC "
                 "(shared/hil_notes.md); its "
                 "3x3 kernels do not apply. h, i: not measured with CMSIS-NN.\n"
              << "Outputs bit-exact with the host runtime on every machine: " << (all_exact ? "yes" : "NO") << "\n";
    if (!json_path.empty()) {
      std::ofstream(json_path)
          << nlohmann::json{{"unit", "instructions per MAC (QEMU, not cycles)"}, {"layers", j}}.dump(2) << "\n";
    }
    return all_exact ? 0 : 1;
  } catch (const Error& e) {
    std::cerr << "bench_kernels_qemu: " << e.what() << "\n";
    return 1;
  }
}

// The profiling firmware under QEMU (label "hil"): output bit-exact with the host runtime, measured SRAM
// within the cost model's prediction, repeated runs identical, and the fault paths (corrupt blob, hang, QEMU
// killed or frozen). Skipped when the firmware images were not built (no arm-none-eabi-gcc) or
// qemu-system-arm is missing.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include "../test_support.hpp"
#include "hil_test_support.hpp"
#include "process_watchdog.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

class HilQemu : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    if (!hil_test::have_program("qemu-system-arm")) GTEST_SKIP() << "qemu-system-arm not installed";
    try {
      HilProfiler probe(Board::load(GetParam()));
      if (!std::filesystem::exists(probe.firmware_path())) GTEST_SKIP() << "no firmware image";
    } catch (const Error& e) {
      GTEST_SKIP() << "firmware image not built: " << e.what();
    }
  }
};

TEST_P(HilQemu, SmallNetBitExactAndWithinPrediction) {
  const Board board = Board::load(GetParam());
  const Graph g = lower_to_graph(test::small_net());
  HilProfiler profiler(board);
  const ProfileResult r = profiler.profile(g);
  EXPECT_TRUE(r.bit_exact);
  EXPECT_TRUE(r.runs_identical);
  EXPECT_EQ(r.latency.source, LatencySource::kQemuIcountTicks);
  EXPECT_GT(r.latency.value, 0);
  EXPECT_GT(r.peak_sram_bytes_measured, 0);
  // QEMU is deterministic and the arena's top buffer is written: measured equals predicted, to the byte.
  EXPECT_EQ(r.peak_sram_bytes_measured, r.peak_sram_bytes_predicted);
  ASSERT_EQ(r.layers.size(), g.ops.size());
  std::uint64_t sum = 0;
  for (const LayerTiming& l : r.layers) {
    EXPECT_GT(l.ticks, 0u) << l.name;
    sum += l.ticks;
  }
  // the per-op deltas tile the measured interval, up to the final hook call
  EXPECT_LE(sum, static_cast<std::uint64_t>(r.latency.value));
  EXPECT_GE(sum * 100, static_cast<std::uint64_t>(r.latency.value) * 95);
  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  for (const char* key : {"latency", "peak_sram_bytes_measured", "peak_sram_bytes_predicted", "flash_bytes",
                          "bit_exact", "board", "layers"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["latency"]["source"], "qemu-icount-ticks");
  EXPECT_EQ(j["latency"]["unit"], "ticks");
  EXPECT_EQ(j["layers"].size(), g.ops.size());
  EXPECT_GT(r.flash_bytes, r.model_blob_bytes); // the firmware image counts too
}

INSTANTIATE_TEST_SUITE_P(Boards, HilQemu,
                         ::testing::Values("qemu-netduinoplus2", "qemu-mps2-an500", "qemu-mps2-an385",
                                           "qemu-mps2-an505", "qemu-mps3-an547"));

} // namespace
} // namespace tinynas

// ---- more subnets, both ISA paths, determinism ----

#include "firmware_images.hpp"
#include "hil_link.hpp"
#include "tinynas/profiler/patch_plan.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tn/tn_hil_mailbox.h"
#include "tn/tn_types.h"

namespace tinynas {
namespace {

TEST_P(HilQemu, RandomFashionMnistSubnetsBitExact) {
  const SearchSpace space = SearchSpace::load("fashion_mnist");
  HilProfiler profiler(Board::load(GetParam()));
  Rng rng(21);
  for (int i = 0; i < 3; ++i) {
    const Arch arch = sample_arch(space, rng, space.width_mults[1], space.resolutions[i + 1]);
    const Graph g = lower_to_graph(lower_to_net(space, arch));
    const ProfileResult r = profiler.profile(g);
    EXPECT_TRUE(r.bit_exact) << arch.id();
    EXPECT_TRUE(r.runs_identical) << arch.id();
    // the arena plan leaves no slack the run does not touch (the top buffer is written): equal, to the byte
    EXPECT_EQ(r.peak_sram_bytes_measured, r.peak_sram_bytes_predicted) << arch.id();
  }
}

TEST_P(HilQemu, PureCImageIsBitExactToo) {
  if (Board::load(GetParam()).core == "cortex-m3") GTEST_SKIP() << "no DSP extension: its only image is pure C";
  ProfileOptions o;
  o.pure_c = true;
  const ProfileResult r = profile_model(lower_to_graph(test::small_net()), Board::load(GetParam()), o);
  EXPECT_TRUE(r.bit_exact);
  EXPECT_NE(r.firmware.find("-purec.elf"), std::string::npos);
}

// Patch-based inference on the board (MCUNetV2): the firmware runs the blob's patch plan bit-exact with the host
// runtime, and the SRAM it touches is the cost model's patch prediction to the byte, for every split of the small
// net (3x3, 5x5 and 7x7 depthwise at strides 1 and 2 inside the patches), fashion_mnist subnets (the grey stem),
// MCUNet's zoo models, and with the pure-C kernels too.
TEST_P(HilQemu, PatchPlansRunBitExactAtThePredictedPeak) {
  const Board board = Board::load(GetParam());
  auto check = [&](const Graph& g, const ProfileOptions& o, const std::string& what) {
    SCOPED_TRACE(what);
    HilProfiler profiler(board, o);
    const ProfileResult r = profiler.profile(g);
    EXPECT_TRUE(r.bit_exact);
    EXPECT_TRUE(r.runs_identical);
    EXPECT_EQ(r.schedule, "patch");
    EXPECT_GT(r.patches, 0);
    EXPECT_EQ(r.peak_sram_bytes_measured, r.peak_sram_bytes_predicted);
    std::int64_t whole = 0;
    for (const Op& op : g.ops) whole += op.macs(g.tensors);
    EXPECT_GT(r.macs_predicted, whole) << "the halo is recomputed";
    const ProfileResult back = ProfileResult::from_json(r.to_json(), "mem");
    EXPECT_EQ(back.schedule, "patch");
    EXPECT_EQ(back.patches, r.patches);
    EXPECT_EQ(back.patch_split_block, r.patch_split_block);
  };
  const Graph small = lower_to_graph(test::small_net());
  for (const int split : block_boundary_ops(small)) {
    ProfileOptions o;
    o.runs = 2;
    o.schedule = Schedule::kPatch;
    o.patch.patches = split == block_boundary_ops(small).back() ? 3 : 2;
    o.patch.split_block = small.ops[static_cast<std::size_t>(split)].block;
    check(small, o, "small net split block " + std::to_string(o.patch.split_block));
    if (split == block_boundary_ops(small).back() && board.core != "cortex-m3") {
      o.pure_c = true;
      check(small, o, "small net, pure C");
    }
  }
  const SearchSpace space = SearchSpace::load("fashion_mnist");
  Rng rng(5);
  for (int i = 0; i < 2; ++i) {
    ProfileOptions o;
    o.runs = 2;
    o.schedule = Schedule::kPatch;
    o.patch.patches = 2 + i;
    const Arch arch = sample_arch(space, rng, space.width_mults.back(), 28);
    check(lower_to_graph(lower_to_net(space, arch)), o, arch.id());
  }
  ProfileOptions zoo;
  zoo.runs = 2;
  zoo.schedule = Schedule::kPatch;
  check(lower_to_graph(load_model(test::mcunet_in0_path()).net), zoo, "mcunet-in0");
  if (board.sram_bytes >= 320 * 1024) check(lower_to_graph(load_model(test::mcunet_in3_path()).net), zoo, "mcunet-in3");
}

TEST_P(HilQemu, CountsRepeatAcrossQemuProcesses) {
  const Graph g = lower_to_graph(test::small_net());
  const ProfileResult a = profile_model(g, Board::load(GetParam()));
  const ProfileResult b = profile_model(g, Board::load(GetParam()));
  EXPECT_EQ(a.run_ticks, b.run_ticks);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) EXPECT_EQ(a.layers[i].ticks, b.layers[i].ticks) << a.layers[i].name;
}

// ---- the firmware's own checks, through the raw link ----

class HilFirmware : public HilQemu {};

TEST_P(HilFirmware, CorruptBlobsAreRefusedAndTheFirmwareKeepsWorking) {
  const Board board = Board::load(GetParam());
  const detail::ElfImage image = detail::ElfImage::load(detail::firmware_image_path(board));
  detail::LinkOptions lo;
  lo.firmware = image.path();
  std::unique_ptr<detail::TargetLink> link = detail::make_target_link(board.name, board.link, image, lo);
  link->start();
  detail::HilSession& s = link->session();
  using std::chrono::milliseconds;
  // nothing loaded yet
  EXPECT_EQ(s.command(TN_HIL_CMD_RUN, 0xA5, milliseconds(2000)).status, TN_ERR_NO_MODEL);
  EXPECT_EQ(s.command(77, 0, milliseconds(2000)).status, TN_ERR_COMMAND);

  const Graph g = lower_to_graph(test::small_net());
  const RandomInt8Model m = random_int8_model(g, 3);
  const ModelBlob blob = write_model_blob(g, m.model);
  struct Corruption {
    const char* what;
    std::size_t byte;
    std::uint8_t value;
    tn_status expected;
  };
  for (const Corruption& c :
       {Corruption{"magic", 0, 0x00, TN_ERR_BLOB_MAGIC}, Corruption{"version", 4, 0x07, TN_ERR_BLOB_VERSION},
        Corruption{"size", 10, 0x7F, TN_ERR_BLOB_SIZE},
        Corruption{"payload", blob.bytes.size() - 3, 0x55, TN_ERR_BLOB_CRC}}) {
    std::vector<std::uint8_t> bad = blob.bytes;
    bad[c.byte] = c.value == bad[c.byte] ? static_cast<std::uint8_t>(c.value ^ 1) : c.value;
    link->write_blob(bad);
    const tn_hil_mailbox mb = s.load(milliseconds(5000));
    EXPECT_EQ(mb.status, c.expected) << c.what << ": " << tn_status_name(static_cast<tn_status>(mb.status));
    EXPECT_EQ(mb.state, TN_HIL_STATE_DONE) << c.what;
    EXPECT_EQ(s.command(TN_HIL_CMD_RUN, 0xA5, milliseconds(2000)).status, TN_ERR_NO_MODEL) << c.what;
  }
  // and the good blob still loads and runs, bit-exact
  link->write_blob(blob.bytes);
  const tn_hil_mailbox loaded = s.load(milliseconds(5000));
  ASSERT_EQ(loaded.status, TN_OK);
  const detail::RunMeasurement run = s.run(loaded, m.input, 0xA5, milliseconds(5000));
  ASSERT_EQ(run.status, TN_OK);
  EXPECT_EQ(run.output, run_blob_on_host(blob.bytes, m.input).output);
}

INSTANTIATE_TEST_SUITE_P(Boards, HilFirmware,
                         ::testing::Values("qemu-netduinoplus2", "qemu-mps2-an500", "qemu-mps2-an385",
                                           "qemu-mps2-an505", "qemu-mps3-an547"));

// ---- faults: hang, death, freeze; recovery by relaunch, then a clear error ----

// Thumb "b ." over the interpreter's entry: the firmware spins as a hung kernel would.
void hang_interpreter(const HilFaultContext& ctx) { ctx.gdb.write_memory(ctx.symbol("tn_model_invoke"), {0xFE, 0xE7}); }

class HilFaults : public HilQemu {
protected:
  ProfileOptions quick() {
    ProfileOptions o;
    o.runs = 2;
    o.retries = 1;
    // Short enough to keep hang tests quick, long enough that a legitimate command (loading and checking the blob)
    // finishes well within it on a loaded 2-core CI machine: a hang must be reported where it is, in the kernel.
    o.run_timeout = std::chrono::milliseconds(1200);
    return o;
  }
  Graph graph() { return lower_to_graph(test::small_net()); }
};

TEST_P(HilFaults, HangOnceThenRecoverAfterRelaunch) {
  ProfileOptions o = quick();
  o.after_boot = [](const HilFaultContext& ctx) {
    if (ctx.attempt == 0) hang_interpreter(ctx);
  };
  const ProfileResult r = profile_model(graph(), Board::load(GetParam()), o);
  EXPECT_TRUE(r.bit_exact);
}

TEST_P(HilFaults, PersistentHangEndsWithAnErrorNamingTheBoard) {
  ProfileOptions o = quick();
  o.after_boot = hang_interpreter;
  try {
    profile_model(graph(), Board::load(GetParam()), o);
    FAIL() << "a hanging firmware was reported as measured";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kDevice);
    EXPECT_NE(m.find("board " + GetParam()), std::string::npos) << m;
    EXPECT_NE(m.find("giving up after 2 attempts"), std::string::npos) << m;
    EXPECT_NE(m.find("tn_model_invoke"), std::string::npos) << m; // where it was stuck
  }
}

TEST_P(HilFaults, FirmwareFaultIsReportedWithoutWaitingForTheTimeout) {
  ProfileOptions o = quick();
  o.run_timeout = std::chrono::milliseconds(20000); // a fault must not need it
  o.after_boot = [](const HilFaultContext& ctx) {
    ctx.gdb.write_memory(ctx.symbol("tn_model_invoke"), {0x00, 0xDE});
  }; // udf #0
  const auto t0 = std::chrono::steady_clock::now();
  try {
    profile_model(graph(), Board::load(GetParam()), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("faulted (HardFault at tn_model_invoke"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_P(HilFaults, QemuDyingMidRunIsRelaunched) {
  ProfileOptions o = quick();
  o.run_timeout = std::chrono::milliseconds(5000);
  std::thread killer;
  o.after_boot = [&killer](const HilFaultContext& ctx) {
    if (ctx.attempt != 0) return;
    hang_interpreter(ctx); // keep it busy in the run, then kill QEMU under it
    const int pid = ctx.process_id;
    killer = std::thread([pid] {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      ::kill(pid, SIGKILL);
    });
  };
  const ProfileResult r = profile_model(graph(), Board::load(GetParam()), o);
  if (killer.joinable()) killer.join();
  EXPECT_TRUE(r.bit_exact);
}

TEST_P(HilFaults, FrozenQemuTimesOutAndIsRelaunched) {
  ProfileOptions o = quick();
  o.after_boot = [](const HilFaultContext& ctx) {
    if (ctx.attempt == 0) ::kill(ctx.process_id, SIGSTOP); // alive but answering nothing
  };
  const ProfileResult r = profile_model(graph(), Board::load(GetParam()), o);
  EXPECT_TRUE(r.bit_exact);
}

// QEMU frozen while the firmware runs: the watchdog sees the stopped process at its next poll instead of waiting
// out the run timeout (60 s here), and says so. The freeze comes once QEMU has burnt 300 ms of CPU time after boot,
// which only the hung RUN does (writing the blob and LOAD take a few milliseconds), so it lands mid-run.
TEST_P(HilFaults, QemuFrozenMidRunIsNoticedByTheWatchdog) {
  ProfileOptions o = quick();
  o.retries = 0;
  o.run_timeout = std::chrono::milliseconds(60000);
  std::thread freezer;
  o.after_boot = [&freezer](const HilFaultContext& ctx) {
    hang_interpreter(ctx);
    const int pid = ctx.process_id;
    freezer = std::thread([pid] {
      const auto cpu = [pid] {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        std::getline(in, line);
        const auto s = detail::parse_proc_stat(line);
        return s ? s->cpu_ticks : 0;
      };
      const std::uint64_t at_boot = cpu();
      const auto ticks_per_second = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
      while (cpu() < at_boot + ticks_per_second * 3 / 10) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::kill(pid, SIGSTOP);
    });
  };
  try {
    profile_model(graph(), Board::load(GetParam()), o);
    ADD_FAILURE() << "a frozen QEMU was reported as measured";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kDevice);
    EXPECT_NE(m.find("is stopped (SIGSTOP"), std::string::npos) << m;
    EXPECT_NE(m.find("while running RUN"), std::string::npos) << m;
  }
  if (freezer.joinable()) freezer.join();
}

TEST_P(HilFaults, QemuDyingEveryTimeEndsWithAnErrorNamingTheBoard) {
  ProfileOptions o = quick();
  o.after_boot = [](const HilFaultContext& ctx) { ::kill(ctx.process_id, SIGKILL); };
  try {
    profile_model(graph(), Board::load(GetParam()), o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDevice);
    EXPECT_NE(std::string(e.what()).find("board " + GetParam()), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Boards, HilFaults, ::testing::Values("qemu-netduinoplus2", "qemu-mps2-an500"));

} // namespace
} // namespace tinynas

// ---- the DSP paths on the targets: single-op models over an option grid, bit-exact with the host ----

namespace tinynas {
namespace {

TEST_P(HilQemu, KernelGridBitExactOnTarget) {
  std::vector<std::pair<std::string, Graph>> cases;
  for (int k : {3, 5, 7})
    for (int stride : {1, 2})
      for (TensorShape in : {TensorShape{7, 9, 5}, TensorShape{8, 8, 16}, TensorShape{3, 4, 3}})
        cases.emplace_back("depthwise k" + std::to_string(k) + " s" + std::to_string(stride) + " " +
                               std::to_string(in.h) + "x" + std::to_string(in.w) + "x" + std::to_string(in.c),
                           test::one_op(OpType::kDepthwiseConv, in, in.c, k, stride, true));
  for (int cin : {3, 5, 8, 19})
    for (int cout : {1, 3, 8}) {
      cases.emplace_back("pointwise " + std::to_string(cin) + "->" + std::to_string(cout),
                         test::one_op(OpType::kPointwiseConv, {3, 5, cin}, cout, 1, 1, false));
      cases.emplace_back("conv3x3s2 " + std::to_string(cin) + "->" + std::to_string(cout),
                         test::one_op(OpType::kConv, {7, 6, cin}, cout, 3, 2, true));
    }
  // the widened matrix products: 2-pixel blocks and the odd last pixel (15 pixels), rows in blocks of 4, 2 and
  // 1 (every remainder of out_c / 4), input channels with and without a remainder of n / 4
  for (int cin : {4, 19, 48})
    for (int cout : {5, 6, 7})
      cases.emplace_back("pointwise " + std::to_string(cin) + "->" + std::to_string(cout),
                         test::one_op(OpType::kPointwiseConv, {3, 5, cin}, cout, 1, 1, false));
  // the one-channel stem (tn_conv_1ch_s8): odd kernels, stride 1 and 2, odd sizes, channels not a multiple of 4
  for (int k : {3, 5, 7})
    for (int stride : {1, 2})
      for (TensorShape in : {TensorShape{7, 9, 1}, TensorShape{11, 10, 1}})
        for (int cout : {5, 8, 16, 19})
          cases.emplace_back("conv1ch k" + std::to_string(k) + " s" + std::to_string(stride) + " " +
                                 std::to_string(in.h) + "x" + std::to_string(in.w) + " ->" + std::to_string(cout),
                             test::one_op(OpType::kConv, in, cout, k, stride, true));
  for (int n : {4, 5, 16, 37})
    for (int m : {1, 3, 5, 6, 7, 10})
      cases.emplace_back("fc " + std::to_string(n) + "->" + std::to_string(m),
                         test::one_op(OpType::kFullyConnected, {1, 1, n}, m, 1, 1, false));
  ProfileOptions o;
  o.runs = 2;
  HilProfiler profiler(Board::load(GetParam()), o);
  for (const auto& [name, g] : cases) EXPECT_TRUE(profiler.profile(g).bit_exact) << name;
}

} // namespace
} // namespace tinynas

// ---- a board behind a GDB server on another host ----

#include "tcp_stream.hpp"
#include "tinynas/hil/qemu_board.hpp"

namespace tinynas {
namespace {

// An empty QEMU started here stands for one running on another host (and for the OpenOCD on the host a probe is
// plugged into: the same link): the link launches nothing, loads the firmware through the GDB port (QEMU has no
// memory map, so with M; the vFlash path is tested against a scripted OpenOCD in hil_tests) and resets the board
// with a monitor command. Started with the board's -icount, the counts are those of the local link, to the tick.
TEST_P(HilQemu, BoardBehindARemoteGdbServerMeasuresWhatTheLocalLinkMeasures) {
  const Board local = Board::load(GetParam());
  QemuLaunch launch; // no kernel: nothing but the machine
  launch.machine = local.link.qemu_machine;
  launch.icount_shift = local.link.icount_shift;
  QemuMachine server(launch);
  server.gdb().close(); // the link connects by itself, as to another host's port
  Board remote = local;
  remote.link.remote = "127.0.0.1:" + std::to_string(server.gdb_port());
  ASSERT_EQ(remote.link.reset_command, "system_reset"); // QEMU's monitor command; OpenOCD's is "reset halt"
  const Graph g = lower_to_graph(test::small_net());
  const ProfileResult a = profile_model(g, local);
  const ProfileResult b = profile_model(g, remote);
  EXPECT_TRUE(b.bit_exact);
  EXPECT_EQ(a.run_ticks, b.run_ticks);
  EXPECT_EQ(a.peak_sram_bytes_measured, b.peak_sram_bytes_measured);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) EXPECT_EQ(a.layers[i].ticks, b.layers[i].ticks) << a.layers[i].name;
}

TEST(HilRemote, NothingAtTheRemoteAddressIsABoardError) {
  Board remote = Board::load("stm32f746g-disco");
  if (!std::filesystem::exists(detail::firmware_image_path(remote))) GTEST_SKIP() << "firmware image not built";
  remote.link.remote = "127.0.0.1:" + std::to_string(detail::free_local_port());
  ProfileOptions o;
  o.retries = 0;
  try {
    profile_model(lower_to_graph(test::small_net()), remote, o);
    FAIL() << "profiled on a board nothing serves";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDevice);
    EXPECT_NE(std::string(e.what()).find("nothing answers at " + remote.link.remote), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace tinynas

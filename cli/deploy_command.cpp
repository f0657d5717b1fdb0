#include "deploy_command.hpp"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "child_run.hpp"
#include "int8_plan.hpp"
#include "subnet_source.hpp"
#include "text_output.hpp"
#include "tinynas/deploy/app_project.hpp"
#include "tinynas/deploy/model_c_source.hpp"
#include "tinynas/deploy/quantized_subnet.hpp"
#include "tinynas/hil/app_footprint.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/hil/openocd.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"

namespace tinynas::cli {

namespace fs = std::filesystem;

namespace {

// CMake configure and build, their output in DIR/build/{configure,build}.log. Error(kIo) with the log's end when
// either fails.
void build_project(const std::string& dir) {
  const fs::path build = fs::path(dir) / "build";
  fs::create_directories(build);
  const std::pair<std::string, std::vector<std::string>> steps[] = {
      {"configure", {"cmake", "-S", dir, "-B", build.string(), "-DCMAKE_BUILD_TYPE=Release"}},
      {"build", {"cmake", "--build", build.string()}}};
  for (const auto& [name, command] : steps) {
    const std::string log = (build / (name + ".log")).string();
    const int status = run_child(command, {log, true});
    if (status != 0) {
      const std::string text = files::read_file(log);
      throw Error(ErrorCode::kIo, fmt::format("`{}` failed (exit {}; {}): {}", fmt::join(command, " "), status, log,
                                              text.substr(text.size() > 2000 ? text.size() - 2000 : 0)));
    }
  }
}

double percent_over(std::int64_t measured, std::int64_t predicted) {
  return predicted > 0 ? 100.0 * static_cast<double>(measured - predicted) / static_cast<double>(predicted) : 0;
}

} // namespace

int run_deploy(const DeployOptions& options) {
  check_model_name(options.name);
  const Board board = Board::load(options.board);
  if (options.out.empty()) throw invalid_option("out", "give the project's directory");
  std::error_code ec;
  if (fs::exists(options.out, ec) && !fs::is_directory(options.out, ec))
    throw Error(ErrorCode::kInvalidArgument, "is not a directory: --out takes the project's directory", options.out);
  if (options.flash && board.emulated)
    throw invalid_option("flash", "board " + board.name +
                                      " is emulated: run the image under QEMU instead (the project's README.md)");
  if (options.flash && !options.build) throw invalid_option("flash", "needs the build (drop --no-build)");
  check_app_project_board(board); // before minutes of quantising, as every check above
  const CostOptions requested = schedule_cost_options(options.schedule, board); // --sram: what auto fits
  check_firmware_schedule(requested.schedule); // the application runs the profiling firmware's runtime
  ParallelismLimit threads(options.threads);
  const SubnetSource subnet = resolve_subnet(options.supernet, options.arch, options.model);

  QuantizeSubnetOptions qo;
  qo.data_dir = options.data;
  qo.seed = options.seed;
  qo.calibration_images = options.calibration_images;
  QuantizedSubnet q = quantize_trained_subnet(subnet.file, subnet.arch, qo);
  const PatchOptions plan = plan_int8_blob(q, options.schedule, &board);

  AppProjectOptions ao;
  ao.name = options.name;
  ao.normalization = q.normalization;
  ao.provenance = "Subnet " + q.arch_id + " of " + subnet.file + ", activation ranges from " +
                  std::to_string(q.calibration_images) + " training images (seed " + std::to_string(options.seed) + ")";
  const AppProject project = write_app_project(options.out, board, q.graph, q.model, q.blob, ao);
  nlohmann::json result = nlohmann::json::parse(files::read_file((fs::path(options.out) / "deploy.json").string()));
  if (!options.json)
    std::cout << fmt::format("wrote {} ({} files) for {} ({}): {} {}, blob {}, arena {}\n", options.out,
                             project.files.size(), board.name, board.core, q.arch_id,
                             plan.patches > 0
                                 ? fmt::format("in {0}x{0} patches up to block {1}", plan.patches, plan.split_block)
                                 : std::string("layer by layer (in-place depthwise)"),
                             format_bytes(project.blob_bytes), format_bytes(project.arena_bytes));
  if (options.build) {
    build_project(options.out);
    const std::string elf = (fs::path(options.out) / project.elf).string();
    const AppFootprint f = app_footprint(elf);
    result["linked"] = {{"flash_bytes", f.flash_bytes},
                        {"ram_bytes", f.ram_bytes},
                        {"arena_bytes", f.arena_bytes},
                        {"sram_bytes", f.sram_bytes()}};
    if (f.arena_bytes < project.arena_bytes)
      throw Error(
          ErrorCode::kInternal,
          fmt::format("the linked arena ({}) is smaller than the plan's ({})", f.arena_bytes, project.arena_bytes),
          elf);
    files::write_file_atomic((fs::path(options.out) / "deploy.json").string(), result.dump(2) + "\n");
    if (!options.json)
      std::cout << fmt::format("built {}\n  flash {} linked, {} predicted (blob + {} runtime): {:+.1f}%\n"
                               "  SRAM  {} linked, {} predicted (arena + {} runtime): {:+.1f}%\n",
                               elf, format_bytes(f.flash_bytes), format_bytes(project.predicted_flash_bytes),
                               format_bytes(static_cast<std::int64_t>(board.runtime_flash_bytes)),
                               percent_over(f.flash_bytes, project.predicted_flash_bytes), format_bytes(f.sram_bytes()),
                               format_bytes(project.predicted_sram_bytes),
                               format_bytes(static_cast<std::int64_t>(board.runtime_sram_bytes)),
                               percent_over(f.sram_bytes(), project.predicted_sram_bytes));
    if (options.flash) {
      OpenOcdLaunch launch;
      launch.board = board.name;
      launch.scripts = board.link.openocd_scripts;
      launch.probe_serial = board.link.probe_serial;
      OpenOcdServer server(launch); // no probe: Error(kDevice) with OpenOCD's words, exit 3

      server.tcl().program(fs::absolute(elf).string());
      server.tcl().reset_run();
      result["flashed"] = true;
      if (!options.json) std::cout << "programmed " << board.name << " and reset it\n";
    }
  }
  if (options.json) std::cout << result.dump(2) << "\n";
  return 0;
}

} // namespace tinynas::cli

#include "export_command.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "int8_plan.hpp"
#include "subnet_source.hpp"
#include "text_output.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/model_c_source.hpp"
#include "tinynas/deploy/quantized_subnet.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/supernet/onnx_export.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::cli {

namespace {

void write_onnx(const ExportOptions& options, const std::string& weights, const Arch& arch) {
  OnnxExportOptions xo;
  xo.fold_batch_norm = !options.keep_bn;
  const Supernet supernet = export_trained_onnx(weights, arch, options.data, options.seed, options.onnx, xo);
  std::cout << "exported " << arch.id() << " to " << options.onnx << " (input " << supernet.space().input_channels
            << "x" << arch.resolution << "x" << arch.resolution
            << ", pixels p of channel c as (p/255 - mean[c]) / std[c], " << supernet.input_normalization().describe()
            << "; BN " << (options.keep_bn ? "as BatchNormalization nodes" : "folded") << ")\n";
}

// The int8 model, quantised once for both the raw blob and the C source.
void write_int8(const ExportOptions& options, const std::string& weights, const Arch& arch,
                const std::optional<Board>& board) {
  QuantizeSubnetOptions qo;
  qo.data_dir = options.data;
  qo.seed = options.seed;
  qo.calibration_images = options.calibration_images;
  QuantizedSubnet q = quantize_trained_subnet(weights, arch, qo);
  plan_int8_blob(q, options.schedule, board ? &*board : nullptr);
  const ModelBlob& blob = q.blob;
  std::cout << "int8 model of " << q.arch_id << ": blob " << format_bytes(static_cast<std::int64_t>(blob.bytes.size()))
            << " (flash), arena " << format_bytes(blob.arena_bytes) << " (SRAM), activation ranges from "
            << q.calibration_images << " training images"
            << (blob.patches > 0 ? ", " + std::to_string(blob.patches) + "x" + std::to_string(blob.patches) +
                                       " patches up to op " + std::to_string(blob.split_op)
                                 : std::string())
            << "\n";
  if (!options.int8_blob.empty()) {
    files::write_file_atomic(options.int8_blob,
                             std::string_view(reinterpret_cast<const char*>(blob.bytes.data()), blob.bytes.size()));
    std::cout << "  wrote " << options.int8_blob << " (" << format_bytes(static_cast<std::int64_t>(blob.bytes.size()))
              << ")\n";
  }
  if (!options.c_source.empty()) {
    ModelCSourceOptions co;
    co.name = options.name;
    co.normalization = q.normalization;
    co.provenance = "Subnet " + q.arch_id + " of " + weights + ", activation ranges from " +
                    std::to_string(q.calibration_images) + " training images (seed " + std::to_string(options.seed) +
                    ").";
    const ModelCSource c = model_c_source(q.graph, q.model, blob, co);
    files::make_directory(options.c_source);
    const std::filesystem::path dir(options.c_source);
    for (const auto& [file, text] : {std::pair{c.header_file, c.header}, std::pair{c.source_file, c.source}}) {
      const std::string path = (dir / file).string();
      files::write_file_atomic(path, text);
      std::cout << "  wrote " << path << " (" << format_bytes(static_cast<std::int64_t>(text.size())) << ")\n";
    }
  }
}

} // namespace

int run_export(const ExportOptions& options) {
  const bool int8 = !options.int8_blob.empty() || !options.c_source.empty();
  if (options.onnx.empty() && !int8)
    throw Error(ErrorCode::kInvalidArgument,
                "nothing to export: give --onnx FILE, --int8-blob FILE and/or --c-source DIR");
  // Before minutes of work, not after: the C identifier and every output path.
  if (!options.c_source.empty()) check_model_name(options.name);
  for (const std::string& file : {options.onnx, options.int8_blob})
    if (!file.empty()) files::require_writable(file);
  std::error_code ec;
  if (!options.c_source.empty() && std::filesystem::exists(options.c_source, ec) &&
      !std::filesystem::is_directory(options.c_source, ec))
    throw Error(ErrorCode::kInvalidArgument, "is not a directory: --c-source takes one, for NAME.h and NAME.c",
                options.c_source);
  const Schedule schedule = schedule_cost_options(options.schedule).schedule;
  check_firmware_schedule(schedule); // the blob runs on the firmware's runtime
  if (schedule == Schedule::kAuto && options.board.empty())
    throw invalid_option("board", "--schedule auto fits the plan to a board's SRAM: give --board B (and --sram, as "
                                  "the search's)");
  if (options.board.empty() && !options.schedule.auto_sram.empty())
    throw invalid_option("sram", "needs --board B (the board whose runtime takes its share of the SRAM)");
  // Loaded before minutes of quantising, so that a bad board is refused first.
  const std::optional<Board> board =
      options.board.empty() ? std::nullopt : std::optional<Board>(Board::load(options.board));
  ParallelismLimit threads(options.threads);
  const SubnetSource subnet = resolve_subnet(options.supernet, options.arch, options.model);
  if (!options.onnx.empty()) write_onnx(options, subnet.file, subnet.arch);
  if (int8) write_int8(options, subnet.file, subnet.arch, board);
  return 0;
}

} // namespace tinynas::cli

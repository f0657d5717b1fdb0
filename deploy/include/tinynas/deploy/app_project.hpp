#pragma once
// `tinynas deploy`: a self-contained application project for one board, built with a plain
// `cmake -B build && cmake --build build` and Debian's arm-none-eabi-gcc.
//
//   DIR/CMakeLists.txt          the build (the toolchain file set before project()), -mcpu of the board's core
//   DIR/cmake/                  arm-none-eabi.cmake
//   DIR/runtime/                the int8 runtime (firmware/include, firmware/src), unchanged
//   DIR/model/                  NAME.{h,c}: the model blob as C (model_c_source), and tn_app_model.{h,c}: the
//                               names tn_app uses, the blob placed in the board's BLOB region
//   DIR/app/                    tn_app.{h,c}: tn_app_infer(input, output) over a static arena of the cost
//                               model's plan (no heap); main.c: an example reading inputs over semihosting;
//                               startup.c
//   DIR/board/                  <board>.memory.ld (the profiling firmware's memory map), app_sections.ld, app.ld
//   DIR/deploy.json             board, model, schedule and the cost model's flash and SRAM, for the build's check
//   DIR/README.md               build, run under QEMU, flash, and what to change for another board

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct AppProjectOptions {
  std::string name = "tinynas_model";              // the model's C name (check_model_name)
  std::optional<InputNormalization> normalization; // the C source's pixel lookup table
  std::string provenance;                          // arch id, model file: the sources' top comment
};

struct AppProject {
  std::string dir;
  std::string board;
  std::string elf = "build/tinynas_app.elf"; // relative to dir, after the build
  // The cost model's figures the linked image is checked against: flash = blob + the board's runtime flash,
  // SRAM = arena + the board's runtime SRAM (stack, runtime state).
  std::int64_t blob_bytes = 0, arena_bytes = 0;
  std::int64_t predicted_flash_bytes = 0, predicted_sram_bytes = 0;
  std::int64_t input_bytes = 0, output_bytes = 0;
  int patches = 0, split_block = -1;
  std::vector<std::string> files; // written, relative to dir
};

// The boards a project can be made for: those with a memory map (firmware/boards/<board>.memory.ld).
std::vector<std::string> app_project_boards();

// Error(kInvalidArgument) naming the board when a project cannot be made for it: no memory map or no core. Front
// ends call it before quantising.
void check_app_project_board(const Board& board);

// Writes the project into `dir` (created; files already there are replaced). Throws as check_app_project_board,
// and as model_c_source for a bad name.
AppProject write_app_project(const std::string& dir, const Board& board, const Graph& graph,
                             const QuantizedModel& model, const ModelBlob& blob, const AppProjectOptions& options);

} // namespace tinynas

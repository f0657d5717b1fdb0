#pragma once
// A model blob as C source for a firmware build: NAME.h and NAME.c, compiled into the application next to the
// int8 runtime (firmware/runtime_sources.cmake) instead of loading the blob from a file system, which MCUs
// rarely have.
//
//   NAME.c  the blob as `const uint32_t NAME_blob[]`: little-endian words of the blob bytes, so the array is
//           4-byte aligned as tn_model_load requires, and const so the linker keeps it in flash (.rodata).
//           NAME_BLOB_ATTRIBUTES (default: GCC's aligned(4)) may be predefined, e.g. to add a section.
//           With an input normalisation also `const int8_t NAME_input_lut[256]`: the int8 input value of each
//           raw pixel value (normalised, then quantize_value()), so the application needs no float maths.
//   NAME.h  the macros an application needs (all upper case, prefixed NAME_): BLOB_BYTES, ARENA_BYTES (the
//           memory plan's arena), INPUT_OFFSET / INPUT_BYTES / INPUT_HEIGHT / INPUT_WIDTH / INPUT_CHANNELS,
//           OUTPUT_OFFSET / OUTPUT_BYTES / OUTPUT_CLASSES, INPUT_SCALE / INPUT_ZERO_POINT and OUTPUT_SCALE /
//           OUTPUT_ZERO_POINT (real = scale * (q - zero_point)), INPUT_MEAN / INPUT_STD when known, and a
//           comment with the lines that run the model through tn_model_load / tn_model_invoke.
//
// The generated code is C99 and compiles warning-free with -Wall -Wextra -Wconversion -pedantic (tested, with
// the runtime, against run_blob_on_host byte for byte). Little-endian targets only, as the blob format.

#include <optional>
#include <string>

#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct ModelCSourceOptions {
  std::string name = "tinynas_model";              // a C identifier: file names, symbol and macro prefix
  std::optional<InputNormalization> normalization; // adds INPUT_MEAN / INPUT_STD and the pixel lookup table
  std::string provenance;                          // free text for the files' top comment (arch id, supernet)
};

struct ModelCSource {
  std::string header_file; // NAME.h
  std::string source_file; // NAME.c
  std::string header;      // its contents
  std::string source;
};

// Throws Error(kInvalidArgument), quoting the name, unless `name` is a C identifier and not a C keyword.
void check_model_name(const std::string& name);

// The prefix of NAME.h's macros: `name` in upper case (NAME_BLOB_BYTES, NAME_BLOB_ATTRIBUTES, ...).
std::string model_macro_prefix(const std::string& name);

// Throws as check_model_name for a bad name, and Error(kInternal) when the blob or the quantised model do not
// belong to the graph.
ModelCSource model_c_source(const Graph& graph, const QuantizedModel& model, const ModelBlob& blob,
                            const ModelCSourceOptions& options);

} // namespace tinynas

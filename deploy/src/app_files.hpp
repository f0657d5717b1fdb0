#pragma once
// The files a `tinynas deploy` project copies from this source tree (the runtime, the boards' memory maps, the
// application template, the toolchain file), compiled into the library (deploy/embed_files.cmake).

#include <string_view>
#include <vector>

namespace tinynas::detail {

struct EmbeddedFile {
  std::string_view path; // relative to the source tree, e.g. "firmware/src/tn_interpreter.c"
  std::string_view content;
};

const std::vector<EmbeddedFile>& app_files();

} // namespace tinynas::detail

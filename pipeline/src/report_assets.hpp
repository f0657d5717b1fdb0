#pragma once
// Files compiled into the pipeline (cmake/embed_files.cmake generates the definitions).

#include <string_view>

namespace tinynas::embedded {

std::string_view report_script();  // src/report.js: draws report.html's plots from its data
std::string_view chartjs_script(); // third_party/chartjs/chart.umd.min.js

} // namespace tinynas::embedded

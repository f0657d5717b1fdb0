#pragma once
// Private file helpers of the supernet module: whole-file reads with errors naming the file, and
// writes that survive a kill at any instant (temporary file next to the target, fsync, rename).

#include <string>
#include <string_view>

namespace tinynas::engine {

// Error(kInvalidFile) naming the path if the file cannot be read.
std::string read_binary_file(const std::string& path);
// Error(kIo) naming the path and the system's reason on failure.
void write_file_atomic(const std::string& path, std::string_view content);

} // namespace tinynas::engine

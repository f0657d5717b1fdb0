#pragma once
// Private file helper of the supernet module: whole-file reads with errors naming the file. (Writes go
// through space's files::write_file_atomic, tinynas/space/atomic_file.hpp.)

#include <string>

namespace tinynas::engine {

// Error(kInvalidFile) naming the path if the file cannot be read.
std::string read_binary_file(const std::string& path);

} // namespace tinynas::engine

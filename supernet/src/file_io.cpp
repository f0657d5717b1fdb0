#include "file_io.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tinynas/space/error.hpp"

namespace tinynas::engine {

std::string read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInvalidFile, std::string("cannot open for reading: ") + std::strerror(errno), path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kInvalidFile, "read failed", path);
  return ss.str();
}

} // namespace tinynas::engine

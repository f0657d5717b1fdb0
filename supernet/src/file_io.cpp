#include "file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "tinynas/space/error.hpp"

namespace tinynas::engine {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw Error(ErrorCode::kIo, what + ": " + std::strerror(error), path);
}

} // namespace

std::string read_binary_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInvalidFile, std::string("cannot open for reading: ") + std::strerror(errno), path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::kInvalidFile, "read failed", path);
  return ss.str();
}

void write_file_atomic(const std::string& path, std::string_view content) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temporary, errno);
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      fail("cannot write", temporary, error);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail("cannot sync", temporary, error);
  }
  if (::close(fd) != 0) fail("cannot close", temporary, errno);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename " + temporary + " to", path, errno);
}

} // namespace tinynas::engine

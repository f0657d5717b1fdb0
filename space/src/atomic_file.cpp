#include "tinynas/space/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "tinynas/space/error.hpp"

namespace tinynas::files {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw Error(ErrorCode::kIo, what + ": " + std::strerror(error), path);
}

void write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) continue; // a signal (Ctrl-C sets the stop flag) interrupted the call
      const int error = errno;
      ::close(fd);
      fail("cannot write", path, error);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
}

} // namespace

void write_file_atomic(const std::string& path, std::string_view content) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temporary, errno);
  write_all(fd, content, temporary);
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail("cannot sync", temporary, error);
  }
  if (::close(fd) != 0) fail("cannot close", temporary, errno);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename " + temporary + " to", path, errno);
}

void append_file(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot open", path, errno);
  write_all(fd, content, path);
  if (::close(fd) != 0) fail("cannot close", path, errno);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInvalidFile, "cannot open for reading", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void make_directory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(ErrorCode::kIo, "cannot create directory: " + error.message(), dir);
}

} // namespace tinynas::files

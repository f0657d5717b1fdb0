#include "tinynas/space/atomic_file.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::kInvalidArgument, "is a directory: give a file name (e.g. one inside it)", path);
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temporary, errno);
  // Nothing half-written stays behind: the temporary goes whatever fails after it was created.
  try {
    write_all(fd, content, temporary);
    if (::fsync(fd) != 0) {
      const int error = errno;
      ::close(fd);
      fail("cannot sync", temporary, error);
    }
    if (::close(fd) != 0) fail("cannot close", temporary, errno);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename " + temporary + " to", path, errno);
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

void require_writable(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(ErrorCode::kInvalidArgument, "is a directory: give a file name (e.g. one inside it)", path);
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!std::filesystem::is_directory(parent, ec))
    throw Error(ErrorCode::kInvalidArgument, "cannot be written: its directory " + parent.string() + " does not exist",
                path);
  if (::access(parent.c_str(), W_OK) != 0)
    throw Error(ErrorCode::kInvalidArgument,
                "cannot be written: " + std::string(std::strerror(errno)) + " in " + parent.string(), path);
}

void append_file(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot open", path, errno);
  write_all(fd, content, path);
  if (::close(fd) != 0) fail("cannot close", path, errno);
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
  auto unreadable = [&](const char* what, int error) {
    return Error(ErrorCode::kInvalidFile, std::string(what) + ": " + std::strerror(error), path);
  };
  auto too_large = [&] {
    return Error(ErrorCode::kInvalidFile,
                 "is larger than " + std::to_string(max_bytes >> 20) +
                     " MiB, the limit for this kind of file "
                     "(docs/FORMATS.md, \"Limits\")",
                 path);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw unreadable("cannot open for reading", errno);
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kInvalidFile, "is a directory", path);
  }
  std::string content;
  if (S_ISREG(info.st_mode)) {
    if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
      ::close(fd);
      throw too_large();
    }
    content.reserve(static_cast<std::size_t>(info.st_size));
  }
  char chunk[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw unreadable("cannot read", error);
    }
    if (content.size() + static_cast<std::size_t>(got) > max_bytes) { // a device or pipe without end
      ::close(fd);
      throw too_large();
    }
    content.append(chunk, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return content;
}

void make_directory(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error(ErrorCode::kIo, "cannot create directory: " + error.message(), dir);
}

std::string absolute_path(const std::string& path) {
  if (path.empty()) return path;
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) throw Error(ErrorCode::kIo, "cannot make the path absolute: " + error.message(), path);
  std::string normal = absolute.lexically_normal().string();
  if (normal.size() > 1 && normal.back() == '/') normal.pop_back(); // "run/" as "run"
  return normal;
}

} // namespace tinynas::files

#include "progress_line.hpp"

#include <cstdio>

#include <unistd.h>

namespace tinynas::cli {

namespace {

constexpr const char* kClearLine = "\r\033[K"; // back to column 0, erase to the end of the line

} // namespace

ProgressLine::ProgressLine() : ProgressLine(::isatty(STDERR_FILENO) == 1) {}

ProgressLine::ProgressLine(bool terminal) : tty_(terminal) {}

void ProgressLine::update(const std::string& text, bool force) {
  const auto now = std::chrono::steady_clock::now();
  const auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (shown_ && !force && now - last_ < interval) return;
  shown_ = true;
  last_ = now;
  if (tty_) {
    std::fprintf(stderr, "%s%s", kClearLine, text.c_str());
    open_line_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::print(const std::string& text) {
  if (open_line_) std::fputs(kClearLine, stderr);
  open_line_ = false;
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (open_line_) std::fputc('\n', stderr);
  open_line_ = false;
  std::fflush(stderr);
}

} // namespace tinynas::cli

#pragma once
// Plain-text helpers for the human-readable output of the commands: aligned tables and compact
// numbers. Machine-readable output is JSON and does not use these.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinynas::cli {

class TextTable {
public:
  enum class Align { kLeft, kRight };

  void add_column(std::string header, Align align = Align::kRight);
  // One cell per column.
  void add_row(std::vector<std::string> cells);
  // Header, a rule, then the rows; columns separated by two spaces, every line prefixed by `indent`.
  std::string render(const std::string& indent = "") const;

private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

// 81842000 -> "81.84M", 737408 -> "0.74M", 12345 -> "12.3K", 812 -> "812".
std::string format_count(std::int64_t n);
// 81842128 -> "81,842,128".
std::string format_grouped(std::int64_t n);
// 81842128 -> "81,842,128 B".
std::string format_bytes(std::int64_t n);
// Fixed decimals: format_fixed(3.14159, 2) -> "3.14".
std::string format_fixed(double value, int decimals);
// 0.5 -> "0.5", 0.75 -> "0.75", 1.0 -> "1.0".
std::string format_width(double width);
// A comma-joined list of numbers: {2,3,4} -> "2,3,4".
std::string join(const std::vector<int>& values, const char* separator = ",");
// `text` safe to print on a terminal: bytes that are not well-formed UTF-8, and control characters
// other than newline and tab, become \xNN escapes (as Python's "backslashreplace" shows them). Error
// messages quote file names and file contents, which need not be UTF-8.
std::string printable(std::string_view text);

} // namespace tinynas::cli

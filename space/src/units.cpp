#include "tinynas/space/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

// Splits "320KiB" into 320 and "kib" (lower case); false if there is no leading number.
bool split_number(std::string_view text, double& number, std::string& suffix) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || ptr != text.data() + i) return false;
  suffix.clear();
  for (char c : text.substr(i)) {
    if (c == ' ') continue;
    suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return true;
}

} // namespace

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  double number = 0;
  std::string suffix;
  auto bad = [&](const std::string& why) -> Error {
    return invalid_option(std::string(what), "\"" + std::string(text) + "\" is not a size (" + why +
                                                 "; use e.g. 320K, 320KB, 320KiB, 1M, 1MB or a byte count)");
  };
  if (!split_number(text, number, suffix)) throw bad("no number");
  double scale = 0;
  if (suffix.empty() || suffix == "b") scale = 1;
  else if (suffix == "k" || suffix == "kb" || suffix == "kib") scale = 1024.0;
  else if (suffix == "m" || suffix == "mb" || suffix == "mib") scale = 1024.0 * 1024.0;
  else if (suffix == "g" || suffix == "gb" || suffix == "gib") scale = 1024.0 * 1024.0 * 1024.0;
  else throw bad("unknown unit \"" + suffix + "\"");
  double bytes = number * scale;
  if (bytes <= 0) throw bad("must be positive");
  if (bytes > kMaxSizeBytes) throw bad("too large");
  if (std::floor(bytes) != bytes) throw bad("not a whole number of bytes");
  return static_cast<std::uint64_t>(bytes);
}

double parse_duration_ms(std::string_view text, std::string_view what) {
  double number = 0;
  std::string suffix;
  auto bad = [&](const std::string& why) -> Error {
    return invalid_option(std::string(what),
                          "\"" + std::string(text) + "\" is not a duration (" + why + "; use e.g. 500ms, 1.2s, 800us)");
  };
  if (!split_number(text, number, suffix)) throw bad("no number");
  double scale = 0;
  if (suffix.empty() || suffix == "ms") scale = 1;
  else if (suffix == "s") scale = 1000;
  else if (suffix == "us") scale = 1e-3;
  else throw bad("unknown unit \"" + suffix + "\"");
  if (number <= 0) throw bad("must be positive");
  return number * scale;
}

std::string format_size(std::uint64_t bytes) {
  char buf[64];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < 1024ull * 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

} // namespace tinynas

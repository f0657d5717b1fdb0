#include "tinynas/space/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <span>
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

// A suffix (lower case; "" for the number alone) and what it multiplies the number by.
struct Unit {
  std::string_view suffix;
  double scale;
};

// What a parser reads: its kind of value and how one is written (for the error), its units.
struct UnitGrammar {
  ValueWording wording;
  std::span<const Unit> units;
};

constexpr double kKiB = 1024.0, kMiB = kKiB * kKiB, kGiB = kMiB * kKiB;
constexpr Unit kSizeUnits[] = {{"", 1},      {"b", 1},      {"k", kKiB}, {"kb", kKiB}, {"kib", kKiB}, {"m", kMiB},
                               {"mb", kMiB}, {"mib", kMiB}, {"g", kGiB}, {"gb", kGiB}, {"gib", kGiB}};
constexpr UnitGrammar kSize{{"size", "320K, 320KB, 320KiB, 1M, 1MB or a byte count"}, kSizeUnits};
constexpr Unit kDurationUnits[] = {{"", 1}, {"ms", 1}, {"s", 1000}, {"us", 1e-3}};
constexpr UnitGrammar kDuration{{"duration", "500ms, 1.2s, 800us"}, kDurationUnits};
constexpr Unit kRunTimeUnits[] = {{"", 60}, {"min", 60}, {"m", 60}, {"s", 1}, {"h", 3600}};

Error bad_value(const UnitGrammar& g, std::string_view text, std::string_view what, const std::string& why) {
  return invalid_option(std::string(what), "\"" + std::string(text) + "\" is not a " + std::string(g.wording.kind) +
                                               " (" + why + "; use e.g. " + std::string(g.wording.examples) + ")");
}

// text's number times its unit's scale.
double scaled_number(const UnitGrammar& g, std::string_view text, std::string_view what) {
  double number = 0;
  std::string suffix;
  if (!split_number(text, number, suffix)) throw bad_value(g, text, what, "no number");
  for (const Unit& u : g.units)
    if (suffix == u.suffix) return number * u.scale;
  throw bad_value(g, text, what, "unknown unit \"" + suffix + "\"");
}

} // namespace

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  const double bytes = scaled_number(kSize, text, what);
  if (bytes <= 0) throw bad_value(kSize, text, what, "must be positive");
  if (bytes > kMaxSizeBytes) throw bad_value(kSize, text, what, "too large");
  if (std::floor(bytes) != bytes) throw bad_value(kSize, text, what, "not a whole number of bytes");
  return static_cast<std::uint64_t>(bytes);
}

double parse_duration_ms(std::string_view text, std::string_view what) {
  const double ms = scaled_number(kDuration, text, what);
  if (ms <= 0) throw bad_value(kDuration, text, what, "must be positive");
  return ms;
}

double parse_run_time_s(std::string_view text, std::string_view what, const ValueWording& wording) {
  return scaled_number(UnitGrammar{wording, kRunTimeUnits}, text, what);
}

std::string format_size(std::uint64_t bytes) {
  char buf[64];
  if (bytes < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < 1024ull * 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string size_flag(std::uint64_t bytes) {
  constexpr std::uint64_t kKi = 1024;
  if (bytes > 0 && bytes % (kKi * kKi * kKi) == 0) return std::to_string(bytes / (kKi * kKi * kKi)) + "G";
  if (bytes > 0 && bytes % (kKi * kKi) == 0) return std::to_string(bytes / (kKi * kKi)) + "M";
  if (bytes > 0 && bytes % kKi == 0) return std::to_string(bytes / kKi) + "K";
  return std::to_string(bytes) + "B";
}

} // namespace tinynas

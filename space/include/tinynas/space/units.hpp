#pragma once
// Parsing and printing of byte sizes and durations as users type them (a CLI flag, a Python argument).

#include <cstdint>
#include <string>
#include <string_view>

namespace tinynas {

// "320K", "320KB", "320KiB", "1M", "1MB", "1MiB", "2G", "4096", "4096B" -> bytes. K/M/G are
// powers of 1024 (as MCU datasheets and MCUNet use them). Case-insensitive suffix; a decimal
// number is allowed ("1.5M") when it gives a whole number of bytes.
// Throws invalid_option(what, ...) on anything else, or above kMaxSizeBytes: `what` names the option ("sram").
std::uint64_t parse_size(std::string_view text, std::string_view what = "size");
// The largest size parse_size takes (and a board file's byte count): 10^15 bytes, far above any microcontroller.
inline constexpr double kMaxSizeBytes = 1e15;

// "500ms", "1.2s", "800us", "250" (milliseconds) -> milliseconds.
double parse_duration_ms(std::string_view text, std::string_view what = "duration");

// How an error names a kind of value and shows how to write one: "\"soon\" is not a time budget (no number;
// use e.g. 45min, 1.5h, 2700s, or none)".
struct ValueWording {
  std::string_view kind;
  std::string_view examples;
};
inline constexpr ValueWording kRunTimeWording{"time", "45min, 1.5h, 2700s"};

// How long a run may take: "45min", "45m", "1.5h", "2700s", "45" (minutes) -> seconds. Zero is allowed
// (a caller may read it as "no limit"). A caller that also takes words of its own ("none") passes its wording.
double parse_run_time_s(std::string_view text, std::string_view what = "time",
                        const ValueWording& wording = kRunTimeWording);

// 339968 -> "332.0 KiB"; below 1 KiB "812 B".
std::string format_size(std::uint64_t bytes);

// A size as a person types it on a command line, exact (parse_size gives `bytes` back): 98304 -> "96K",
// 1048576 -> "1M", 98305 -> "98305B".
std::string size_flag(std::uint64_t bytes);

} // namespace tinynas

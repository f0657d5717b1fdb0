#pragma once
// The one exception type of TinyNAS. Every error a user can cause (a bad file, a value outside
// the search space, an impossible budget) is a tinynas::Error carrying a category, the file it
// came from and the JSON Pointer of the offending field, so messages read
//   "configs/spaces/x.json: /stages/3/kernels/0: 9 is not one of the space's kernels [3,5,7]".
// The CLI maps the category to an exit code (see exit_code()).

#include <stdexcept>
#include <string>

namespace tinynas {

enum class ErrorCode {
  kInvalidArgument, // a flag or argument value is malformed (e.g. a size "12Q")
  kInvalidFile,     // a file is unreadable, malformed, or a field holds a bad value
  kOutOfSpace,      // an arch is not a member of the search space it claims
  kInfeasible,      // no subnet of the space can meet the constraints
  kInterrupted,     // the user asked to stop (Ctrl-C); results so far were saved
  kIo,              // writing a result or checkpoint failed; a connection dropped or timed out
  kDevice,          // a board, emulator or debug probe failed for good: not attached, no answer, died, hung
  kInternal,        // a broken invariant: a bug in TinyNAS
};

class Error : public std::runtime_error {
public:
  Error(ErrorCode code, std::string message, std::string file = {}, std::string field = {});

  ErrorCode code() const noexcept { return code_; }
  const std::string& file() const noexcept { return file_; }
  // JSON Pointer (RFC 6901) of the offending value, e.g. "/stages/3/kernels/0"; for a bad option
  // (invalid_option) the option's name; may be empty.
  const std::string& field() const noexcept { return field_; }
  // The bare message, without file and field prefixes.
  const std::string& message() const noexcept { return message_; }

private:
  ErrorCode code_;
  std::string message_;
  std::string file_;
  std::string field_;
};

// Error(kInvalidArgument) for an option holding a bad value. The option is named as the library's
// API spells it ("population", "data_dir", a Python keyword), never as a CLI flag, in field() and,
// in backticks, inside the message ("only `generations` may grow"); the CLI rewrites both to its
// flags. what() reads "population: must be at least 1, found 0".
Error invalid_option(std::string option, std::string message);

// Process exit code for an error category: 2 for bad input and infeasible constraints (the
// user must change something), 3 for a board that failed (a farm job retries elsewhere or later),
// 130 for an interrupt, 1 for I/O and internal failures.
int exit_code(ErrorCode code) noexcept;

} // namespace tinynas

#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {
std::string compose(const std::string& message, const std::string& file, const std::string& field) {
  std::string out;
  if (!file.empty()) out += file + ": ";
  if (!field.empty()) out += field + ": ";
  return out + message;
}
} // namespace

Error::Error(ErrorCode code, std::string message, std::string file, std::string field)
    : std::runtime_error(compose(message, file, field)), code_(code), message_(std::move(message)),
      file_(std::move(file)), field_(std::move(field)) {}

Error invalid_option(std::string option, std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), {}, std::move(option));
}

int exit_code(ErrorCode code) noexcept {
  switch (code) {
  case ErrorCode::kInvalidArgument:
  case ErrorCode::kInvalidFile:
  case ErrorCode::kOutOfSpace:
  case ErrorCode::kInfeasible: return 2;
  case ErrorCode::kDevice: return 3;
  case ErrorCode::kInterrupted: return 130;
  case ErrorCode::kIo:
  case ErrorCode::kInternal: return 1;
  }
  return 1;
}

} // namespace tinynas

#include "json_util.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace tinynas::json_util {

namespace {
// nlohmann's what() starts with its exception id ("[json.exception.parse_error.101] "): noise to a
// user, who reads the reason after it.
std::string without_exception_id(const std::string& what) {
  const std::size_t end = what.find("] ");
  return what.starts_with("[json.exception.") && end != std::string::npos ? what.substr(end + 2) : what;
}
} // namespace

json parse(std::string_view text, std::string_view file) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // An empty file, or one cut short (a full disk, an interrupted copy), fails past its end: say so plainly.
    const bool blank = text.find_first_not_of(" \t\r\n") == std::string_view::npos;
    const std::string reason = blank                  ? "the file is empty"
                               : e.byte > text.size() ? "the file ends in the middle of a value (truncated?)"
                                                      : without_exception_id(e.what());
    throw Error(ErrorCode::kInvalidFile, "malformed JSON at byte " + std::to_string(e.byte) + ": " + reason,
                std::string(file));
  } catch (const json::exception& e) {
    // The parser's other refusal: a number beyond double's range ("1e400"), out_of_range.406. Found by fuzzing;
    // it escaped as an internal error before.
    throw Error(ErrorCode::kInvalidFile, "malformed JSON: " + without_exception_id(e.what()), std::string(file));
  }
}

std::string first_difference(const json& recorded, const json& now, std::string_view recorded_as) {
  const json a = recorded.flatten(), b = now.flatten();
  const std::string in = fmt::format(" in {}", recorded_as);
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key)) return fmt::format("{}: {}{}, absent now", key, value.dump(), in);
    if (b.at(key) != value) return fmt::format("{}: {}{}, {} now", key, value.dump(), in, b.at(key).dump());
  }
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) return fmt::format("{}: absent{}, {} now", key, in, value.dump());
  return {};
}

namespace {
std::string escape_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}
const char* type_name(const json& v) { return v.type_name(); }
} // namespace

void Field::fail(const std::string& message) const {
  throw Error(ErrorCode::kInvalidFile, message, file_, pointer_.empty() ? "/" : pointer_);
}

Field Field::at(const char* key) const {
  if (!value_->is_object()) fail(std::string("expected an object, found ") + type_name(*value_));
  auto it = value_->find(key);
  if (it == value_->end()) fail(std::string("missing required field \"") + key + "\"");
  return Field(*it, file_, pointer_ + "/" + escape_token(key));
}

Field Field::at(std::size_t index) const {
  if (!value_->is_array()) fail(std::string("expected an array, found ") + type_name(*value_));
  if (index >= value_->size()) fail("index " + std::to_string(index) + " out of range");
  return Field((*value_)[index], file_, pointer_ + "/" + std::to_string(index));
}

std::size_t Field::size() const {
  if (!value_->is_array()) fail(std::string("expected an array, found ") + type_name(*value_));
  return value_->size();
}

int Field::as_int() const {
  if (value_->is_number_integer()) {
    auto v = value_->get<long long>();
    if (v < -(1LL << 30) || v > (1LL << 30)) fail("integer " + std::to_string(v) + " out of range");
    return static_cast<int>(v);
  }
  if (value_->is_number_float()) {
    double d = value_->get<double>();
    if (std::floor(d) == d && std::abs(d) < (1 << 30)) return static_cast<int>(d);
    fail("expected an integer, found " + value_->dump());
  }
  fail(std::string("expected an integer, found ") + type_name(*value_));
}

std::int64_t Field::as_int64() const {
  if (!value_->is_number_integer()) fail(std::string("expected an integer, found ") + type_name(*value_));
  if (value_->is_number_unsigned() &&
      value_->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail("integer " + value_->dump() + " out of range");
  return value_->get<std::int64_t>();
}

std::uint64_t Field::as_uint64() const {
  if (!value_->is_number_integer()) fail(std::string("expected an integer, found ") + type_name(*value_));
  if (!value_->is_number_unsigned()) fail("expected a non-negative integer, found " + value_->dump());
  return value_->get<std::uint64_t>();
}

double Field::as_double() const {
  if (!value_->is_number()) fail(std::string("expected a number, found ") + type_name(*value_));
  return value_->get<double>();
}

bool Field::as_bool() const {
  if (!value_->is_boolean()) fail(std::string("expected true or false, found ") + type_name(*value_));
  return value_->get<bool>();
}

std::string Field::as_string() const {
  if (!value_->is_string()) fail(std::string("expected a string, found ") + type_name(*value_));
  return value_->get<std::string>();
}

std::vector<int> Field::as_int_list() const {
  std::vector<int> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = at(i).as_int();
  return out;
}

std::vector<double> Field::as_double_list() const {
  std::vector<double> out(size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = at(i).as_double();
  return out;
}

} // namespace tinynas::json_util

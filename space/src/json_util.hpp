#pragma once
// Private helpers for reading JSON with errors that name the file and the JSON Pointer of the
// field. Used by every loader in space/ and, through the CMake target tinynas_internal_json (linked
// PRIVATE, never installed), by the loaders of later modules, so every file error reads the same.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinynas/space/error.hpp"

namespace tinynas::json_util {

using nlohmann::json;

// Parses text; throws Error(kInvalidFile) with the parser's byte position on malformed JSON (and
// "truncated?" when the text ends before the JSON does).
json parse(std::string_view text, std::string_view file);

// "" when the documents are equal, else the first value they disagree on, by JSON Pointer:
// "/constraints/sram_bytes: 327680 in the checkpoint, 262144 now" (`recorded_as`: "the checkpoint").
std::string first_difference(const json& recorded, const json& now, std::string_view recorded_as);

// A cursor on a JSON value that knows its file and pointer, so every accessor can complain
// precisely: Field(j, "x.json").at("stages").at(3).get_int("kernel").
class Field {
public:
  Field(const json& value, std::string file, std::string pointer = "")
      : value_(&value), file_(std::move(file)), pointer_(std::move(pointer)) {}

  const json& value() const { return *value_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& file() const { return file_; }

  bool has(const char* key) const { return value_->is_object() && value_->contains(key); }
  Field at(const char* key) const;   // required member of an object
  Field at(std::size_t index) const; // element of an array
  std::size_t size() const;          // array length (requires an array)

  int as_int() const; // |value| <= 2^30
  std::int64_t as_int64() const;
  std::uint64_t as_uint64() const; // seeds, byte counts
  double as_double() const;
  bool as_bool() const;
  std::string as_string() const;
  std::vector<int> as_int_list() const;
  std::vector<double> as_double_list() const;

  int get_int(const char* key) const { return at(key).as_int(); }
  int get_int(const char* key, int fallback) const { return has(key) ? at(key).as_int() : fallback; }
  std::int64_t get_int64(const char* key) const { return at(key).as_int64(); }
  std::int64_t get_int64(const char* key, std::int64_t fallback) const {
    return has(key) ? at(key).as_int64() : fallback;
  }
  bool get_bool(const char* key) const { return at(key).as_bool(); }
  bool get_bool(const char* key, bool fallback) const { return has(key) ? at(key).as_bool() : fallback; }
  double get_double(const char* key) const { return at(key).as_double(); }
  double get_double(const char* key, double fallback) const { return has(key) ? at(key).as_double() : fallback; }
  std::string get_string(const char* key) const { return at(key).as_string(); }
  std::string get_string(const char* key, std::string fallback) const {
    return has(key) ? at(key).as_string() : fallback;
  }

  [[noreturn]] void fail(const std::string& message) const;

private:
  const json* value_;
  std::string file_;
  std::string pointer_;
};

// Loads a document embedded in this file (a board inside a checkpoint) with its own loader, whose
// errors then name this file and the full pointer: "cp.json: /config/space/stages/0/depths: ...".
// `load(text, label)` gets the embedded text and a label for it ("cp.json (space)").
template <typename Load>
auto load_embedded(const Field& f, const std::string& what, Load load) {
  try {
    return load(f.value().dump(), f.file() + " (" + what + ")");
  } catch (const Error& e) {
    throw Error(e.code(), e.message(), f.file(), f.pointer() + (e.field() == "/" ? "" : e.field()));
  }
}

} // namespace tinynas::json_util

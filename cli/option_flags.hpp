#pragma once
// The library names an option as its API spells it (`population`, `data_dir`, a Python keyword);
// the CLI spells it as a flag (--population, --data). One table maps the two, so the library's
// errors read in the CLI's terms when main prints them.

#include <string>
#include <string_view>

#include "tinynas/space/error.hpp"

namespace tinynas::cli {

// "--population" for "population", "--data" for "data_dir"; "" for a name that is not an option.
std::string_view flag_of(std::string_view option);

// e.what() with option names as flags: the option at fault (field(), see invalid_option) and every
// option named in backticks in the message. Anything else is printed as the library wrote it.
std::string message_with_flags(const Error& e);

} // namespace tinynas::cli

#pragma once
// What every fuzz target shares. A target feeds one input to a loader: a tinynas::Error is the loader refusing bad
// input, as it must; anything else escaping (std::bad_alloc, nlohmann::json's exceptions, std::out_of_range), a
// crash or a sanitizer report is a finding. Round trips (write what was read, read it again, compare) turn a
// loader that accepts input into a check of what it understood.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tinynas/space/error.hpp"

namespace tinynas::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Inputs a loader accepted so far (the replay test reports it: a corpus the loaders all refuse tests little).
inline std::size_t accepted = 0;

// Runs `load`; swallows the Error a loader throws for bad input.
template <typename F>
void refuse_or_accept(F&& load) {
  try {
    load();
    ++accepted;
  } catch (const Error&) {
  }
}

// A broken invariant: abort, so libFuzzer saves the input and the replay test fails.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

} // namespace tinynas::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

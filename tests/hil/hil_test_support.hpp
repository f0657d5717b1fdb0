#pragma once
// Shared by the HIL tests: the checks that skip QEMU tests cleanly where the firmware or QEMU is missing. The
// small networks they run are in tests/test_networks.hpp.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "../test_networks.hpp"

namespace tinynas::hil_test {

inline bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string p = path;
  std::size_t start = 0;
  while (start <= p.size()) {
    const std::size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / name)) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

} // namespace tinynas::hil_test

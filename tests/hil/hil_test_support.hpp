#pragma once
// Shared by the HIL tests: small networks that fit the emulated boards, and the checks that skip QEMU tests
// cleanly where the firmware or QEMU is missing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas::hil_test {

// 12x12x3 input, first conv 3x3/2 -> 6x6x8; block 0 (expand 1, dw 3x3, project 8); block 1 (expand 3 -> 24,
// dw 5x5, project 8, residual); block 2 (expand 4 -> 32, dw 7x7 stride 2, project 16); pool; FC 16 -> 10.
// Every op type and both depthwise kernels, in a few thousand MACs.
inline NetSpec small_net(int resolution = 12, int input_channels = 3) {
  NetSpec net;
  net.name = "hil-small";
  net.resolution = resolution;
  net.input_channels = input_channels;
  net.first_conv = {input_channels, 8, 3, 2};
  net.blocks.push_back({8, 8, 8, 3, 1, 1, false});
  net.blocks.push_back({8, 24, 8, 5, 1, 3, true});
  net.blocks.push_back({8, 32, 16, 7, 2, 4, false});
  net.num_classes = 10;
  return net;
}

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

#pragma once
// A network small enough to cost by hand (tests/profiler/README of the numbers is in the tests):
// input 8x8x1; first conv 3x3/2 -> 4x4x4; block 0: expand 1, dw 3x3, project to 8;
// block 1: expand 8 -> 16, dw 3x3, project to 8, residual add; pool; FC 8 -> 10.

#include "tinynas/space/net_spec.hpp"

namespace tinynas::testing {

inline NetSpec tiny_net() {
  NetSpec net;
  net.name = "tiny";
  net.resolution = 8;
  net.input_channels = 1;
  net.first_conv = {1, 4, 3, 2};
  net.blocks.push_back({4, 4, 8, 3, 1, 1, false});
  net.blocks.push_back({8, 16, 8, 3, 1, 2, true});
  net.num_classes = 10;
  return net;
}

} // namespace tinynas::testing

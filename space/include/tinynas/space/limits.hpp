#pragma once
// The largest values the loaders accept (docs/FORMATS.md, "Limits"). They sit far above any network
// a microcontroller runs, and they bound what a malformed or hostile file can make the tools
// allocate: every count is checked against them before it is converted or used to size anything.

#include <cstdint>

namespace tinynas::limits {

inline constexpr int kMaxChoices = 64;       // entries of a space's choice list (widths, resolutions, ...)
inline constexpr int kMaxStages = 16;        // stages of a space
inline constexpr int kMaxDepth = 32;         // blocks of one stage
inline constexpr int kMaxBlocks = 256;       // blocks of a network
inline constexpr int kMaxKernel = 15;        // convolution kernel size
inline constexpr int kMaxExpand = 16;        // expand ratio of an inverted-residual block
inline constexpr int kMaxStride = 2;         // convolution stride
inline constexpr int kMaxResolution = 1024;  // input pixels per side
inline constexpr double kMaxWidthMult = 16;  // width multiplier
inline constexpr int kMaxChannels = 16384;   // channels of any layer (base width x width x expand)
inline constexpr int kMaxInputChannels = 16; // image channels
inline constexpr int kMaxClasses = 100000;   // classifier outputs
inline constexpr int kMaxPatches = 16;       // patch schedule: an n x n grid, n at most this

} // namespace tinynas::limits

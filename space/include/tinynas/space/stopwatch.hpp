#pragma once
// Wall-clock seconds on the steady clock, for progress, checkpoints and time plans: one definition for every module
// that times its own work.

#include <chrono>

namespace tinynas {

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace tinynas

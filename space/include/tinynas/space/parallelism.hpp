#pragma once
// Limits the threads TinyNAS's parallel work uses (all of it runs on oneTBB: stage 1, the supernet
// engine, int8 accuracy) for as long as the object lives, without exposing oneTBB to callers (the
// CLI's --threads, the Python bindings' threads=, benchmarks at equal threads). Results never
// depend on it: the parallel loops are deterministic.

#include <memory>

namespace tinynas {

class ParallelismLimit {
public:
  // threads <= 0: no limit (all cores).
  explicit ParallelismLimit(int threads);
  ~ParallelismLimit();
  ParallelismLimit(const ParallelismLimit&) = delete;
  ParallelismLimit& operator=(const ParallelismLimit&) = delete;

  // The number of threads parallel work may use now.
  static int current();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tinynas

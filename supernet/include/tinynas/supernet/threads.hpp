#pragma once
// Limits the threads the supernet engine uses (oneTBB) for as long as the object lives, without
// exposing oneTBB to callers (the CLI's --threads, benchmarks against PyTorch at equal threads).
// Results never depend on it: the engine's parallel loops are deterministic.

#include <memory>

namespace tinynas {

class ParallelismScope {
public:
  // threads <= 0: no limit (all cores).
  explicit ParallelismScope(int threads);
  ~ParallelismScope();
  ParallelismScope(const ParallelismScope&) = delete;
  ParallelismScope& operator=(const ParallelismScope&) = delete;

  // The number of threads parallel work may use now.
  static int current();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tinynas

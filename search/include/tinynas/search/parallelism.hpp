#pragma once
// Limits the threads the search uses (stage 1 runs on oneTBB) for as long as the object lives,
// without exposing oneTBB to callers (the CLI's --threads, the Python bindings' threads=).

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

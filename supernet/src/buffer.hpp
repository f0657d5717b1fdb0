#pragma once
// A 64-byte aligned float array that is allocated once and reused: the engine plans its buffers up
// front (glibc returns large blocks to the OS and page-faults them back in on every malloc, so
// allocating tensors per batch would cost more than some layers do). Contents are uninitialised.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace tinynas::engine {

class FloatBuffer {
public:
  FloatBuffer() = default;
  explicit FloatBuffer(std::int64_t count) { resize(count); }

  // Discards the contents when the capacity grows.
  void resize(std::int64_t count) {
    if (count <= capacity_) {
      size_ = count;
      return;
    }
    const std::size_t bytes = (static_cast<std::size_t>(count) * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    data_.reset(static_cast<float*>(p));
    capacity_ = size_ = count;
  }
  void zero() {
    if (size_ > 0) std::memset(data_.get(), 0, static_cast<std::size_t>(size_) * sizeof(float));
  }

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::int64_t size() const { return size_; }
  float& operator[](std::int64_t i) { return data_.get()[i]; }
  float operator[](std::int64_t i) const { return data_.get()[i]; }

private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  std::int64_t size_ = 0;
  std::int64_t capacity_ = 0;
};

} // namespace tinynas::engine

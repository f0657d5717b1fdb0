#pragma once
// Finite-difference gradient checks for the supernet engine's tests: central differences of a
// scalar loss (accumulated in double) against the analytic gradient, entry by entry.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace tinynas::test {

inline std::vector<float> random_values(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

// loss = sum_i r_i y_i with fixed random r: every output entry influences the loss differently.
inline double weighted_sum(const float* y, const std::vector<float>& r) {
  double s = 0;
  for (std::size_t i = 0; i < r.size(); ++i) s += static_cast<double>(r[i]) * y[i];
  return s;
}

// Checks d loss / d x[i] for up to `max_checks` entries of x (spread evenly) against analytic[i].
// Passes when |fd - analytic| <= atol + rtol * max(|fd|, |analytic|). `skip` excludes entries where
// the loss is not differentiable within eps (an activation kink).
inline void expect_gradient(const std::string& what, const std::function<double()>& loss, float* x, std::size_t n,
                            const float* analytic, double eps, double rtol, double atol, std::size_t max_checks = 400,
                            const std::function<bool(std::size_t)>& skip = {}) {
  const std::size_t step = std::max<std::size_t>(1, n / max_checks);
  int failures = 0;
  for (std::size_t i = 0; i < n; i += step) {
    if (skip && skip(i)) continue;
    const float saved = x[i];
    x[i] = static_cast<float>(saved + eps);
    const double up = loss();
    x[i] = static_cast<float>(saved - eps);
    const double down = loss();
    x[i] = saved;
    const double fd = (up - down) / (2 * eps);
    const double an = analytic[i];
    if (std::abs(fd - an) > atol + rtol * std::max(std::abs(fd), std::abs(an))) {
      if (++failures <= 5) ADD_FAILURE() << what << "[" << i << "]: finite difference " << fd << " vs analytic " << an;
    }
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures << " mismatching entries";
}

// For whole networks with ReLU6: an activation that crosses a kink between x - eps and x + eps
// spoils the central difference though the analytic gradient (the derivative of the piece x lies
// on) is right. Accept an entry if the central, forward or backward difference agrees, at eps or
// eps / 4 (a kink on one side leaves the other side's one-sided difference clean).
inline void expect_gradient_piecewise(const std::string& what, const std::function<double()>& loss, float* x,
                                      std::size_t n, const float* analytic, double eps, double rtol, double atol,
                                      std::size_t max_checks) {
  const std::size_t step = std::max<std::size_t>(1, n / max_checks);
  const double centre = loss();
  int failures = 0;
  for (std::size_t i = 0; i < n; i += step) {
    const float saved = x[i];
    const double an = analytic[i];
    bool ok = false;
    std::string tried;
    for (double e : {eps, eps / 4}) {
      x[i] = static_cast<float>(saved + e);
      const double up = loss();
      x[i] = static_cast<float>(saved - e);
      const double down = loss();
      x[i] = saved;
      for (double fd : {(up - down) / (2 * e), (up - centre) / e, (centre - down) / e}) {
        ok |= std::abs(fd - an) <= atol + rtol * std::max(std::abs(fd), std::abs(an));
        tried += " " + std::to_string(fd);
      }
      if (ok) break;
    }
    if (!ok && ++failures <= 5) ADD_FAILURE() << what << "[" << i << "]: analytic " << an << ", differences" << tried;
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures << " mismatching entries";
}

} // namespace tinynas::test

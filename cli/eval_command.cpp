#include "eval_command.hpp"

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/hil/board_accuracy.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/stopwatch.hpp"

namespace tinynas::cli {

namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * fraction);
  return buf;
}

int run_eval_on_board(const EvalOptions& options, const SubnetSource& subnet) {
  HilProfiler profiler(Board::load(options.on_board)); // a board without firmware is refused before any work
  profiler.connect();                                  // and one that does not answer fails before it
  const Int8EvaluationSet set = int8_evaluation_set(subnet.file, subnet.arch, options.accuracy);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const BoardAccuracy r = measure_accuracy_on_board(profiler, BoardAccuracyTask::from(set), [&](int done, int total) {
    if (tty)
      std::fprintf(stderr, "\ron %s: %d/%d images%s", options.on_board.c_str(), done, total, done == total ? "\n" : "");
  });
  if (options.json) {
    std::cout << r.to_json(2) << "\n";
  } else {
    std::cout << r.arch_id << " on " << r.board << ": int8 top-1 " << percent(r.board_accuracy()) << " on " << r.images
              << " " << options.accuracy.split << " images; host runtime " << percent(r.host_accuracy())
              << "; outputs identical on " << r.identical_outputs << " of " << r.images << " (" << std::fixed
              << std::setprecision(1) << r.seconds << " s on the board"
              << (profiler.board().emulated ? ", emulated" : "") << ")\n";
  }
  if (r.identical_outputs != r.images) {
    spdlog::error("the board's outputs differ from the host runtime's on {} images: a firmware or toolchain bug",
                  r.images - r.identical_outputs);
    return 1;
  }
  return 0;
}

} // namespace

int run_eval(const EvalOptions& options) {
  ParallelismLimit threads(options.threads);
  const auto started = std::chrono::steady_clock::now();
  const SubnetSource subnet = resolve_subnet(options.supernet, options.arch, options.model);
  if (!options.on_board.empty()) return run_eval_on_board(options, subnet);

  SubnetAccuracyOptions o = options.accuracy;
  if (::isatty(STDERR_FILENO) == 1)
    o.int8_progress = [](int done, int total) {
      std::fprintf(stderr, "\rint8 model: %d/%d images%s", done, total, done == total ? "\n" : "");
    };
  const SubnetAccuracy r = evaluate_subnet_accuracy(subnet.file, subnet.arch, o);
  const double seconds = seconds_since(started);
  spdlog::info("evaluated {} on {} {} images in {:.1f} s", r.arch_id, r.images, r.split, seconds);

  if (options.json) {
    std::cout << r.to_json(2) << "\n";
    return 0;
  }
  std::cout << r.arch_id << ": top-1 " << percent(r.accuracy) << " on " << r.images << " " << r.split
            << " images (BN recalibrated on " << r.bn_calibration_images << " training images)\n";
  if (!r.class_names.empty()) {
    std::cout << "  classes:";
    for (std::size_t i = 0; i < r.class_names.size(); ++i)
      std::cout << (i ? ", " : " ") << i << " " << r.class_names[i];
    std::cout << "\n";
  }
  if (r.has_int8) {
    char change[32];
    std::snprintf(change, sizeof change, "%+.2f", 100 * (r.int8.accuracy - r.accuracy));
    std::cout << "  int8: top-1 " << percent(r.int8.accuracy) << " (" << change
              << " points; host runtime, bit-exact with the boards), float reference "
              << percent(r.int8.float_reference_accuracy) << ", same class on " << percent(r.int8.agreement)
              << " of images; activation ranges from " << r.int8.calibration_images << " training images\n";
  }
  return 0;
}

} // namespace tinynas::cli

#include "option_flags.hpp"

#include <array>
#include <utility>

namespace tinynas::cli {

namespace {

// Every option the library may name, with the flag main.cpp declares for it. The same name means
// the same flag in every subcommand (--data, --seed, --out, --resume, ...).
constexpr std::array<std::pair<std::string_view, std::string_view>, 41> kFlags{{
    // search
    {"sram", "--sram"},
    {"flash", "--flash"},
    {"latency", "--latency"},
    {"board", "--board"},
    {"space", "--space"},
    {"schedule", "--schedule"},
    {"patches", "--patches"},
    {"split_block", "--split-block"},
    {"estimator", "--estimator"},
    {"supernet", "--supernet"},
    {"data_dir", "--data"},
    {"eval_images", "--eval-images"},
    {"supernet_epochs", "--supernet-epochs"},
    {"finetune_epochs", "--finetune-epochs"},
    {"final_training", "--final-training"},
    {"time_budget", "--time-budget"},
    {"seed", "--seed"},
    {"samples", "--samples"},
    {"stage1_rule", "--stage1-rule"},
    {"stage1_quantile", "--stage1-quantile"},
    {"min_fit", "--min-fit"},
    {"population", "--population"},
    {"parents", "--parents"},
    {"generations", "--generations"},
    {"mutation_prob", "--mutation-prob"},
    {"mutation_ratio", "--mutation-ratio"},
    {"max_attempts", "--max-attempts"},
    {"resolution_window", "--resolution-window"},
    {"out", "--out"},
    {"resume", "--resume"},
    {"overwrite", "--overwrite"},
    {"threads", "--threads"},
    {"hil", "--hil"},
    {"hil_top", "--hil-top"},
    // train
    {"width", "--width"},
    {"epochs", "--epochs"},
    {"largest_epochs", "--largest-epochs"},
    {"limit", "--limit"},
    // finetune
    {"arch", "ARCH"}, // the positional argument
    {"lr", "--lr"},
    {"batch_size", "--batch-size"},
}};

// "`population` may grow" -> "--population may grow"; backticked text that is no option stays.
std::string backticked_options_as_flags(const std::string& message) {
  std::string out;
  std::size_t at = 0;
  while (at < message.size()) {
    const std::size_t open = message.find('`', at);
    const std::size_t close = open == std::string::npos ? open : message.find('`', open + 1);
    if (close == std::string::npos) break;
    const std::string_view flag = flag_of(std::string_view(message).substr(open + 1, close - open - 1));
    out += message.substr(at, open - at);
    out += flag.empty() ? message.substr(open, close - open + 1) : std::string(flag);
    at = close + 1;
  }
  return out + message.substr(at);
}

} // namespace

std::string_view flag_of(std::string_view option) {
  for (const auto& [name, flag] : kFlags)
    if (name == option) return flag;
  return {};
}

std::string message_with_flags(const Error& e) {
  std::string out;
  if (!e.file().empty()) out += e.file() + ": ";
  if (!e.field().empty()) {
    const std::string_view flag = flag_of(e.field());
    out += (flag.empty() ? e.field() : std::string(flag)) + ": ";
  }
  return out + backticked_options_as_flags(e.message());
}

} // namespace tinynas::cli

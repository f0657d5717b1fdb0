// Does weight sharing rank subnets sensibly? For subnets of different sizes (spread over the MACs
// range of the supernet's space), compare the accuracy with weights inherited from the supernet
// (BN recalibrated) with the accuracy after fine-tuning each subnet alone for a short while, and
// report Kendall's tau between the two orders (1: same order, 0: unrelated).
//
//   supernet_ranking --supernet FILE [--subnets 8] [--finetune-epochs 1] [--finetune-lr 0.01]
//                    [--data DIR] [--threads N] [--seed S] [--json]
//
// Both accuracies are on the held-out validation split the supernet never trained on; fine-tuning
// uses the training split with the supernet's own augmentation and optimiser settings.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/stopwatch.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace {

using namespace tinynas;

struct Options {
  std::string supernet;
  int subnets = 8;
  int finetune_epochs = 1;
  double finetune_lr = 0.01;
  std::string data;
  int threads = 0;
  std::uint64_t seed = 0;
  bool json = false;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "supernet_ranking: " << problem
            << "\nusage: supernet_ranking --supernet FILE [--subnets 8] [--finetune-epochs 1] [--finetune-lr 0.01]"
               " [--data DIR] [--threads N] [--seed S] [--json]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--supernet") o.supernet = value();
    else if (a == "--subnets") o.subnets = std::stoi(value());
    else if (a == "--finetune-epochs") o.finetune_epochs = std::stoi(value());
    else if (a == "--finetune-lr") o.finetune_lr = std::stod(value());
    else if (a == "--data") o.data = value();
    else if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--json") o.json = true;
    else usage("unknown argument " + a);
  }
  if (o.supernet.empty()) usage("--supernet FILE is required");
  if (o.subnets < 2) usage("--subnets must be at least 2");
  return o;
}

// Multiply-accumulates of the convs and the classifier (BN folded), as the cost model counts them.
double macs(const NetSpec& net) {
  double total = 0;
  int size = net.resolution;
  auto conv = [&](int in, int out, int k, int stride, bool depthwise) {
    const int out_size = (size + 2 * (k / 2) - k) / stride + 1;
    total += static_cast<double>(out_size) * out_size * out * (depthwise ? 1 : in) * k * k;
    size = out_size;
  };
  conv(net.first_conv.in_channels, net.first_conv.out_channels, net.first_conv.kernel, net.first_conv.stride, false);
  int channels = net.first_conv.out_channels;
  for (const MbBlockSpec& b : net.blocks) {
    if (b.expand_ratio != 1) conv(b.in_channels, b.mid_channels, 1, 1, false);
    conv(b.mid_channels, b.mid_channels, b.kernel, b.stride, true);
    conv(b.mid_channels, b.out_channels, 1, 1, false);
    channels = b.out_channels;
  }
  if (net.feature_mix_channels > 0) {
    conv(channels, net.feature_mix_channels, 1, 1, false);
    channels = net.feature_mix_channels;
  }
  return total + static_cast<double>(channels) * net.num_classes;
}

// Kendall's tau-b (ties in either list counted as neither concordant nor discordant).
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  double concordant = 0, discordant = 0, ties_x = 0, ties_y = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) ties_x += 1;
      else if (dy == 0) ties_y += 1;
      else if ((dx > 0) == (dy > 0)) concordant += 1;
      else discordant += 1;
    }
  const double denom = std::sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y));
  return denom > 0 ? (concordant - discordant) / denom : 0.0;
}

// `count` subnets spread evenly over the MACs range: the smallest, the largest, and random subnets
// at evenly spaced MACs quantiles in between.
std::vector<Arch> spread_subnets(const Supernet& s, int count, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::pair<double, Arch>> pool;
  for (int i = 0; i < 400; ++i) {
    Arch a = sample_arch(s.space(), rng, s.width(), 0);
    pool.emplace_back(macs(lower_to_net(s.space(), a)), a);
  }
  std::sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Arch> out{s.smallest()};
  for (int k = 1; k + 1 < count; ++k)
    out.push_back(pool[static_cast<std::size_t>(k) * (pool.size() - 1) / static_cast<std::size_t>(count - 1)].second);
  out.push_back(s.largest());
  return out;
}

} // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    ParallelismLimit threads(o.threads);
    const auto started = std::chrono::steady_clock::now();
    const Supernet supernet = Supernet::load(o.supernet);
    DatasetOptions d = training_dataset_options(o.supernet);
    d.dir = o.data;
    d.load_test = false;
    const DatasetSplits data = load_dataset(d);
    const TrainingConfig config =
        training_status(o.supernet) == TrainingStatus::kNone ? TrainingConfig{} : read_training_config(o.supernet);

    const std::vector<Arch> archs = spread_subnets(supernet, o.subnets, o.seed);
    EvaluatorOptions eo;
    eo.seed = o.seed;
    SubnetEvaluator inherited_eval(supernet, data.train, data.val, eo);
    const std::vector<double> inherited = inherited_eval.evaluate(archs);

    std::vector<double> finetuned;
    for (std::size_t i = 0; i < archs.size(); ++i) {
      Supernet alone = supernet.clone();
      TrainingConfig c = config;
      c.seed = o.seed + i;
      finetune_subnet(alone, archs[i], data.train, o.finetune_epochs, o.finetune_lr, c);
      SubnetEvaluator ev(alone, data.train, data.val, eo);
      finetuned.push_back(ev.evaluate(archs[i]));
      std::fprintf(stderr, "subnet %zu/%zu %s: inherited %.2f%%, fine-tuned %.2f%%\n", i + 1, archs.size(),
                   archs[i].id().c_str(), 100 * inherited[i], 100 * finetuned.back());
    }
    const double tau = kendall_tau_b(inherited, finetuned);
    const double seconds = seconds_since(started);

    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < archs.size(); ++i)
      rows.push_back({{"arch", archs[i].id()},
                      {"macs", macs(lower_to_net(supernet.space(), archs[i]))},
                      {"inherited_accuracy", inherited[i]},
                      {"finetuned_accuracy", finetuned[i]}});
    if (o.json) {
      nlohmann::json j = {{"supernet", o.supernet},
                          {"subnets", rows},
                          {"kendall_tau", tau},
                          {"finetune_epochs", o.finetune_epochs},
                          {"finetune_lr", o.finetune_lr},
                          {"validation_images", data.val.size()},
                          {"seconds", seconds}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::printf("%-48s %10s %10s %10s\n", "subnet", "MACs", "inherited", "fine-tuned");
      for (const auto& r : rows)
        std::printf("%-48s %10.0f %9.2f%% %9.2f%%\n", r["arch"].get<std::string>().c_str(), r["macs"].get<double>(),
                    100 * r["inherited_accuracy"].get<double>(), 100 * r["finetuned_accuracy"].get<double>());
      std::printf("Kendall's tau (inherited vs fine-tuned order, %zu subnets, %d validation images): %.3f  "
                  "[%.0f s]\n",
                  archs.size(), data.val.size(), tau, seconds);
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "supernet_ranking: error: " << e.what() << "\n";
    return exit_code(e.code());
  }
}

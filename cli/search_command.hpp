#pragma once
// tinynas search: the two-stage TinyNAS search (search/search_run.hpp) from the command line.
// main.cpp declares the flags and fills this struct; search_command.cpp runs the search, shows
// progress on stderr and prints the result.
//
// Options left unset take the defaults in the comments for a new search. With --resume DIR they
// take the checkpoint's values instead, and any option given must equal the checkpoint's (only
// --generations may grow), so `tinynas search --resume DIR` alone continues a search.

#include <cstdint>
#include <optional>
#include <string>

namespace tinynas::cli {

struct SearchCommandOptions {
  // Budgets and setting.
  std::optional<std::string> sram;      // --sram 320K       (default: the board's SRAM)
  std::optional<std::string> flash;     // --flash 1M        (default: the board's flash)
  std::optional<std::string> latency;   // --latency 500ms   (default: no latency budget)
  std::optional<std::string> board;     // --board           (default: stm32f746g-disco)
  std::optional<std::string> space;     // --space           (default: mcunet)
  std::optional<std::string> schedule;  // --schedule        (default: inplace-dw)
  std::optional<int> patches;           // --patches N       (patch schedule; default 4)
  std::optional<int> split_block;       // --split-block B   (patch schedule; default: automatic)
  std::optional<std::string> estimator; // --estimator       (default: macs)
  std::optional<std::string> supernet;  // --supernet FILE   (estimator supernet; its space is the default --space)
  std::optional<std::string> data;      // --data DIR        (estimator supernet; default: Fashion-MNIST)
  std::optional<int> eval_images;       // --eval-images N   (estimator supernet; default: the whole split)
  std::optional<std::uint64_t> seed;    // --seed N          (default 0; seeds both stages)
  // Stage 1.
  std::optional<int> samples;             // --samples M       (default 1000 per (width, resolution) pair)
  std::optional<std::string> stage1_rule; // --stage1-rule     mean|quantile (default mean)
  std::optional<double> stage1_quantile;  // --stage1-quantile (default 0.8; the quantile rule's p)
  std::optional<double> min_fit;          // --min-fit         (default 0.01: fit fraction a pair needs)
  // Stage 2.
  std::optional<int> population;        // --population P    (default 100)
  std::optional<int> parents;           // --parents K       (default 20)
  std::optional<int> generations;       // --generations G   (default 30)
  std::optional<double> mutation_prob;  // --mutation-prob p (default 0.1)
  std::optional<double> mutation_ratio; // --mutation-ratio  (default 0.5: share of children by mutation)
  std::optional<int> max_attempts;      // --max-attempts    (default 10000 draws per fitting subnet)
  // Files and execution.
  std::optional<std::string> out; // --out DIR         (default: tinynas-search)
  std::string resume;             // --resume DIR      continue the search checkpointed in DIR
  bool overwrite = false;         // --overwrite       replace a search already in --out
  int threads = 0;                // --threads N       (default 0: all cores)
  bool json = false;              // --json            print the result as JSON on stdout
  std::optional<std::string> hil; // --hil BOARD      measure the best subnets on a board (QEMU or real)
  int hil_top = 5;                // --hil-top K       how many of the best to measure
};

// Returns 0 with a result; throws tinynas::Error otherwise (kInfeasible when nothing fits: exit 2;
// kInterrupted after Ctrl-C, once the checkpoint is written: exit 130).
int run_search(const SearchCommandOptions& options);

} // namespace tinynas::cli

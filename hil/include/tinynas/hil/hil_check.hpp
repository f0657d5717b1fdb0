#pragma once
// Hardware in the loop for a search's finalists (`tinynas search --hil BOARD --hil-top K`): the K
// best subnets by score run on the board through the profiling firmware (QEMU stands in for boards
// in CI), and the latency budget is applied to what was measured instead of the estimate. The best
// finalist within the budget wins.
//
// Measured milliseconds: DWT cycles at the board's clock on real silicon. Under QEMU the count is
// instructions (QEMU models no pipeline); the emulated board stands in for the search's board, so
// they are converted at one instruction per cycle of the search board's clock: comparable with the
// estimate, not a real latency. Every result says which it was.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {

struct HilCheckOptions {
  Board board;
  int top_k = 5;
  ProfileOptions profile;
};

struct HilCandidate {
  std::string id;
  Arch arch;
  double score = 0;
  double estimated_ms = 0;  // the cost model's estimate the search used
  double measured_ms = 0;   // see the header comment for QEMU
  MeasuredLatency measured; // the raw count (cycles or QEMU ticks) and its source
  double instructions = 0;  // QEMU only
  std::int64_t peak_sram_bytes_measured = 0;
  std::int64_t peak_sram_bytes_predicted = 0;
  std::string schedule; // the memory schedule it ran in (the search's; auto resolved per finalist)
  bool bit_exact = false;
  bool fits_latency = true; // measured_ms within the search's latency budget (true without one)
};

struct HilCheckResult {
  std::string board;
  bool emulated = false;
  std::vector<HilCandidate> candidates; // by score, best first
  int best = -1;                        // the best candidate within the budget; -1 when none is

  // hil.json: {"board":..,"emulated":..,"latency_budget_ms":..,"best":id|null,"candidates":[..]}
  std::string to_json(const Constraints& constraints, int indent = 2) const;
};

// A measurement in milliseconds: real boards' cycles at their clock. QEMU stands in for the search's
// board: its instructions at that board's clock, one per cycle (the convention of the latency
// estimates of emulated boards).
double measured_milliseconds(const ProfileResult& p, const Board& search_board);

// Measures the finalists (ids name them in messages) and returns one result per net, in order: one board in turn,
// or the board farm in parallel.
using FinalistMeasurer =
    std::function<std::vector<ProfileResult>(const std::vector<NetSpec>& nets, const std::vector<std::string>& ids)>;

// The top_k subnets of `result` by score measured by `measure` on `board` (a board kind for the farm), the latency
// budget applied to the measurements. Error(kInvalidArgument) for top_k < 1.
HilCheckResult check_finalists(const SearchResult& result, int top_k, const Board& board,
                               const FinalistMeasurer& measure);

// Profiles the top_k subnets of `result` by score on options.board. Throws Error(kInvalidArgument)
// for top_k < 1 or a board without profiling firmware, Error(kIo) when the board does not answer.
HilCheckResult check_finalists_on_board(const SearchResult& result, const HilCheckOptions& options);
// The same on a profiler already made (and perhaps connected before the search, so an unreachable board failed
// first); options.board and options.profile are then the profiler's.
HilCheckResult check_finalists_on_board(const SearchResult& result, HilProfiler& profiler, int top_k);

// Writes <dir>/hil.json and, when a finalist meets the budget, <dir>/best_hil.json (its arch file).
void write_hil_files(const std::string& dir, const HilCheckResult& hil, const SearchResult& result);

} // namespace tinynas

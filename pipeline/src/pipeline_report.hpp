#pragma once
// RUN/report.md and RUN/report.html: what the pipeline found, in one page a person reads. Both come
// from one ReportDocument; the HTML page adds the plots (stage 1's CDF, the evolution, the Pareto
// fronts, the winner's memory per layer and, measured on a board, its time per layer).

#include <optional>
#include <string>
#include <vector>

#include "time_plan.hpp"
#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/pipeline/pipeline.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/search/search_run.hpp"
#include "tinynas/search/stage1.hpp"

namespace tinynas {

struct PhaseTiming {
  std::string phase;
  double seconds = 0;
};

struct PipelineReport {
  const PipelineOptions& options;
  const Stage1Result& stage1;
  const SearchResult& search;
  const CostReport& winner; // the winner's cost with per-layer rows, under the search's constraints
  const SubnetAccuracy& accuracy;
  const std::optional<ProfileResult>& board; // --hil: the winner's int8 model measured on that board
  bool board_elsewhere = false;              // measured elsewhere (the farm), from the trained model file
  std::string supernet, model;
  const std::vector<PhaseTiming>& timings; // the report's own phase is the last, still running
  const std::optional<TimePlan>& plan;     // with a time budget: the counts the run did, and their predicted time
};

struct ReportFiles {
  std::string markdown, html;
};

ReportFiles render_report(const PipelineReport& report);

} // namespace tinynas

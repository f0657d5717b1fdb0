#pragma once
// RUN/report.md: what the pipeline found, in one page a person reads.

#include <string>
#include <vector>

#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/pipeline/pipeline.hpp"
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
  const SubnetAccuracy& accuracy;
  std::string supernet, model;
  const std::vector<PhaseTiming>& timings; // the report's own phase is the last, still running
};

std::string report_markdown(const PipelineReport& report);

} // namespace tinynas

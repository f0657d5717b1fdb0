#pragma once
// Private: the files of a search's output directory (listed in search_run.hpp).

#include <string>

#include "tinynas/search/search_run.hpp"

namespace tinynas::outputs {

inline constexpr const char* kStage1File = "stage1.json";
inline constexpr const char* kHistoryFile = "history.jsonl";
inline constexpr const char* kParetoFile = "pareto.json";
inline constexpr const char* kBestFile = "best.json";
inline constexpr const char* kBestNetconfigFile = "best.netconfig.json";
inline constexpr const char* kSummaryFile = "summary.md";

std::string path_in(const std::string& dir, const char* file);

// Removes the result files a previous search left, for --overwrite (its checkpoint is replaced by
// the new search's first, so the directory always holds one).
void remove_previous_results(const std::string& dir);

void write_stage1(const std::string& dir, const Stage1Result& stage1);
// Replaces history.jsonl with the given evaluations (a new search: none; a resume: the checkpoint's).
void rewrite_history(const std::string& dir, const std::vector<Evaluation>& history);
// Appends history[first_new ..].
void append_history(const std::string& dir, const std::vector<Evaluation>& history, std::size_t first_new);
// pareto.json, best.json, best.netconfig.json, summary.md.
void write_results(const std::string& dir, const SearchResult& result);

// The Markdown of summary.md.
std::string summary_markdown(const SearchResult& result);

} // namespace tinynas::outputs

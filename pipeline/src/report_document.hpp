#pragma once
// A report as data (sections of paragraphs, lists, tables, commands and figures), rendered twice:
// as Markdown (report.md, for a terminal or a repository) and as one self-contained HTML page
// (report.html: the same text, and the figures drawn by Chart.js from the report's data).
//
// Text may use two inline marks, as in Markdown: `code` and **bold**. The HTML renderer escapes
// everything else.

#include <string>
#include <utility>
#include <vector>

namespace tinynas {

struct ReportTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// A plot of report.html (report.js draws it from the data by its id); report.md names it only.
struct ReportFigure {
  std::string id; // "stage1-cdf", "evolution", ... (report.js's drawers)
  std::string caption;
};

struct ReportSection {
  explicit ReportSection(std::string section_title = {}) : title(std::move(section_title)) {}

  std::string title;
  std::vector<std::string> paragraphs;
  std::vector<std::string> steps; // a numbered list
  std::vector<ReportTable> tables;
  std::vector<ReportFigure> figures;
  std::vector<std::string> commands; // a console block
};

struct ReportDocument {
  std::string title;
  std::vector<ReportSection> sections;
};

std::string render_markdown(const ReportDocument& document);

// `data_json`: the figures' data (an object report.js reads). The page embeds Chart.js and
// report.js, so it opens offline and anywhere the file is copied.
std::string render_html(const ReportDocument& document, const std::string& data_json);

} // namespace tinynas

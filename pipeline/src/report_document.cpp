#include "report_document.hpp"

#include <fmt/format.h>

#include "report_assets.hpp"

namespace tinynas {

namespace {

std::string markdown_table(const ReportTable& t) {
  std::string md = "|";
  for (const std::string& h : t.header) md += " " + h + " |";
  md += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) md += i == 0 ? "---|" : "---:|";
  md += "\n";
  for (const auto& row : t.rows) {
    md += "|";
    for (const std::string& cell : row) md += " " + cell + " |";
    md += "\n";
  }
  return md + "\n";
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

// Escapes `text` and turns its two inline marks, `code` and **bold**, into elements.
std::string inline_html(std::string_view text) {
  std::string out;
  bool code = false, bold = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && text.compare(i, 2, "**") == 0) {
      out += bold ? "</b>" : "<b>";
      bold = !bold;
      ++i;
    } else {
      out += escape_html(text.substr(i, 1));
    }
  }
  if (code) out += "</code>";
  if (bold) out += "</b>";
  return out;
}

std::string html_table(const ReportTable& t) {
  std::string html = "<table>\n<thead><tr>";
  for (const std::string& h : t.header) html += "<th>" + inline_html(h) + "</th>";
  html += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    html += "<tr>";
    for (const std::string& cell : row) html += "<td>" + inline_html(cell) + "</td>";
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>\n";
}

// Inside <script>, "</" could end the element early: JSON and JavaScript both read "<\/" as "</".
std::string script_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
  }
  return out;
}

constexpr std::string_view kStyle =
    R"(body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0}th,td{padding:.25em .7em;border-bottom:1px solid #e4e4e4}
td:not(:first-child),th:not(:first-child){text-align:right}code{background:#f3f3f3;padding:0 .2em}
pre{background:#f6f6f6;padding:.7em;white-space:pre-wrap}figure{margin:1.5em 0}.plot{position:relative;height:380px}
figcaption{color:#555;font-size:.9em}#report-error{color:#b00020;font-weight:bold})";

} // namespace

std::string render_markdown(const ReportDocument& d) {
  std::string md = "# " + d.title + "\n\n";
  for (const ReportSection& s : d.sections) {
    if (!s.title.empty()) md += "## " + s.title + "\n\n";
    for (const std::string& p : s.paragraphs) md += p + "\n\n";
    for (std::size_t i = 0; i < s.steps.size(); ++i) md += fmt::format("{}. {}\n", i + 1, s.steps[i]);
    if (!s.steps.empty()) md += "\n";
    for (const ReportTable& t : s.tables) md += markdown_table(t);
    for (const ReportFigure& f : s.figures) md += "*Plot in report.html: " + f.caption + "*\n\n";
    if (!s.commands.empty()) {
      md += "```console\n";
      for (const std::string& c : s.commands) md += c + "\n";
      md += "```\n\n";
    }
  }
  return md;
}

std::string render_html(const ReportDocument& d, const std::string& data_json) {
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                     escape_html(d.title) + "</title>\n<style>\n" + std::string(kStyle) +
                     "\n</style>\n</head>\n<body>\n";
  html += "<h1>" + inline_html(d.title) + "</h1>\n<p id=\"report-error\" hidden></p>\n";
  for (const ReportSection& s : d.sections) {
    if (!s.title.empty()) html += "<h2>" + inline_html(s.title) + "</h2>\n";
    for (const std::string& p : s.paragraphs) html += "<p>" + inline_html(p) + "</p>\n";
    if (!s.steps.empty()) {
      html += "<ol>\n";
      for (const std::string& step : s.steps) html += "<li>" + inline_html(step) + "</li>\n";
      html += "</ol>\n";
    }
    for (const ReportTable& t : s.tables) html += html_table(t);
    for (const ReportFigure& f : s.figures)
      html += "<figure><div class=\"plot\"><canvas id=\"" + escape_html(f.id) + "\"></canvas></div><figcaption>" +
              inline_html(f.caption) + "</figcaption></figure>\n";
    if (!s.commands.empty()) {
      html += "<pre><code>";
      for (const std::string& c : s.commands) html += escape_html(c) + "\n";
      html += "</code></pre>\n";
    }
  }
  html += "<script type=\"application/json\" id=\"report-data\">" + script_safe(data_json) + "</script>\n";
  html += "<script>\n" + script_safe(embedded::chartjs_script()) + "\n</script>\n";
  html += "<script>\n" + script_safe(embedded::report_script()) + "\n</script>\n";
  return html + "</body>\n</html>\n";
}

} // namespace tinynas

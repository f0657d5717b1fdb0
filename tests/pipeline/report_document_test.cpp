// The report's two renderings: the same sections as Markdown and as one HTML page whose text is
// escaped, whose inline marks become elements, and whose embedded data cannot end its <script>.

#include <gtest/gtest.h>

#include <string>

#include "../test_support.hpp"
#include "report_document.hpp"

namespace tinynas {
namespace {

ReportDocument sample() {
  ReportSection s("Budgets & <results>");
  s.paragraphs = {"Space `mcunet` fits **40 KiB** in a < b & c"};
  s.steps = {"first", "second"};
  s.tables.push_back({{"", "value"}, {{"MACs", "3.99M"}, {"**bold**", "`x<y`"}}});
  s.figures.push_back({"stage1-cdf", "the CDF"});
  s.commands = {"tinynas search --data 'a b' --out RUN2"};
  return {"Run", {s}};
}

TEST(ReportDocument, MarkdownHasEverySectionPart) {
  EXPECT_EQ(render_markdown(sample()), "# Run\n\n"
                                       "## Budgets & <results>\n\n"
                                       "Space `mcunet` fits **40 KiB** in a < b & c\n\n"
                                       "1. first\n2. second\n\n"
                                       "|  | value |\n|---|---:|\n| MACs | 3.99M |\n| **bold** | `x<y` |\n\n"
                                       "*Plot in report.html: the CDF*\n\n"
                                       "```console\ntinynas search --data 'a b' --out RUN2\n```\n\n");
}

TEST(ReportDocument, HtmlEscapesTextAndTurnsMarksIntoElements) {
  const std::string html = render_html(sample(), R"({"a": 1})");
  EXPECT_NE(html.find("<h2>Budgets &amp; &lt;results&gt;</h2>"), std::string::npos) << html.substr(0, 3000);
  EXPECT_NE(html.find("<p>Space <code>mcunet</code> fits <b>40 KiB</b> in a &lt; b &amp; c</p>"), std::string::npos);
  EXPECT_NE(html.find("<td><b>bold</b></td><td><code>x&lt;y</code></td>"), std::string::npos);
  EXPECT_NE(html.find("<ol>\n<li>first</li>\n<li>second</li>\n</ol>"), std::string::npos);
  EXPECT_NE(html.find("<canvas id=\"stage1-cdf\"></canvas>"), std::string::npos);
  EXPECT_NE(html.find("<pre><code>tinynas search --data 'a b' --out RUN2\n</code></pre>"), std::string::npos);
  EXPECT_NE(html.find("Chart.js v"), std::string::npos) << "Chart.js is embedded: the page works offline";
  EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "nothing is fetched";
}

TEST(ReportDocument, DataCannotCloseItsScriptElement) {
  const std::string html = render_html(sample(), R"({"name": "</script><script>alert(1)</script>"})");
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(html.find(R"({"name": "<\/script><script>alert(1)<\/script>"})"), std::string::npos);
}

TEST(ReportDocument, UnclosedMarksAreClosed) {
  ReportSection s;
  s.paragraphs = {"a `b and **c"};
  const std::string html = render_html({"T", {s}}, "{}");
  EXPECT_NE(html.find("<p>a <code>b and **c</code></p>"), std::string::npos);
}

// A page whose data lacks what its plots need says so, on the page and in <body data-report-error>,
// instead of leaving blank plots.
TEST(ReportDocument, APlotThatCannotBeDrawnIsReportedOnThePage) {
  test::ScratchDir dir;
  const std::string html = dir.write("report.html", render_html(sample(), R"({"stage1": {"pairs": []}})"));
  const std::string body = test::body_tag_in_chromium(html, dir);
  EXPECT_NE(body.find("data-report-error=\"TypeError"), std::string::npos) << body;
  EXPECT_EQ(body.find("data-charts-drawn"), std::string::npos) << body;
}

} // namespace
} // namespace tinynas

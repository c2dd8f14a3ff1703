// SPDX-License-Identifier: GPL-2.0-or-later
// The zone graph stays readable at 20 zones (tests/review/policies/twenty-zones.yaml), in both
// drawings: Graphviz's (`graph -o FILE.svg`) and the report's inline SVG. Rendered by headless
// chromium and screenshotted (ZP_KEEP_SCREENSHOTS=DIR keeps the PNGs for a person to look at);
// the assertions are about properties a reader needs: a sane aspect ratio, every zone named,
// every edge numbered and explained, nodes that do not overlap, a drawing that uses the page's
// width, and no error in the page.
#include <filesystem>
#include <iterator>
#include <map>
#include <regex>

#include "tests/review/chromium.h"

namespace zp::review {
namespace {

const std::string kPolicy = "tests/review/policies/twenty-zones.yaml";

const std::vector<std::string> kZones = {
    "internet", "partners", "guest-wifi", "dmz-web", "dmz-mail", "dmz-vpn", "office", "printers", "voip", "build",
    "monitoring", "admin", "app-frontend", "app-api", "app-workers", "cache", "db-main", "db-analytics", "backup",
    "hr-payroll"};

double number(const std::smatch& m, size_t i) { return std::stod(m[i].str()); }

void keep(const std::string& png, const std::string& name) {
  if (const char* dir = std::getenv("ZP_KEEP_SCREENSHOTS"))
    std::filesystem::copy_file(png, std::string(dir) + "/" + name, std::filesystem::copy_options::overwrite_existing);
}

void expect_png(const std::string& png, size_t min_bytes) {
  std::string data = read_text(png);
  ASSERT_GT(data.size(), min_bytes);
  EXPECT_EQ(data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

size_t count(const std::string& s, const std::regex& re) {
  return static_cast<size_t>(std::distance(std::sregex_iterator(s.begin(), s.end(), re), std::sregex_iterator()));
}

class GraphAtScale : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kChromium, X_OK), 0) << "the graph tests need Debian's chromium package";
  }
  TempDir dir_;
};

// Graphviz: numbered edges, the legend explains every number, and the drawing is not a ribbon.
TEST_F(GraphAtScale, GraphvizSvgIsReadable) {
  ASSERT_EQ(access("/usr/bin/dot", X_OK), 0) << "Graphviz's dot is not installed (scripts/dev.sh test installs graphviz)";
  std::string svg_file = dir_.path() + "/graph.svg";
  auto r = zp("graph " + kPolicy + " -o " + svg_file);
  ASSERT_EQ(r.status, 0) << r.output;
  // Graphviz writes '-' in text as "&#45;".
  std::string svg = std::regex_replace(read_text(svg_file), std::regex("&#45;"), "-");
  std::smatch vb;
  ASSERT_TRUE(std::regex_search(svg, vb, std::regex(R"re(viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) ([0-9.]+)")re"))) << svg.substr(0, 800);
  double w = number(vb, 1), h = number(vb, 2);
  EXPECT_GT(w / h, 0.4) << w << "x" << h;
  EXPECT_LT(w / h, 3.5) << w << "x" << h;
  for (const auto& z : kZones) EXPECT_NE(svg.find(">" + z + "</text>"), std::string::npos) << z;
  // Each edge is labelled with its number only; the legend repeats the number with the traffic.
  size_t edges = count(svg, std::regex(R"(<g id="edge\d+" class="edge">)"));
  EXPECT_GE(edges, 30u);
  EXPECT_NE(svg.find("zoneproof zone graph"), std::string::npos) << "no legend";
  EXPECT_NE(svg.find("untrusted reaches restricted"), std::string::npos);
  EXPECT_NE(svg.find("campus-gw forward: tcp 5432"), std::string::npos) << "the legend lists what is accepted";
  // Scaled to the window, as a reader opening it in a browser tab sees the whole drawing.
  std::string page = dir_.write("graph.html", "<!DOCTYPE html><html><body style=\"margin:0\">"
                                              "<img src=\"graph.svg\" style=\"width:100%\"></body></html>");
  std::string png = dir_.path() + "/graph.png";
  auto shot = screenshot(page, png, 1600, 1200);
  ASSERT_EQ(shot.status, 0) << shot.output;
  expect_png(png, 30000);
  keep(png, "graph-20-zones.png");
}

// The report's inline SVG: nodes never overlap, every edge has a numbered badge and a table row,
// the graph and its table fill the section's width, and the page records no error.
TEST_F(GraphAtScale, ReportGraphIsReadable) {
  std::string html_file = dir_.path() + "/report.html";
  auto r = zp("report " + kPolicy + " --no-lints -o " + html_file);
  ASSERT_NE(r.status, 2) << r.output;
  std::string html = read_text(html_file);
  std::smatch vb;
  ASSERT_TRUE(std::regex_search(html, vb, std::regex(R"re(<svg id="zone-graph"[^>]*viewBox="0 0 ([0-9.]+) ([0-9.]+)")re")));
  double w = number(vb, 1), h = number(vb, 2);
  EXPECT_GT(w / h, 0.6) << w << "x" << h;
  EXPECT_LT(w / h, 1.8) << w << "x" << h;

  // Nodes: every zone, none overlapping another.
  struct Box { double x, y, w, h; };
  std::map<std::string, Box> boxes;
  std::regex node(R"re(<g class="node" data-name="([^"]+)"[^>]*><title>[^<]*</title><rect x="([-0-9.]+)" y="([-0-9.]+)" width="([0-9.]+)" height="([0-9.]+)")re");
  for (std::sregex_iterator it(html.begin(), html.end(), node), end; it != end; ++it)
    boxes[(*it)[1]] = {number(*it, 2), number(*it, 3), number(*it, 4), number(*it, 5)};
  for (const auto& z : kZones) EXPECT_TRUE(boxes.count(z)) << z;
  for (auto a = boxes.begin(); a != boxes.end(); ++a)
    for (auto b = std::next(a); b != boxes.end(); ++b) {
      const Box &p = a->second, &q = b->second;
      bool apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
      EXPECT_TRUE(apart) << a->first << " overlaps " << b->first;
      EXPECT_GE(p.x, 0);
      EXPECT_LE(p.x + p.w, w);
    }
  // Edges: as many numbered badges as edges as table rows.
  size_t edges = count(html, std::regex(R"(<g class="edge( hot)?" data-edge="\d+")"));
  EXPECT_GE(edges, 30u);
  EXPECT_EQ(count(html, std::regex(R"(<g class="badge" data-edge="\d+")")), edges);
  EXPECT_EQ(count(html, std::regex(R"(<tr data-edge="\d+")")), edges);
  EXPECT_NE(html.find("<td>app-api → db-main</td><td>campus-gw forward: tcp 5432</td>"), std::string::npos);

  // In the browser: the page's script ran, nothing failed, and the graph uses the width. A probe
  // script measures the laid-out drawing and writes the figures into the DOM for the dump.
  std::string probed = replace_once(html, "</body>", R"(<script>
  (function () {
    var s = document.getElementById('zone-graph').getBoundingClientRect();
    var t = document.getElementById('graph-edges').getBoundingClientRect();
    var sec = document.getElementById('graph').getBoundingClientRect();
    document.body.setAttribute('data-probe', [Math.round(s.width), Math.round(s.height), Math.round(t.width),
                                              Math.round(sec.width)].join(','));
  })();
  </script></body>)");
  std::string probed_file = dir_.write("probed.html", probed);
  TempDir profile;
  auto dom = testing::run_shell("timeout 120 " + chromium("--window-size=1400,1000 --dump-dom", probed_file, profile) +
                                " 2>/dev/null");
  ASSERT_EQ(dom.status, 0) << dom.output;
  EXPECT_NE(dom.output.find("data-zp-ready=\"1\""), std::string::npos);
  EXPECT_EQ(recorded_errors(dom.output), "") << "the page recorded errors";
  std::smatch probe;
  ASSERT_TRUE(std::regex_search(dom.output, probe, std::regex(R"re(data-probe="(\d+),(\d+),(\d+),(\d+)")re")));
  double svg_w = number(probe, 1), svg_h = number(probe, 2), table_w = number(probe, 3), section_w = number(probe, 4);
  EXPECT_GT(svg_w / section_w, 0.5) << "the graph leaves most of the width empty: " << probe[0];
  EXPECT_GT((svg_w + table_w) / section_w, 0.85) << probe[0];
  EXPECT_GT(svg_h, 400) << "the graph is too small to read: " << probe[0];

  std::string png = dir_.path() + "/report.png";
  auto shot = screenshot(html_file, png, 1400, 1400);
  ASSERT_EQ(shot.status, 0) << shot.output;
  expect_png(png, 30000);
  keep(png, "report-20-zones.png");
}

}  // namespace
}  // namespace zp::review

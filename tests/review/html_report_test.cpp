// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof report` rendered by a real browser: Debian's chromium, headless, with no network.
// The page must run its script (data-zp-ready), report no error of any kind into #zp-errors,
// carry the matrix cells with their data attributes, and take a screenshot. `graph` writes DOT.
#include <regex>

#include "tests/review/chromium.h"

namespace zp::review {
namespace {

class HtmlReport : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kChromium, X_OK), 0) << "the report tests need Debian's chromium package (apt-get install chromium)";
    // A repository whose last commit is the three-tier example, and a working tree that opens
    // one more port: the report shows the diff against HEAD.
    std::string base = read_text(source_path_str("examples/three-tier.yaml"));
    repo_.write("three-tier.yaml", base);
    ASSERT_EQ(testing::run_shell("cd " + repo_.path() + " && git init -q && git config user.email t@example.org && "
                                 "git config user.name t && git add -A && git commit -qm base").status, 0);
    repo_.write("three-tier.yaml", replace_once(base, "allow: [http, https] }", "allow: [http, https, tcp/8443] }"));
    report_ = repo_.path() + "/report.html";
    auto r = testing::run_shell("cd " + repo_.path() + " && " + ZP_EXE + " report three-tier.yaml --base HEAD -o " +
                                report_ + " 2>&1");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  TempDir repo_;
  std::string report_;
};

TEST_F(HtmlReport, IsOneSelfContainedFile) {
  std::string html = read_text(report_);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*"(https?:)?//)"))) << "loads from the network";
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"zone-graph\""), std::string::npos);
}

TEST_F(HtmlReport, RendersInChromiumWithoutErrors) {
  auto r = dump_dom(report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string& dom = r.output;
  EXPECT_NE(dom.find("data-zp-ready=\"1\""), std::string::npos) << "the page script did not run";
  EXPECT_EQ(recorded_errors(dom), "") << "the page recorded errors";
  // The matrix: one table per target, every (from, to) a cell with data attributes.
  EXPECT_NE(dom.find("data-target=\"edge-gw\" data-hook=\"forward\" data-from=\"internet\" data-to=\"dmz\" "
                     "data-regions=\"2\" data-highlight=\"false\" data-summary=\"tcp 80,443,8443\""),
            std::string::npos)
      << dom.substr(0, 4000);
  EXPECT_NE(dom.find("data-target=\"edge-gw\" data-hook=\"forward\" data-from=\"internet\" data-to=\"db\" "
                     "data-regions=\"0\""),
            std::string::npos);
  std::smatch count;
  ASSERT_TRUE(std::regex_search(dom, count, std::regex(R"(<span id="cells-with-traffic">(\d+)</span>)")));
  EXPECT_EQ(count[1], "14");  // filled in by the page's script from the cells
  // The diff against HEAD and the intents.
  EXPECT_NE(dom.find("<tr class=\"change newly-allowed\"><td>edge-gw</td><td>forward</td>"), std::string::npos);
  EXPECT_NE(dom.find("tcp 8443"), std::string::npos);
  EXPECT_NE(dom.find("<tr class=\"intent\" data-status=\"pass\"><td>customers reach the web tier</td>"),
            std::string::npos);
}

// The error check can fail: a script error and a blocked network load are both recorded.
TEST_F(HtmlReport, ErrorHookRecordsFailures) {
  std::string html = read_text(report_);
  std::string broken = replace_once(html, "</main>", "<img src=\"http://192.0.2.1/x.png\"><script>no_such();</script></main>");
  TempDir dir;
  std::string file = dir.write("broken.html", broken);
  auto r = dump_dom(file);
  ASSERT_EQ(r.status, 0) << r.output;
  std::string errors = recorded_errors(r.output);
  EXPECT_NE(errors.find("no_such is not defined"), std::string::npos) << errors;
  EXPECT_NE(errors.find("http://192.0.2.1/x.png"), std::string::npos) << errors;
}

TEST_F(HtmlReport, ScreenshotIsAPng) {
  TempDir profile;
  std::string png = repo_.path() + "/report.png";
  auto r = testing::run_shell("timeout 120 " + chromium("--screenshot=" + png + " --window-size=1280,2000", report_, profile) +
                              " 2>&1");
  ASSERT_EQ(r.status, 0) << r.output;
  std::string data = read_text(png);
  ASSERT_GT(data.size(), 20000u);
  EXPECT_EQ(data.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  if (const char* keep = std::getenv("ZP_KEEP_SCREENSHOT")) std::filesystem::copy_file(png, keep,
                                                                                     std::filesystem::copy_options::overwrite_existing);
}

// `report --audit`: the auditor's page, rendered by the same browser.
TEST(AuditReport, RendersTheInventoryWithOwnersAndTheControls) {
  ASSERT_EQ(access(kChromium, X_OK), 0) << "the report tests need Debian's chromium package";
  TempDir dir;
  const std::string page = dir.path() + "/audit.html";
  auto r = zp("report examples/office.yaml --audit --today 2026-12-03 -o " + page);
  ASSERT_EQ(r.status, 0) << r.output;
  std::string html = read_text(page);
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*"(https?:)?//)"))) << "loads from the network";
  auto d = dump_dom(page);
  ASSERT_EQ(d.status, 0) << d.output;
  const std::string& dom = d.output;
  EXPECT_NE(dom.find("data-zp-ready=\"1\""), std::string::npos) << "the page script did not run";
  EXPECT_EQ(recorded_errors(dom), "") << "the page recorded errors";
  // Every open path names the rule behind it and who answers for it.
  EXPECT_NE(dom.find("<tr class=\"path\" data-target=\"office-gw\" data-from=\"staff\" data-to=\"servers\" "
                     "data-rule=\"staff-servers\">"),
            std::string::npos)
      << dom.substr(0, 3000);
  EXPECT_NE(dom.find("<td>it-ops</td><td>IT-118</td><td>staff reach the intranet, file shares and server consoles</td>"),
            std::string::npos);
  // Intents with their proof status, and the review findings (no counters given).
  EXPECT_NE(dom.find("<tr class=\"intent\" data-status=\"pass\"><td>guests never reach internal networks</td>"),
            std::string::npos);
  EXPECT_NE(dom.find("<tr class=\"audit-finding\" data-code=\"ZP5003\" data-rule=\"staff-out\">"), std::string::npos);
  EXPECT_EQ(dom.find("data-code=\"ZP5003\" data-rule=\"staff-servers\""), std::string::npos)
      << "reviewed 2026-10-01, within the year";
  // The controls each part is evidence for.
  EXPECT_NE(dom.find("8.22 Segregation of networks"), std::string::npos);
  EXPECT_NE(dom.find("8.16 Monitoring activities"), std::string::npos);
  EXPECT_NE(dom.find("<td id=\"produced\">"), std::string::npos);
}

TEST(Graph, DotHasZonesAndLabelledEdges) {
  auto r = zp_stdout("graph examples/three-tier.yaml");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("// zoneproof graph", 0), 0u);
  EXPECT_NE(r.output.find("digraph zoneproof {"), std::string::npos);
  EXPECT_NE(r.output.find("\"db\" [shape=ellipse, fillcolor=\"#e76f51\""), std::string::npos) << r.output;
  // Edges carry their number; the legend says what the number accepts.
  std::smatch edge;
  ASSERT_TRUE(std::regex_search(r.output, edge, std::regex(R"re("internet" -> "dmz" \[label="(\d+)", tooltip="internet -> dmz: edge-gw forward: tcp 80,443"\];)re")))
      << r.output;
  EXPECT_NE(r.output.find("<tr><td align=\"right\">" + edge[1].str() + "</td><td align=\"left\">internet &#8594; dmz</td>"
                          "<td align=\"left\">edge-gw forward: tcp 80,443<br align=\"left\"/></td></tr>"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("legend [shape=plain"), std::string::npos) << r.output;
}

TEST(Graph, SvgNeedsGraphviz) {
  TempDir dir;
  auto r = zp("graph examples/three-tier.yaml -o " + dir.path() + "/g.svg");
  if (access("/usr/bin/dot", X_OK) == 0) {
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(read_text(dir.path() + "/g.svg").find("<svg"), std::string::npos);
  } else {
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("needs Graphviz's 'dot'"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace zp::review

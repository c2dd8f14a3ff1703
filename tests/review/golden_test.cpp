// SPDX-License-Identifier: GPL-2.0-or-later
// Golden outputs of every review format (tests/golden/review/, regenerated with
// ZP_UPDATE_GOLDEN=1). Times and query counts are normalized; everything else is exact, so a
// change in wording, order or schema shows up here.
#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

struct Golden {
  std::string name;   // golden file name
  std::string args;   // zoneproof arguments
  int exit_code;
};

void PrintTo(const Golden& g, std::ostream* os) { *os << g.name; }

const std::string kPol = "tests/review/policies/";

std::vector<Golden> goldens() {
  std::vector<Golden> out;
  for (std::string fmt : {"text", "json", "sarif", "junit", "markdown"}) {
    std::string ext = fmt == "text" ? "txt" : fmt == "markdown" ? "md" : fmt;
    if (ext == "sarif") ext = "sarif.json";
    if (ext == "junit") ext = "junit.xml";
    out.push_back({"diff-one-port." + ext, "diff " + kPol + "web-old.yaml " + kPol + "web-new.yaml --format " + fmt, 1});
    out.push_back({"diff-mixed." + ext, "diff " + kPol + "web-old.yaml " + kPol + "web-mixed.yaml --format " + fmt, 1});
    out.push_back({"matrix-three-tier." + ext, "matrix examples/three-tier.yaml --format " + fmt, 0});
    out.push_back({"matrix-lints." + ext, "matrix " + kPol + "lints.yaml --lints --coverage --format " + fmt, 0});
  }
  out.push_back({"diff-same.txt", "diff " + kPol + "web-old.yaml " + kPol + "web-reordered.yaml", 0});
  out.push_back({"diff-same.json", "diff " + kPol + "web-old.yaml " + kPol + "web-reordered.yaml --format json", 0});
  out.push_back({"diff-target-removed.txt", "diff " + kPol + "web-old.yaml " + kPol + "exposed.yaml", 1});
  out.push_back({"matrix-exposed.txt", "matrix " + kPol + "exposed.yaml", 0});
  out.push_back({"matrix-exposed.sarif.json", "matrix " + kPol + "exposed.yaml --format sarif", 0});
  out.push_back({"graph-three-tier.dot", "graph examples/three-tier.yaml", 0});
  return out;
}

class ReviewGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(ReviewGolden, MatchesTheGoldenFile) {
  auto r = zp_stdout(GetParam().args);
  EXPECT_EQ(r.status, GetParam().exit_code) << r.output;
  expect_golden(GetParam().name, r.output);
}

INSTANTIATE_TEST_SUITE_P(Formats, ReviewGolden, ::testing::ValuesIn(goldens()),
                         [](const ::testing::TestParamInfo<Golden>& i) {
                           std::string n = i.param.name;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace zp::review

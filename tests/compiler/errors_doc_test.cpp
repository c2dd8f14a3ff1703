// SPDX-License-Identifier: GPL-2.0-or-later
// docs/errors.md catalogues every diagnostic code the front end can emit.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> codes_in(const std::string& text, const std::string& pattern) {
  std::set<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

TEST(ErrorsDoc, EveryCodeIsDocumented) {
  const auto header = read(ZP_SOURCE_DIR "/compiler/error_codes.h");
  const auto doc = read(ZP_SOURCE_DIR "/docs/errors.md");
  const auto defined = codes_in(header, "\"(ZP[0-9]{4})\"");
  // ZP1xxx are the front end's; the result ids of verify, diff and matrix (ZP2xxx-ZP4xxx) are
  // checked against the SARIF rule catalog (tests/review/sarif_test.cpp).
  const auto documented = codes_in(doc, "### (ZP1[0-9]{3}):");
  EXPECT_GE(defined.size(), 40u);
  EXPECT_EQ(defined, documented);
}

}  // namespace

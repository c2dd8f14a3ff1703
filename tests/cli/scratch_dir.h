// SPDX-License-Identifier: GPL-2.0-or-later
// A scratch directory per test, and a small valid gateway policy, for the CLI tests that write
// policies and outputs to files of their own.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace zp::testing {

inline const char* kSmallGatewayPolicy = R"(zones:
  internet: { addresses: [0.0.0.0/0, "::/0"], trust: untrusted }
  web: { addresses: [192.0.2.0/24] }
rules:
  - { name: www, from: internet, to: web, allow: https }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: web } }
)";

class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zp-scratch-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // Writes `text` to DIR/rel (creating its folders) and returns the path.
  std::string write(const std::string& rel, const std::string& text) {
    std::filesystem::path p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::path dir_;
};

}  // namespace zp::testing

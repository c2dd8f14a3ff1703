// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof graph POLICY [--target T]... [-o FILE.dot|FILE.svg]`: the zone graph as Graphviz
// DOT (edges from the reachability matrix); SVG through Graphviz's `dot` when it is installed.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/load.h"
#include "cli/report_format.h"
#include "cli/verify_pipeline.h"

namespace zp::cli {

namespace {

struct GraphOptions {
  std::string policy;
  std::vector<std::string> targets;
  std::string output;
  uint64_t rlimit = verifier::kDefaultRlimit;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool dot_installed() {
  for (const char* dir : {"/usr/bin/dot", "/usr/local/bin/dot", "/bin/dot"})
    if (access(dir, X_OK) == 0) return true;
  return false;
}

// Runs `dot -Tsvg -o OUT` with the DOT text on its standard input.
int render_svg(const std::string& dot, const std::string& out) {
  int in[2];
  if (pipe(in) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    close(in[0]);
    close(in[1]);
    execlp("dot", "dot", "-Tsvg", "-o", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  size_t off = 0;
  while (off < dot.size()) {
    ssize_t n = write(in[1], dot.data() + off, dot.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(in[1]);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run_graph(const GraphOptions& o) {
  bool svg = ends_with(o.output, ".svg");
  if (svg && !dot_installed()) {
    std::cerr << "zoneproof: writing SVG needs Graphviz's 'dot', which is not installed; write DOT instead "
                 "(-o FILE.dot, or no -o)\n";
    return kExitUsage;
  }
  int rc = 0;
  auto input = load_for_verify(o.policy, o.targets, true, rc);
  if (!input) return rc;
  const auto& p = input->policy;
  const auto& rulesets = input->rulesets;
  verifier::MatrixOptions mo;
  mo.rlimit = o.rlimit;
  mo.explain = false;
  verifier::Matrix m;
  try {
    m = verifier::reachability_matrix(p, rulesets, mo);
  } catch (const std::exception& e) {
    std::cerr << "zoneproof: internal error in the matrix: " << e.what() << "\n";
    return kExitFinding;
  }
  std::string dot = zone_graph_dot(p, m);
  if (!svg) return write_output(o.output, dot) ? (m.unknown() ? kExitUnknown : kExitOk) : kExitUsage;
  if (rc = render_svg(dot, o.output); rc != 0) {
    std::cerr << fmt::format("zoneproof: dot failed (exit {}) writing '{}'\n", rc, o.output);
    return kExitUsage;
  }
  return m.unknown() ? kExitUnknown : kExitOk;
}

}  // namespace

void add_graph_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("graph", "Draw the zone graph (Graphviz DOT, or SVG with -o FILE.svg)");
  auto o = std::make_shared<GraphOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->targets, "Only these targets (repeatable)");
  cmd->add_option("-o,--output", o->output, "Write to FILE (.svg renders with Graphviz's dot)");
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  cmd->callback([o, &exit_code] { exit_code = run_graph(*o); });
}

}  // namespace zp::cli

// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof graph POLICY [--target T]... [-o FILE.dot|FILE.svg]`: the zone graph as Graphviz
// DOT (edges from the reachability matrix); SVG through Graphviz's `dot` when it is installed.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <optional>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "pipeline/load.h"
#include "pipeline/secure_file.h"
#include "pipeline/verify_pipeline.h"
#include "report/formats.h"

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

// Runs `dot -Tsvg` with the DOT text on its standard input and its standard output in an
// anonymous memory file, so the SVG is written like every other output (write_output: a fresh
// file beside the target, renamed over it) and never by dot through a path it would follow.
// The SVG, or nullopt with `rc` (dot's exit status, or -1).
std::optional<std::string> render_svg(const std::string& dot, int& rc) {
  rc = -1;
  pipeline::Fd svg(memfd_create("zoneproof-graph-svg", MFD_CLOEXEC));
  int in[2];
  if (!svg || pipe2(in, O_CLOEXEC) != 0) return std::nullopt;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(svg.get(), STDOUT_FILENO);
    execlp("dot", "dot", "-Tsvg", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  // A dot that exits before reading everything must not kill zoneproof with SIGPIPE.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  size_t off = 0;
  while (pid > 0 && off < dot.size()) {
    ssize_t n = write(in[1], dot.data() + off, dot.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(in[1]);
  sigaction(SIGPIPE, &old, nullptr);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return std::nullopt;
  rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (rc != 0) return std::nullopt;
  std::string out;
  char buf[65536];
  for (off_t at = 0;;) {
    ssize_t n = pread(svg.get(), buf, sizeof buf, at);
    if (n < 0) {
      rc = -1;
      return std::nullopt;
    }
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

int run_graph(const GraphOptions& o) {
  bool svg = ends_with(o.output, ".svg");
  if (svg && !dot_installed()) {
    std::cerr << "zoneproof: writing SVG needs Graphviz's 'dot', which is not installed; write DOT instead "
                 "(-o FILE.dot, or no -o)\n";
    return kExitUsage;
  }
  int rc = 0;
  auto input = pipeline::load_for_verify(o.policy, o.targets, true, rc);
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
  std::string dot = report::zone_graph_dot(p, m);
  if (!svg) return pipeline::write_output(o.output, dot) ? (m.unknown() ? kExitUnknown : kExitOk) : kExitUsage;
  auto svg_text = render_svg(dot, rc);
  if (!svg_text) {
    std::cerr << fmt::format("zoneproof: dot failed (exit {}) rendering '{}'\n", rc, o.output);
    return kExitUsage;
  }
  return pipeline::write_output(o.output, *svg_text) ? (m.unknown() ? kExitUnknown : kExitOk) : kExitUsage;
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

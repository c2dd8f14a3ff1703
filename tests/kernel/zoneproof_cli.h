// SPDX-License-Identifier: GPL-2.0-or-later
// The real `zoneproof` command, run as a user would: `compile` produces the nft script the
// harness loads, `explain --format json` the verdicts the kernel is compared against.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zpk {

class ZoneproofCli {
 public:
  explicit ZoneproofCli(std::string exe) : exe_(std::move(exe)) {}

  // `zoneproof compile POLICY --target T -o OUT` (nft text); throws with its stderr on failure.
  void compile(const std::string& policy, const std::string& target, const std::string& out) const;

  // `zoneproof apply POLICY --target T --state-dir DIR`, run inside network namespace `netns`;
  // throws with its stderr on failure.
  void apply_in(const std::string& netns, const std::string& policy, const std::string& target,
                const std::string& state_dir) const;

  // `zoneproof verify POLICY`: the empty string when it exits 0, else its exit code and output.
  std::string verify_problem(const std::string& policy) const;

  // What zoneproof's model of an imported ruleset leaves out: the `model_notes` of
  // `zoneproof verify --ruleset LISTING --intents POLICY --target T --format json`.
  std::vector<std::string> model_notes(const std::string& listing, const std::string& policy,
                                       const std::string& target) const;

  struct Answer {
    std::string verdict;  // accept, drop, reject; or whatever explain said
    nlohmann::json raw;   // the whole JSON object, for reports
    std::string unmodelled;  // the first "not modelled, assumed to hold: ..." note of its traces
  };
  // `zoneproof explain POLICY --target T --packets FILE --format json` over `lines`; one answer
  // per line, in order. With `ruleset` (an `nft -j list ruleset` listing), `--ruleset RULESET`:
  // the verdicts are the listed ruleset's, every table of it; with "live:NS", `--live` run in
  // network namespace NS (the machine's own ruleset, local routes and iptables-nft translations).
  // Throws when explain fails or an answer is missing or unreadable.
  std::vector<Answer> explain(const std::string& policy, const std::string& target,
                              const std::vector<std::string>& lines, const std::string& packets_file,
                              const std::string& ruleset = {}) const;

  // Whether this zoneproof has the explain command; with `ruleset`, its `--ruleset` option too.
  bool has_explain(bool ruleset = false) const;

  const std::string& exe() const { return exe_; }

 private:
  std::string exe_;
};

// An answer's rule trace, one JSON step a line, for reports.
std::string trace_text(const nlohmann::json& answer);

// `explain` takes a rate limit as holding (the verifier treats it as either outcome); the kernel
// stops matching once a batch exceeds the burst. Where the answer went through a limit rule and
// explain accepted, a kernel drop is the limit at work, not a model error.
bool decided_by_limit(const ZoneproofCli::Answer& a);

// An imported ruleset can hold matches explain cannot model (an iptables-nft `xt` match, say); it
// takes them as holding and says so in a trace step's note ("not modelled, assumed to hold: ...").
// Such an answer is no prediction of the kernel's verdict. The first such note, or empty.
inline const std::string& unmodelled_note(const ZoneproofCli::Answer& a) { return a.unmodelled; }

// The notes of explain's text output, one per answer (empty: none), for a text holding one answer
// per packet line: an answer starts at a line that is not indented — its verdict line, or before
// it the "arrives on" line of a destination NAT — and runs until the next one.
std::vector<std::string> unmodelled_notes_of_text(const std::string& text);

}  // namespace zpk

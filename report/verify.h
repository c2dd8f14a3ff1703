// SPDX-License-Identifier: GPL-2.0-or-later
// Output formats of `verify` (text, json, sarif, junit) and the shared JSON of packets and
// traces that `explain` prints too.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ir/packet.h"
#include "verifier/verifier.h"

namespace zp::report {

std::string verify_text(const verifier::Report& r, bool color);
std::string verify_json(const verifier::Report& r, bool strict);
std::string verify_sarif(const verifier::Report& r);
std::string verify_junit(const verifier::Report& r);

nlohmann::json packet_json(const ir::Packet& p);
nlohmann::json trace_json(const std::vector<verifier::TraceStep>& trace);
nlohmann::json witness_json(const verifier::Witness& w);
// "  forward rule 3: tcp dport 22 accept   (rule admin-ssh at p.yaml:12:5)" lines.
std::string trace_text(const std::vector<verifier::TraceStep>& trace, const std::string& indent);
// "web-1 (output) -> gw (forward) -> db-1 (input)": the hops of an end-to-end path, joined by `arrow`.
std::string path_text(const verifier::PathCheck& p, const std::string& arrow = " -> ");

// The scope every proof has (printed with every result).
inline constexpr const char* kProofScope =
    "proofs cover zoneproof's own table only: another table on the same hook can still drop a "
    "packet zoneproof accepts";
// The scope of a report: its own (an imported ruleset's) or kProofScope.
inline std::string proof_scope(const verifier::Report& r) { return r.scope.empty() ? kProofScope : r.scope; }

}  // namespace zp::report

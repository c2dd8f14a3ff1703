// SPDX-License-Identifier: GPL-2.0-or-later
// The loader of each top-level section of a policy file. Each reads its YAML into the policy
// AST, checking shapes, keys, value syntax and names; cross-references and everything that
// needs the whole policy are left to the checks (check_policy.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/load_fields.h"
#include "compiler/policy.h"

namespace zp::load {

struct State {
  State(Diagnostics& d, policy::Policy& p) : reader(d), policy(p) {}
  Reader reader;
  policy::Policy& policy;
  // Parallel to policy.rules / policy.assertions: whether the user wrote a name (the others get
  // "rule N", made unique once every file is loaded).
  std::vector<bool> rule_named;
  std::vector<bool> assertion_named;
  std::optional<policy::Loc> defaults_loc;
  bool saw_zones = false;
};

void load_defaults(const Node& n, State& st);
void load_zones(const Node& n, State& st);
// `from_catalog` marks the services of the shipped catalog.
void load_services(const Node& n, State& st, bool from_catalog);
void load_rules(const Node& n, State& st);
void load_targets(const Node& n, State& st);
void load_assertions(const Node& n, State& st);
// The `nat` part of a gateway target (load_nat.cpp).
void load_nat(const Node& n, policy::Target& t, State& st, const std::string& what);

// Shared by rules and assertions: `from`/`to` (a name, a list, or any) and service lists.
std::vector<policy::Endpoint> load_endpoints(const Node& n, State& st, std::string_view what);
std::vector<policy::ServiceRef> load_service_refs(const Node& n, State& st, std::string_view what);
// A rate limit: "N/unit" or { rate: "N/unit", burst: B } (a rule's `limit`, `defaults.log_limit`).
// `key` is the key's name ("limit"), `what` what holds it ("rule 'web'").
std::optional<policy::RateLimit> load_limit(const Node& n, State& st, std::string_view key,
                                            std::string_view what);
// Addresses of a zone or target, with their locations (host-bit warnings reported here).
std::vector<policy::AddressRange> load_addresses(const Node& n, State& st, std::string_view what);

}  // namespace zp::load

namespace zp::load {
// An interface name as the kernel accepts it (1..15 bytes; no '/', ':', whitespace, quotes).
std::optional<std::string> load_interface_name(const Node& n, State& st, std::string_view what);
}  // namespace zp::load

namespace zp::load {
// Whether `word` is an nft keyword (and so unusable as a table name, even quoted).
bool is_nft_keyword(std::string_view word);
// The keywords that nft 1.0.6 itself rejects as table names (a test checks each with nft).
std::vector<std::string_view> nft_keywords_checked_with_nft();
}  // namespace zp::load

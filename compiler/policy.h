// SPDX-License-Identifier: GPL-2.0-or-later
// The policy AST: what a policy file says, with the file:line:col of every piece, after parsing
// and name resolution. The loader fills the syntax; the semantic checks fill the resolved indices
// (`Endpoint::index`, `ServiceRef::entries`) so the lowering and the verifier's policy-level
// semantics read one resolved model and never look names up again.
//
// The language is described in docs/language.md; this header is its data model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::policy {

using Loc = ir::SourceLoc;

// One entry of a zone's `addresses`: a CIDR, a single address or a range `a-b`, of one family.
struct AddressRange {
  int family = 4;  // 4 or 6
  Range range;     // inclusive, host bits cleared
  std::string text;
  Loc loc;
};

enum class Trust : uint8_t { None, Untrusted, Internal, Restricted };

struct Zone {
  std::string name;
  Loc loc;
  std::vector<AddressRange> addresses;
  std::vector<std::pair<std::string, Loc>> interfaces;  // packets on these interfaces belong here
  Trust trust = Trust::None;
  std::string description;
};

// One element of a service: a protocol with optional destination ports, or an ICMP type/code.
// `proto` empty means any protocol (the service `any`).
struct ServiceEntry {
  std::optional<uint8_t> proto;        // IP protocol number; nullopt = any protocol
  std::vector<Range> ports;            // destination ports (tcp/udp/sctp/udplite); empty = all
  std::optional<uint8_t> icmp_type;    // for icmp / icmpv6
  std::optional<uint8_t> icmp_code;
  int family = 0;                      // 4 for icmp, 6 for icmpv6, 0 for both
  std::string text;                    // as written, e.g. "tcp/22,2222"
  Loc loc;
};

struct Service {
  std::string name;
  Loc loc;
  std::vector<ServiceEntry> entries;
  std::string description;
  bool from_catalog = false;  // shipped in policies/services.yaml, not defined by this policy
};

// A `from`/`to` endpoint: a zone, a target itself (the gateway or host as source/destination of
// its own traffic), or `any` (every address, including those in no zone).
struct Endpoint {
  enum class Kind : uint8_t { Any, Zone, Target };
  Kind kind = Kind::Any;
  std::string name;
  Loc loc;
  size_t index = 0;  // into Policy::zones or Policy::targets, set by the checks
};

// A reference to a service in a rule or assertion: a name or an inline spec ("tcp/8080").
struct ServiceRef {
  std::string text;
  Loc loc;
  std::vector<ServiceEntry> entries;  // resolved by the checks
};

enum class Action : uint8_t { Allow, Deny, Reject };

struct RateLimit {
  uint64_t rate = 0;
  ir::TimeUnit per = ir::TimeUnit::Second;
  uint32_t burst = 5;
  Loc loc;
};

struct Rule {
  std::string name;  // given by the user, or "rule N" (N = 1-based position in the file)
  Loc loc;
  std::vector<Endpoint> from;  // never empty; a single Any endpoint for `any`
  std::vector<Endpoint> to;
  Action action = Action::Allow;
  std::vector<ServiceRef> services;  // never empty; `any` resolves to one any-protocol entry
  bool log = false;
  std::string comment;
  std::optional<RateLimit> limit;  // allow rules only
  // Ownership (docs/language.md): who answers for the rule, why it exists, until when.
  ir::RuleMeta meta;
  std::optional<int> expires;   // days since 1970-01-01 (compiler/dates.h)
  std::optional<int> reviewed;
  Loc expires_loc, reviewed_loc;
};

// The ownership keys a rule can carry, in the order they are printed.
inline constexpr std::string_view kMetaKeys[] = {"owner", "ticket", "justification", "expires",
                                                 "reviewed"};
// The value of one of kMetaKeys in `m` ("" when not given).
const std::string& meta_field(const ir::RuleMeta& m, std::string_view key);

struct Defaults {
  Action verdict = Action::Deny;  // what a packet no rule matches gets (allow = accept)
  bool log_denied = false;
  // Every log statement (rule `log: true`, `log: denied`) is limited per rule to this rate, so
  // a flood from the untrusted side cannot flood the log; nullopt (`log_limit: none`): unlimited.
  std::optional<RateLimit> log_limit = RateLimit{10, ir::TimeUnit::Second, 20, {}};
  // `log_group: N`: log to NFLOG group N (ulogd2, journald, a SIEM shipper), not the kernel log.
  std::optional<uint16_t> log_group;
  // Loopback, ICMPv6 ND/MLD and DHCP stay open at input/output (docs/semantics.md).
  bool essentials = true;
  // `require`: ownership keys every rule must carry; with `into`, only rules whose destination
  // can be a zone of that trust (`any`, such a zone, or a host target in one).
  std::vector<std::string> require;
  Trust require_into = Trust::None;
  Loc require_loc;
  Loc loc;
};

struct InterfaceBinding {
  std::string interface;
  std::vector<std::pair<std::string, Loc>> zones;  // names as written
  std::vector<size_t> zone_indices;                // resolved
  Loc loc;
};

// Source NAT on a gateway (docs/language.md, "NAT"): packets from `from` (every packet when
// empty) leaving by interface `out` get the address of `out` (masquerade) or `to` (snat).
struct SourceNat {
  enum class Kind : uint8_t { Masquerade, Snat };
  Kind kind = Kind::Masquerade;
  Loc loc;
  std::string out;
  Loc out_loc;
  std::vector<Endpoint> from;      // zones only; empty: every packet leaving `out`
  std::optional<AddressRange> to;  // snat: the single address
  int family = 4;                  // 4, 6, or 0 for both (masquerade only)
};

// A port forward (destination NAT): packets of `services` from `from` (anywhere when empty)
// addressed to one of `on` get the destination `to` (and port `port`, when given) before any
// filter sees them.
struct PortForward {
  std::string name;  // given, or "forward N" (1-based within the target)
  Loc loc;
  std::vector<ServiceRef> services;  // protocols with ports only
  std::vector<AddressRange> on;      // the public addresses
  AddressRange to;                   // a single address
  std::optional<uint16_t> port;
  Loc port_loc;
  std::vector<Endpoint> from;        // zones only
  int family = 4;                    // of `on` and `to`
};

struct Nat {
  std::vector<SourceNat> source;
  std::vector<PortForward> forwards;
  bool empty() const { return source.empty() && forwards.empty(); }
};

struct Target {
  enum class Kind : uint8_t { Gateway, Host };
  std::string name;
  Kind kind = Kind::Gateway;
  Loc loc;
  // gateway
  std::vector<InterfaceBinding> interfaces;
  // host, and optionally the gateway's own addresses (for rules to and from the box itself)
  std::vector<AddressRange> addresses;
  std::string zone;  // host: the zone the host sits in
  size_t zone_index = 0;
  Loc zone_loc;
  std::string table = "zoneproof";  // the nft table zoneproof owns on this target
  Nat nat;                          // gateway only

  // The hooks zoneproof filters on this target: forward too on a gateway.
  std::vector<ir::Hook> hooks() const {
    if (kind == Kind::Gateway) return {ir::Hook::Forward, ir::Hook::Input, ir::Hook::Output};
    return {ir::Hook::Input, ir::Hook::Output};
  }
};

struct Assertion {
  enum class Kind : uint8_t { Reach, Isolate, Only, Manage };
  std::string name;
  Kind kind = Kind::Reach;
  Loc loc;
  std::vector<Endpoint> from;        // Only: the permitted sources; Manage: who manages
  std::vector<Endpoint> to;          // Manage: the targets themselves
  std::vector<ServiceRef> services;  // empty = every service
  int family = 0;                    // 4, 6, or 0 for both
  std::vector<std::string> targets;  // empty = every target where the class can occur
  std::vector<Loc> target_locs;      // where each of `targets` is written
  std::vector<size_t> target_indices;
};

struct Policy {
  std::string file;                  // the top-level file
  std::vector<std::string> files;    // it and every included file, in load order
  Defaults defaults;
  std::vector<Zone> zones;
  std::vector<Service> services;     // the policy's own and the catalog's, by name
  std::vector<Rule> rules;
  std::vector<Target> targets;
  std::vector<Assertion> assertions;

  const Zone* find_zone(std::string_view name) const;
  const Service* find_service(std::string_view name) const;
  const Target* find_target(std::string_view name) const;
};

std::string_view to_string(Action a);
std::string_view to_string(Trust t);
std::string_view to_string(Assertion::Kind k);

}  // namespace zp::policy

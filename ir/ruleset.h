// SPDX-License-Identifier: GPL-2.0-or-later
// The Ruleset IR: a model of one nftables table as the kernel runs it. It is the only contract
// between the compiler, the backends and the verifier, and it knows nothing of YAML, Z3 or
// netlink. Every rule keeps the policy locations it came from, so a verdict on a packet can be
// traced back to `file:line:col` in the policy.
//
// Semantics (what the verifier encodes and the kernel tests check):
//  * Base chains run in priority order per hook; within a chain rules are tried in order, and the
//    first rule whose matches all hold applies its statements and its action.
//  * A match on an IPv4/IPv6 field is false for a packet of the other family (nft adds the
//    `meta nfproto` dependency). ICMP fields are false unless the packet is ICMP (resp. ICMPv6).
//  * `Sport`/`Dport` read the first four bytes of the transport header, whatever the protocol.
//  * A rule without an action falls through (statements only: counter, log).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ir/value.h"

namespace zp::ir {

// A place in a policy file.
struct SourceLoc {
  std::string file;
  int line = 0;  // 1-based; 0 means unknown
  int col = 0;   // 1-based
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};
std::string to_string(const SourceLoc& loc);  // "file:line:col"

// Who answers for a policy rule and until when (docs/language.md, "Ownership"): carried by the
// IR rules it makes so that every finding, trace and report names the owner and the ticket.
// Dates are "YYYY-MM-DD" or empty.
struct RuleMeta {
  std::string owner;
  std::string ticket;
  std::string justification;
  std::string expires;
  std::string reviewed;
  bool empty() const {
    return owner.empty() && ticket.empty() && justification.empty() && expires.empty() &&
           reviewed.empty();
  }
  friend bool operator==(const RuleMeta&, const RuleMeta&) = default;
};

// What in the policy made an IR rule: e.g. {"rule public-web", loc}, {"defaults", loc}.
struct Origin {
  Origin() = default;
  Origin(std::string what_, SourceLoc loc_, RuleMeta meta_ = {})
      : what(std::move(what_)), loc(std::move(loc_)), meta(std::move(meta_)) {}
  std::string what;
  SourceLoc loc;
  RuleMeta meta;  // of the policy rule, when the origin is one
  friend bool operator==(const Origin&, const Origin&) = default;
};

// --- matches ------------------------------------------------------------------------------------

// field ∈ values (values is a single value, a range, or an anonymous set); with negate, ∉.
struct FieldMatch {
  Field field{};
  std::vector<Range> values;
  bool negate = false;
  friend bool operator==(const FieldMatch&, const FieldMatch&) = default;
};

// (key[0] . key[1] ...) ∈ @set — a lookup in a named set of this table.
struct SetMatch {
  std::vector<Field> key;
  std::string set;
  bool negate = false;
  friend bool operator==(const SetMatch&, const SetMatch&) = default;
};

// Connection-tracking state bits, as the kernel numbers them in `ct state`.
enum CtState : uint32_t {
  kCtInvalid = 1u << 0,
  kCtEstablished = 1u << 1,
  kCtRelated = 1u << 2,
  kCtNew = 1u << 3,
  kCtUntracked = 1u << 6,
};
// ct state & states != 0 (with negate: == 0).
struct CtStateMatch {
  uint32_t states = 0;
  bool negate = false;
  friend bool operator==(const CtStateMatch&, const CtStateMatch&) = default;
};

enum class TimeUnit : uint8_t { Second, Minute, Hour, Day };
// `limit rate N/unit burst B packets`: holds while the rate is not exceeded. The verifier cannot
// know the rate at a packet, so it treats this match as either outcome and reports it.
struct LimitMatch {
  uint64_t rate = 0;
  TimeUnit per = TimeUnit::Second;
  uint32_t burst = 5;
  friend bool operator==(const LimitMatch&, const LimitMatch&) = default;
};

// A match zoneproof does not model, in a ruleset it imported and did not write (`fib`, `socket`,
// an iptables-nft `xt` expression, a field the IR has no place for): it may or may not hold for
// any packet. The verifier treats it as either outcome, as it does a rate limit, and says so in
// every result it can change; `evaluate` takes it as holding and marks the step. No backend
// writes it: an imported ruleset is read, never applied.
struct OpaqueMatch {
  std::string text;  // the expression as nft prints it (or its JSON), for traces and reports
  friend bool operator==(const OpaqueMatch&, const OpaqueMatch&) = default;
};

using Match = std::variant<FieldMatch, SetMatch, CtStateMatch, LimitMatch, OpaqueMatch>;
// Whether a match is either outcome to the verifier: a rate limit or an opaque match.
inline bool undecided_match(const Match& m) {
  return std::holds_alternative<LimitMatch>(m) || std::holds_alternative<OpaqueMatch>(m);
}

// --- statements, verdicts, actions ----------------------------------------------------------------

struct Counter {
  friend bool operator==(const Counter&, const Counter&) = default;
};
struct Log {
  Log() = default;
  Log(std::string prefix_, std::optional<uint16_t> group_ = {})
      : prefix(std::move(prefix_)), group(group_) {}
  std::string prefix;  // at most 127 bytes
  // `log group N`: to the NFLOG group N (ulogd2, a SIEM shipper) instead of the kernel log.
  std::optional<uint16_t> group;
  friend bool operator==(const Log&, const Log&) = default;
};
// `counter name "N"`: counts into the table's named counter N, which outlives the rule, so the
// figures of a policy rule survive a re-apply and can be read without listing every rule.
struct NamedCounter {
  std::string name;
  friend bool operator==(const NamedCounter&, const NamedCounter&) = default;
};
using Statement = std::variant<Counter, Log, NamedCounter>;

enum class VerdictKind : uint8_t { Accept, Drop, Reject, Jump, Goto, Return, Continue };
// How a reject answers: in the inet family an ICMPx unreachable, or a TCP reset.
enum class RejectWith : uint8_t { IcmpxAdminProhibited, IcmpxPortUnreachable, TcpReset };

struct Verdict {
  VerdictKind kind = VerdictKind::Drop;
  std::string chain;  // for Jump and Goto
  RejectWith reject = RejectWith::IcmpxAdminProhibited;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

// (key[0] . key[1] ...) vmap @map — jump to the verdict of the matching element; no element
// matching means the rule does not apply and evaluation continues with the next rule.
struct VmapLookup {
  std::vector<Field> key;
  std::string map;
  friend bool operator==(const VmapLookup&, const VmapLookup&) = default;
};

// Network address translation, in a base chain of type nat (docs/semantics.md, "NAT"). The
// kernel runs nat chains for the first packet of a connection only; conntrack applies the same
// translation to the rest of the connection and the reverse one to its replies. The rule ends
// the nat chain: the translation is set and the packet goes on.
//  * Dnat: destination address `addr` (and destination port `port`, when set); prerouting.
//  * Snat: source address `addr`; postrouting.
//  * Masquerade: source address of the output interface; postrouting.
enum class NatKind : uint8_t { Dnat, Snat, Masquerade };
struct Nat {
  NatKind kind = NatKind::Masquerade;
  int family = 0;  // 4 or 6 for Dnat and Snat (`dnat ip to`, `dnat ip6 to`); 0 for Masquerade
  u128 addr = 0;
  std::optional<uint16_t> port;
  friend bool operator==(const Nat&, const Nat&) = default;
};

using Action = std::variant<std::monostate, Verdict, VmapLookup, Nat>;

struct Rule {
  std::vector<Match> matches;
  std::vector<Statement> statements;
  Action action;
  // Stable id within the ruleset; written into the nft comment ("zp:<id> ...") so a ruleset read
  // back from nft JSON or the kernel can be joined to its origins.
  uint32_t id = 0;
  std::string comment;  // user-facing text (escaped by the backends, at most 128 bytes in all)
  std::vector<Origin> origins;
  friend bool operator==(const Rule&, const Rule&) = default;
};

// --- sets, maps, chains, tables -------------------------------------------------------------------

// One element: one range per key component (a concatenation has several).
using Key = std::vector<Range>;
// Lexicographic by (lo, hi) of each field: the order sets and maps are compared in.
bool key_less(const Key& a, const Key& b);

struct Set {
  std::string name;
  std::vector<Field> key;
  bool interval = false;  // `flags interval`: elements may be ranges/prefixes
  std::vector<Key> elements;
  friend bool operator==(const Set&, const Set&) = default;
};

struct MapElement {
  Key key;
  Verdict verdict;
  friend bool operator==(const MapElement&, const MapElement&) = default;
};
// A verdict map. Elements of an interval map must not overlap (the kernel rejects that).
struct Map {
  std::string name;
  std::vector<Field> key;
  bool interval = false;
  std::vector<MapElement> elements;
  // Every element counts the packets that met it (`counter` on the map): what the audit reads
  // to tell which zone pairs saw traffic (docs/monitoring.md). Decides nothing.
  bool counter = false;
  friend bool operator==(const Map&, const Map&) = default;
};

enum class Hook : uint8_t { Prerouting, Input, Forward, Output, Postrouting };
std::string_view hook_name(Hook h);

struct BaseChain {
  Hook hook = Hook::Forward;
  int priority = 0;
  bool policy_accept = false;  // the chain policy: accept, else drop
  // `type nat` (prerouting, postrouting): its rules translate and decide nothing; it never
  // drops, and its policy is accept. Else `type filter`.
  bool nat = false;
  friend bool operator==(const BaseChain&, const BaseChain&) = default;
};

struct Chain {
  std::string name;                // a generated identifier, never a user name
  std::optional<BaseChain> base;   // set for base chains
  std::vector<Rule> rules;
  friend bool operator==(const Chain&, const Chain&) = default;
};

struct Table {
  std::string name = "zoneproof";  // always family inet
  std::vector<Set> sets;
  std::vector<Map> maps;
  std::vector<Chain> chains;
  std::vector<std::string> counters;  // named counter objects, sorted
  friend bool operator==(const Table&, const Table&) = default;

  const Chain* find_chain(std::string_view n) const;
  const Set* find_set(std::string_view n) const;
  const Map* find_map(std::string_view n) const;
};

// The ruleset of one enforcement point (target) of a policy.
// What the element counters of one map count, as the compiler knows it (nft does not carry it):
// the packets of `hook` that met each element, from `source` (a zone, the target, or "*" for
// every source) to the element's zone; or, when `source` is empty (a map classifying sources),
// from the element's zone. `stage` is the action whose rules those packets meet next, empty for
// a map every packet of the pair meets.
struct MapCounting {
  Hook hook = Hook::Forward;
  std::string source;
  std::string stage;
  std::vector<std::string> zones;  // per element, in the map's element order
  friend bool operator==(const MapCounting&, const MapCounting&) = default;
};

struct Ruleset {
  std::string target;  // the user's target name (never an nft identifier)
  Table table;
  std::map<std::string, MapCounting> counting;  // by map name; empty when read back from nft
  friend bool operator==(const Ruleset&, const Ruleset&) = default;

  // Rule by id, or nullptr. Linear: for many lookups, index the rules once (rules_by_id).
  const Rule* find_rule(uint32_t id) const;
};

// The key fields of each set and map at its first use by a rule (a set lookup, or a verdict map
// lookup), by name. nft keeps only a set's key types; the first use says which fields they are.
std::unordered_map<std::string, std::vector<Field>> first_key_uses(const Table& table);

// Every rule with an id (not 0), by id.
std::unordered_map<uint32_t, const Rule*> rules_by_id(const Ruleset& rs);
// Gives each rule of `to` the origins of the rule with the same id in `from` (a ruleset read back
// from the kernel carries ids only).
void join_origins(const Ruleset& from, Ruleset& to);

}  // namespace zp::ir

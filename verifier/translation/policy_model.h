// SPDX-License-Identifier: GPL-2.0-or-later
// The policy's rules by packet class at one hook of one target (docs/semantics.md, "Which rules
// apply"): which source and destination classes a packet there can have, and which policy
// rules apply to each pair of classes. Computed from the policy AST alone; the same endpoint
// semantics as the policy encoding (PolicyEncoder::endpoint_matches), which the tests check.
// Also the concrete policy semantics of one packet, for building and describing witnesses.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/policy.h"
#include "ir/packet.h"
#include "ir/ruleset.h"
#include "verifier/engine/zone_space.h"

namespace zp::verifier {

class PolicyModel {
 public:
  PolicyModel(const policy::Policy& pol, const ZoneSpace& zones, size_t target, ir::Hook hook);

  const policy::Policy& policy() const { return pol_; }
  const ZoneSpace& zones() const { return zones_; }
  size_t target() const { return target_; }
  ir::Hook hook() const { return hook_; }
  // The classes each side can have at this hook (the target itself at input/output).
  const std::vector<unsigned>& src_classes() const { return src_; }
  const std::vector<unsigned>& dst_classes() const { return dst_; }
  bool endpoint_matches(const policy::Endpoint& e, unsigned cls, bool source) const;
  bool endpoints_match(const std::vector<policy::Endpoint>& eps, unsigned cls, bool source) const;
  // The policy rules (indices, ascending) whose endpoints match classes s and d.
  std::vector<uint32_t> rules_for(unsigned s, unsigned d) const;
  // Whether the gateway drops a packet of address class `addr_cls` (a source address of
  // `family`) arriving on `iif` as spoofed.
  bool spoofed(unsigned addr_cls, int family, u128 iif) const;
  // The interfaces a packet of address class `addr_cls` is dropped on as spoofed (sorted).
  const std::vector<u128>& spoof_interfaces(unsigned addr_cls, int family) const;
  // Whether some zone's source addresses of `family` are dropped as spoofed on `iif`.
  bool spoofing_on(u128 iif, int family) const;
  bool has_anti_spoofing() const;

  // --- one concrete packet -----------------------------------------------------------------
  unsigned src_class_of(const ir::Packet& p) const;
  unsigned dst_class_of(const ir::Packet& p) const;
  bool essential(const ir::Packet& p) const;
  // The policy rules that apply to the packet, and the verdict the policy gives it: a rate
  // limit is within its rate unless `limits` (by limit key) says otherwise.
  std::vector<uint32_t> applying_rules(const ir::Packet& p) const;
  uint8_t verdict(const ir::Packet& p, const std::map<std::string, bool>* limits = nullptr) const;

 private:
  void index_rule(uint32_t i, const std::vector<policy::Endpoint>& eps, bool source, const std::vector<char>& on_side);
  // An endpoint matches every class of its side (any, or a host's own zone on the host's own
  // side), or at most the one class only_class names (none: another target).
  bool matches_every_class(const policy::Endpoint& e, bool source) const;
  std::optional<unsigned> only_class(const policy::Endpoint& e) const;

  const policy::Policy& pol_;
  const ZoneSpace& zones_;
  size_t target_;
  ir::Hook hook_;
  std::vector<unsigned> src_, dst_;
  std::vector<std::vector<uint32_t>> by_src_, by_dst_;  // per class: rules matching it
  std::vector<std::vector<u128>> spoof4_, spoof6_;      // per zone: spoof_interfaces
  std::vector<u128> spoofing4_, spoofing6_;             // their union (sorted): spoofing_on
};

// Per zone, the interfaces (values, sorted) of a gateway on which a source address of `family`
// classified into the zone is dropped as spoofed (docs/semantics.md, "Anti-spoofing"): the bound interfaces
// not bound to the zone — except, for a catch-all zone (0.0.0.0/0, ::/0), those bound to a zone
// naming no address of the family. Written here apart from the compiler's lowering
// (compiler/spoofing.h), so that translation validation compares two readings of the semantics.
std::vector<std::vector<u128>> spoofing_interfaces(const policy::Policy& pol, const policy::Target& t, int family);

bool service_entry_matches(const policy::ServiceEntry& s, const ir::Packet& p);
bool services_match(const std::vector<policy::ServiceRef>& refs, const ir::Packet& p);

// The policy rule an IR rule was lowered from (by its origin), or -1.
class OriginIndex {
 public:
  explicit OriginIndex(const policy::Policy& pol);
  int rule_of(const ir::Rule& r) const;

 private:
  std::unordered_map<std::string, int> by_loc_;
};

}  // namespace zp::verifier

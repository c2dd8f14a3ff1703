// SPDX-License-Identifier: GPL-2.0-or-later
// One nft match ({"op", "left", "right"}) -> IR matches. A match the IR holds exactly becomes its
// dependencies and a FieldMatch, SetMatch or CtStateMatch; anything else becomes one OpaqueMatch
// in its place and a note, never nothing (a rule without one of its matches fires more often).
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"
#include "backends/nft_names.h"

namespace zp::backends::import {

namespace {

ir::FieldMatch dep(Field f, u128 v) { return {f, {{v, v}}, false}; }

struct FieldRef {
  Field field{};
  std::vector<ir::FieldMatch> deps;
  bool by_index = false;  // `iif`/`oif`: read as the name, but no wildcard and no order
};

std::optional<FieldRef> meta_field(const std::string& key, const RuleSite& site, std::string& why) {
  if (key == "nfproto") return FieldRef{Field::Nfproto, {}};
  if (key == "l4proto") return FieldRef{Field::L4proto, {}};
  if (key == "iifname") return FieldRef{Field::Iifname, {}};
  if (key == "oifname") return FieldRef{Field::Oifname, {}};
  // `iif`/`oif` compare the interface index nft resolved when the rule was loaded; a listing
  // names the interface that has that index now (a number when none has it, which no name
  // value parses as: opaque). Read as the name, exact while interfaces keep their names.
  if (key == "iif") return FieldRef{Field::Iifname, {}, true};
  if (key == "oif") return FieldRef{Field::Oifname, {}, true};
  if (key != "mark") return std::nullopt;
  // The model gives a packet one mark at every hook; a rule that sets it breaks that.
  if (!site.mark_changed.empty()) return why = "a rule changes the mark: " + site.mark_changed, std::nullopt;
  return FieldRef{Field::Mark, {}};
}

std::optional<FieldRef> payload_field(const std::string& proto, const std::string& field) {
  using F = Field;
  if (proto == "ip" && field == "saddr") return FieldRef{F::Ip4Saddr, {}};
  if (proto == "ip" && field == "daddr") return FieldRef{F::Ip4Daddr, {}};
  if (proto == "ip6" && field == "saddr") return FieldRef{F::Ip6Saddr, {}};
  if (proto == "ip6" && field == "daddr") return FieldRef{F::Ip6Daddr, {}};
  // `ip protocol` reads the IPv4 header, so it implies IPv4; the IR's L4proto has no family.
  if (proto == "ip" && field == "protocol") return FieldRef{F::L4proto, {dep(F::Nfproto, kNfprotoIpv4)}};
  // `ip6 nexthdr` is the first next-header field: the transport protocol only when the packet
  // carries no extension header, which the packet model cannot say. Left opaque: read as meta
  // l4proto, `ip6 nexthdr udp drop` would look like it drops UDP that a destination-options
  // header carries past it.
  if (proto == "icmp" && (field == "type" || field == "code"))
    return FieldRef{field == "type" ? F::IcmpType : F::IcmpCode, {dep(F::L4proto, kProtoIcmp)}};
  if (proto == "icmpv6" && (field == "type" || field == "code"))
    return FieldRef{field == "type" ? F::Icmp6Type : F::Icmp6Code, {dep(F::L4proto, kProtoIcmpv6)}};
  if (field != "sport" && field != "dport") return std::nullopt;
  F f = field == "sport" ? F::Sport : F::Dport;
  if (proto == "th") return FieldRef{f, {}};
  // nft's implicit dependency: `tcp dport != 22` never matches a UDP packet, while the IR's
  // Sport/Dport read the first bytes of any transport header.
  for (std::string_view p : {"tcp", "udp", "udplite", "sctp", "dccp"})
    if (proto == p) return FieldRef{f, {dep(F::L4proto, *l4proto_from_name(p))}};
  return std::nullopt;
}

// A field expression; an attribute the IR does not know (a raw payload's base and offset, a ct
// direction) makes it no field.
std::optional<FieldRef> read_field(const json& j, const RuleSite& site, std::string& why) {
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  const std::string& kind = j.begin().key();
  const json& body = j.begin().value();
  if (kind == "meta" && body.is_object() && body.size() == 1 && body.contains("key") && body["key"].is_string())
    return meta_field(body["key"].get<std::string>(), site, why);
  if (kind == "payload" && body.is_object() && body.size() == 2 && body.contains("protocol") &&
      body.contains("field") && body["protocol"].is_string() && body["field"].is_string())
    return payload_field(body["protocol"].get<std::string>(), body["field"].get<std::string>());
  return std::nullopt;
}

// `ct state` forms, for a packet that has exactly one state bit (as the kernel gives it):
//  in/implicit NAMES: a bit test (any of them);  == NAME or == {set}: the same;
//  != NAME or != {set}: none of them;  == / != with a flag list (a|b): a comparison with
//  several bits at once, never (always) true, left opaque.
std::optional<ir::CtStateMatch> ct_state(const std::string& op, const json& right, std::string& why) {
  ir::CtStateMatch m;
  m.negate = op == "!=";
  if (op != "in" && op != "==" && op != "!=") return why = "operator " + op, std::nullopt;
  std::vector<const json*> names;
  if (right.is_object() && right.size() == 1 && right.contains("set")) {
    const json& items = right["set"];
    if (items.is_array())
      for (const auto& i : items) names.push_back(&i);
    else
      names.push_back(&items);
  } else if (right.is_array()) {
    if (op != "in" && right.size() != 1) return why = "a comparison with several states at once", std::nullopt;
    for (const auto& i : right) names.push_back(&i);
  } else {
    names.push_back(&right);
  }
  for (const json* n : names) {
    auto bit = n->is_string() ? ct_state_bit(n->get<std::string>()) : std::nullopt;
    if (!bit) return why = fmt::format("unknown ct state {}", n->dump()), std::nullopt;
    m.states |= *bit;
  }
  if (m.states == 0) return why = "no state", std::nullopt;
  return m;
}

// `th dport >= 1024` and friends: the range they describe.
std::optional<Range> comparison(const std::string& op, Field f, const json& right, std::string& why) {
  auto values = read_values(f, right, why);
  if (!values) return std::nullopt;
  if (values->size() != 1 || (*values)[0].lo != (*values)[0].hi)
    return why = "a comparison with more than one value", std::nullopt;
  u128 x = (*values)[0].lo, max = field_max(f);
  if (op == ">=") return Range{x, max};
  if (op == "<=") return Range{0, x};
  if (op == ">" && x < max) return Range{x + 1, max};
  if (op == "<" && x > 0) return Range{0, x - 1};
  return why = "a comparison no value satisfies", std::nullopt;
}

bool is_set_reference(const json& right) {
  return right.is_string() && !right.get_ref<const std::string&>().empty() && right.get_ref<const std::string&>()[0] == '@';
}

// The elements of an anonymous set (or a single value) of a concatenated key.
std::optional<std::vector<ir::Key>> concat_elements(const std::vector<Field>& key, const json& right, std::string& why) {
  std::vector<ir::Key> out;
  const json* items = &right;
  if (right.is_object() && right.size() == 1 && right.contains("set")) items = &right["set"];
  if (!items->is_array()) {
    auto k = read_element(key, *items, why);
    if (!k) return std::nullopt;
    out.push_back(std::move(*k));
    return out;
  }
  if (items->empty()) return why = "an empty set", std::nullopt;
  for (const auto& i : *items) {
    auto k = read_element(key, i, why);
    if (!k) return std::nullopt;
    out.push_back(std::move(*k));
  }
  return out;
}

void push_deps(std::vector<ir::Match>& out, const KeyRef& key) {
  out.insert(out.end(), key.deps.begin(), key.deps.end());
}

}  // namespace

std::optional<KeyRef> read_key(const json& j, const RuleSite& site, std::string& why) {
  KeyRef out;
  auto add = [&](const json& part) {
    auto f = read_field(part, site, why);
    if (!f) return false;
    out.fields.push_back(f->field);
    out.deps.insert(out.deps.end(), f->deps.begin(), f->deps.end());
    if (f->by_index) out.by_index.push_back(out.fields.size() - 1);
    return true;
  };
  if (j.is_object() && j.size() == 1 && j.contains("concat")) {
    const json& parts = j["concat"];
    if (!parts.is_array() || parts.empty()) return std::nullopt;
    for (const auto& p : parts)
      if (!add(p)) return std::nullopt;
    return out;
  }
  if (!add(j)) return std::nullopt;
  return out;
}

std::optional<std::string> by_index_wildcard(const KeyRef& key, const ir::Key& element) {
  for (size_t i : key.by_index)
    if (i < element.size() && element[i].lo != element[i].hi)
      return "an interface compared by index whose name ends in '*' (no wildcard)";
  return std::nullopt;
}

bool is_ct_state(const json& left) {
  return left.is_object() && left.size() == 1 && left.contains("ct") && left["ct"].is_object() &&
         left["ct"].size() == 1 && left["ct"].value("key", json()) == "state";
}

void RuleNotes::add(std::string what) {
  if (seen_.insert(what).second) notes_.push_back(std::move(what));
}

ir::OpaqueMatch RuleNotes::opaque(std::string text, const std::string& why) {
  add(opaque_note(text, why));
  return ir::OpaqueMatch{std::move(text)};
}

void drop_repeated_dependencies(std::vector<ir::Match>& matches) {
  std::set<std::pair<Field, u128>> seen;
  auto repeated = [&](const ir::Match& m) {
    const auto* fm = std::get_if<ir::FieldMatch>(&m);
    if (!fm || fm->negate || fm->values.size() != 1 || fm->values[0].lo != fm->values[0].hi) return false;
    if (fm->field != Field::Nfproto && fm->field != Field::L4proto) return false;
    return !seen.emplace(fm->field, fm->values[0].lo).second;
  };
  matches.erase(std::remove_if(matches.begin(), matches.end(), repeated), matches.end());
}

void import_match(const json& body, const std::string& path, const RuleSite& site, TableScope& scope,
                  RuleNotes& notes, std::vector<ir::Match>& out) {
  const json& left = member(body, "left", path);
  const json& right = member(body, "right", path);
  // Without "op", nft means the implicit operator: equality, membership or a flag test.
  std::string op = body.contains("op") ? string_at(body["op"], path + ".op") : "in";
  std::string why;
  auto opaque = [&] { out.push_back(notes.opaque(match_text(body), why)); };
  const bool equality = op == "==" || op == "in" || op == "!=";

  if (is_ct_state(left)) {
    if (!site.ct_state_unknown.empty()) return why = site.ct_state_unknown, opaque();
    auto m = ct_state(op, right, why);
    if (!m) return opaque();
    return out.push_back(*m);
  }
  auto key = read_key(left, site, why);
  if (!key) return opaque();
  if (is_set_reference(right)) {
    if (!equality) return why = "operator " + op, opaque();
    auto set = scope.lookup_set(right.get<std::string>().substr(1), key->fields, why);
    if (!set) return opaque();
    push_deps(out, *key);
    return out.push_back(ir::SetMatch{key->fields, *set, op == "!="});
  }
  if (key->fields.size() > 1) {
    // A concatenation against an anonymous set: a synthetic named set holds the elements.
    if (!equality) return why = "operator " + op, opaque();
    auto elements = concat_elements(key->fields, right, why);
    if (!elements) return opaque();
    for (const auto& e : *elements)
      if (auto w = by_index_wildcard(*key, e)) return why = *w, opaque();
    push_deps(out, *key);
    std::string set = scope.anonymous_set(key->fields, std::move(*elements));
    return out.push_back(ir::SetMatch{key->fields, set, op == "!="});
  }
  const Field f = key->fields[0];
  ir::FieldMatch fm{f, {}, op == "!="};
  if (equality) {
    auto values = read_values(f, right, why);
    if (!values) return opaque();
    if (!key->by_index.empty())
      for (const Range& r : *values)
        if (auto w = by_index_wildcard(*key, {r})) return why = *w, opaque();
    fm.values = std::move(*values);
  } else if (!key->by_index.empty()) {
    return why = "interfaces compared by index: the order of indexes is not the order of names", opaque();
  } else if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    auto r = comparison(op, f, right, why);
    if (!r) return opaque();
    fm.values = {*r};
  } else {
    return why = "operator " + op, opaque();
  }
  push_deps(out, *key);
  out.push_back(std::move(fm));
}

}  // namespace zp::backends::import

// SPDX-License-Identifier: GPL-2.0-or-later
// normalize_for_compare: a ruleset as it looks after a trip through nft (see nft_json.h).
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "backends/nft_json.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends {

namespace {


bool is_single(const ir::Match& m, Field f, u128 v) {
  auto* fm = std::get_if<ir::FieldMatch>(&m);
  return fm && fm->field == f && !fm->negate && fm->values.size() == 1 && fm->values[0].lo == v &&
         fm->values[0].hi == v;
}

// The fields a match or lookup reads.
std::vector<Field> fields_read(const ir::Match& m) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) return {fm->field};
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) return sm->key;
  return {};
}

// Whether `m` is a dependency that another match of the same segment implies, so that nft lists
// it away: `meta nfproto ipv4` before `ip saddr`, `meta l4proto icmp` before `icmp type`.
bool implied_by(const ir::Match& m, const std::vector<Field>& others) {
  for (auto f : others) {
    int family = field_family(f);
    if (family == 4 && is_single(m, Field::Nfproto, kNfprotoIpv4)) return true;
    if (family == 6 && is_single(m, Field::Nfproto, kNfprotoIpv6)) return true;
    bool icmp = f == Field::IcmpType || f == Field::IcmpCode;
    bool icmp6 = f == Field::Icmp6Type || f == Field::Icmp6Code;
    if (icmp && is_single(m, Field::L4proto, kProtoIcmp)) return true;
    if (icmp6 && is_single(m, Field::L4proto, kProtoIcmpv6)) return true;
  }
  return false;
}

// Sorts, deduplicates and drops implied dependencies within one run of matches between limits.
std::vector<ir::Match> normalize_segment(std::vector<ir::Match> seg, const std::vector<Field>& extra) {
  for (auto& m : seg)
    if (auto* fm = std::get_if<ir::FieldMatch>(&m)) fm->values = merge_ranges(fm->values);
  std::vector<Field> read = extra;
  for (const auto& m : seg)
    for (auto f : fields_read(m)) read.push_back(f);
  std::vector<ir::Match> kept;
  for (const auto& m : seg)
    if (!implied_by(m, read)) kept.push_back(m);
  // Sorted by kind, then by JSON spelling (computed once per match).
  std::vector<std::pair<std::string, ir::Match>> keyed;
  for (auto& m : kept) keyed.emplace_back(std::to_string(m.index()) + json_expr::match_text(m), std::move(m));
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  keyed.erase(std::unique(keyed.begin(), keyed.end()), keyed.end());
  std::vector<ir::Match> out;
  for (auto& k : keyed) out.push_back(std::move(k.second));
  return out;
}

void normalize_rule(ir::Rule& r) {
  r.origins.clear();
  auto parsed = parse_rule_comment(rule_comment_text(r).value_or(""));
  r.id = parsed.id;
  r.comment = parsed.comment;
  for (auto& s : r.statements)
    if (auto* log = std::get_if<ir::Log>(&s)) log->prefix = log_prefix_text(log->prefix);

  // `reject with tcp reset` only applies to TCP: nft adds the protocol match.
  if (auto* v = std::get_if<ir::Verdict>(&r.action);
      v && v->kind == ir::VerdictKind::Reject && v->reject == ir::RejectWith::TcpReset) {
    bool has = std::any_of(r.matches.begin(), r.matches.end(),
                           [](const ir::Match& m) { return is_single(m, Field::L4proto, kProtoTcp); });
    if (!has) r.matches.push_back(ir::FieldMatch{Field::L4proto, {{kProtoTcp, kProtoTcp}}, false});
  }

  // The backends write only the kind of a masquerade (it takes the output interface's address).
  if (auto* n = std::get_if<ir::Nat>(&r.action); n && n->kind == ir::NatKind::Masquerade)
    *n = ir::Nat{ir::NatKind::Masquerade, 0, 0, std::nullopt};

  std::vector<Field> lookup_fields;
  if (auto* v = std::get_if<ir::VmapLookup>(&r.action)) lookup_fields = v->key;
  std::vector<ir::Match> out, seg;
  for (auto& m : r.matches) {
    if (ir::undecided_match(m)) {
      for (auto& x : normalize_segment(std::move(seg), {})) out.push_back(std::move(x));
      seg.clear();
      out.push_back(m);
    } else {
      seg.push_back(m);
    }
  }
  // The verdict-map lookup comes after the last segment.
  for (auto& x : normalize_segment(std::move(seg), lookup_fields)) out.push_back(std::move(x));
  r.matches = std::move(out);
}

// The fields of a set's first use, or the canonical field of each key type.
template <typename Use>
std::vector<Field> resolved_key(const std::vector<Field>& key, const std::optional<Use>& use) {
  auto canonical = [](Field f) {
    return json_expr::field_of_set_type(field_set_type(f)).value_or(f);
  };
  std::vector<Field> out;
  bool same = use && use->size() == key.size();
  for (size_t i = 0; same && i < key.size(); ++i) same = canonical((*use)[i]) == canonical(key[i]);
  if (same) return *use;
  for (auto f : key) out.push_back(canonical(f));
  return out;
}

}  // namespace

ir::Ruleset normalize_for_compare(const ir::Ruleset& ruleset) {
  ir::Ruleset out = ruleset;
  out.target.clear();
  out.counting.clear();  // the compiler's knowledge, not the kernel's
  ir::Table& t = out.table;
  for (auto& c : t.chains)
    for (auto& r : c.rules) normalize_rule(r);

  const auto uses = ir::first_key_uses(t);
  auto use_of = [&](const std::string& name) -> std::optional<std::vector<Field>> {
    auto it = uses.find(name);
    if (it == uses.end()) return std::nullopt;
    return it->second;
  };
  for (auto& s : t.sets) {
    s.key = resolved_key(s.key, use_of(s.name));
    std::sort(s.elements.begin(), s.elements.end(), ir::key_less);
  }
  for (auto& m : t.maps) {
    m.key = resolved_key(m.key, use_of(m.name));
    std::sort(m.elements.begin(), m.elements.end(),
              [](const ir::MapElement& a, const ir::MapElement& b) { return ir::key_less(a.key, b.key); });
  }
  return out;
}

}  // namespace zp::backends

// SPDX-License-Identifier: GPL-2.0-or-later
// The semantic diff (diff.h): per target, hook and family, the packets where the verdicts of the
// two rulesets differ, enumerated as regions labelled with the pair of verdicts.
#include <algorithm>
#include <chrono>

#include "verifier/regions/diff.h"
#include "verifier/regions/diff_delta.h"
#include "verifier/regions/enumerate.h"
#include "verifier/run_limits.h"

namespace zp::verifier {

namespace {

const ir::Ruleset* find_ruleset(const std::vector<ir::Ruleset>& rss, const std::string& name) {
  for (const auto& r : rss)
    if (r.target == name) return &r;
  return nullptr;
}

struct Sides {
  const policy::Policy& before_policy;
  const policy::Policy& after_policy;
  const ir::Ruleset& before;
  const ir::Ruleset& after;
  const IfaceNames& ifaces;
  size_t after_target;  // index of the target in the after policy
};

// Every region of one family at one hook where the two rulesets disagree. The label is the
// pair of verdicts, before << 2 | after.
regions::SearchResult diff_family(const Sides& s, ir::Hook hook, int family, const DiffOptions& o) {
  if (run_limit_reached()) {  // past the run's time or memory limit: unknown, nothing encoded
    regions::SearchResult stopped;
    stopped.unknown = true;
    return stopped;
  }
  // Rules of the other family cannot decide a packet of this one: leave them out. With the
  // delta, only the packets it says may differ are asked about (diff_delta.h), box by box.
  std::vector<Box> boxes(1);
  boxes[0].v4 = family == 4;
  boxes[0].v6 = family == 6;
  if (o.delta) {
    HookDelta d = hook_delta(s.before, s.after, hook, family);
    if (d.boxes.empty()) return {};  // equal at this hook, without a query
    boxes = std::move(d.boxes);
    // Boxes that each keep most of the rulesets (changes in chains that many zones share) are
    // cheaper asked about as one box around them all: one encoding instead of many.
    auto kept = [&](const Box& b) {
      return slice_table(s.before.table, &b).kept_rules + slice_table(s.after.table, &b).kept_rules;
    };
    size_t apart = 0;
    for (const auto& b : boxes) apart += kept(b);
    if (boxes.size() > 1 && apart > kept(*d.hull)) boxes = {*d.hull};
  }
  z3::context c;
  enc::SymPacket p = enc::make_packet(c, hook, "");
  enc::LimitVars lv(c);
  const PreparedRuleset prep_b(s.before), prep_a(s.after);
  // In each box, both rulesets sliced to it (exact there); a packet in several boxes is judged in
  // the first. Outside every box both verdicts are equal (and the sliced encodings say nothing
  // there): those packets get an equal pair as label, so no region grows out of the boxes.
  z3::expr label = c.bv_val(0, 4);
  z3::expr differ = c.bool_val(false);
  for (size_t i = boxes.size(); i-- > 0;) {
    enc::IrEncoder eb(c, prep_b, p, lv, &boxes[i]), ea(c, prep_a, p, lv, &boxes[i]);
    z3::expr vb = eb.hook_verdict(), va = ea.hook_verdict();
    z3::expr inside = enc::in_box(p, boxes[i]);
    label = z3::ite(inside, z3::concat(vb, va), label);
    differ = z3::ite(inside, vb != va, differ);
  }
  z3::expr domain = enc::wellformed(p) && (family == 6 ? p.v6 : !p.v6) &&
                    regions::iface_names_domain(p, s.ifaces) && regions::limits_within(c, lv);
  CellBuilder cb(family, hook, s.ifaces);
  cb.add_ruleset(s.before);
  cb.add_ruleset(s.after);
  cb.add_policy(s.before_policy);
  cb.add_policy(s.after_policy);
  Cells cells = cb.build();
  // Witnesses read best when routed as the after side's topology says.
  enc::PolicyEncoder pe(c, s.after_policy, s.after_target, p, lv);
  std::vector<z3::expr> prefs = regions::routed_packet(pe, p, s.after_policy, s.after_target);
  for (auto& x : regions::readable_packet(p, s.ifaces, family)) prefs.push_back(x);
  auto groups = regions::zone_groups({&s.before_policy, &s.after_policy}, family);
  regions::SearchSpec spec{&p, family, hook, &cells, o.rlimit, o.max_regions, o.first_only,
                           o.explain ? &prefs : nullptr, &groups, {}};
  return regions::enumerate(spec, domain, label, differ);
}

HookDiff diff_hook(const Sides& s, ir::Hook hook, const Namer& namer, const DiffOptions& o,
                   size_t& queries) {
  HookDiff hd;
  hd.hook = hook;
  std::vector<regions::Found> found;  // merged per family by the search
  for (int family : {4, 6}) {
    if (o.first_only && !found.empty()) break;
    auto res = diff_family(s, hook, family, o);
    queries += res.queries;
    if (res.unknown) hd.status = Status::Unknown;
    hd.truncated = hd.truncated || res.truncated;
    for (auto& f : res.regions) found.push_back(std::move(f));
  }
  Options eo;
  eo.rlimit = o.rlimit;
  eo.nft_text = o.nft_text;
  for (auto& f : found) {
    DiffRegion d;
    d.box = std::move(f.box);
    d.text = describe(d.box, namer);
    d.before = enc::to_verdict(f.label >> 2);
    d.after = enc::to_verdict(f.label & 3);
    d.kind = change_kind(d.before, d.after);
    d.witness = std::move(f.witness);
    if (o.explain) {
      d.before_explained = explain(s.before, d.witness, eo);
      d.after_explained = explain(s.after, d.witness, eo);
    }
    hd.regions.push_back(std::move(d));
  }
  // Newly allowed first, then newly blocked, then changed refusals; IPv4 before IPv6.
  std::stable_sort(hd.regions.begin(), hd.regions.end(), [](const DiffRegion& a, const DiffRegion& b) {
    return std::make_pair(a.kind, a.box.family) < std::make_pair(b.kind, b.box.family);
  });
  return hd;
}

TargetDiff diff_target(const DiffSide& before, const DiffSide& after, const std::string& name,
                       const DiffOptions& o, size_t& queries) {
  TargetDiff td;
  td.target = name;
  const policy::Target* tb = before.policy->find_target(name);
  const policy::Target* ta = after.policy->find_target(name);
  const ir::Ruleset* rb = tb ? find_ruleset(*before.rulesets, name) : nullptr;
  const ir::Ruleset* ra = ta ? find_ruleset(*after.rulesets, name) : nullptr;
  td.loc = ta ? ta->loc : tb->loc;
  if (!rb || !ra) {
    td.presence = ra ? TargetDiff::Presence::Added : TargetDiff::Presence::Removed;
    return td;
  }
  add_iface_names(td.ifaces, *before.policy);
  add_iface_names(td.ifaces, *after.policy);
  add_iface_names(td.ifaces, *rb);
  add_iface_names(td.ifaces, *ra);
  finish_iface_names(td.ifaces);
  Namer namer = make_namer(*after.policy, td.ifaces, name);
  namer.base = before.policy;
  namer.base_zones = zone_addresses(*before.policy);
  Sides s{*before.policy, *after.policy, *rb, *ra, td.ifaces,
          static_cast<size_t>(ta - after.policy->targets.data())};
  // Forward first (between zones), then input and output; the after side's kind first.
  std::vector<ir::Hook> hooks = ta->hooks();
  for (ir::Hook h : tb->hooks())
    if (std::find(hooks.begin(), hooks.end(), h) == hooks.end()) hooks.push_back(h);
  for (ir::Hook h : hooks) {
    td.hooks.push_back(diff_hook(s, h, namer, o, queries));
    if (o.first_only && !td.hooks.back().regions.empty()) break;
  }
  return td;
}

}  // namespace

DiffReport diff(const DiffSide& before, const DiffSide& after, const DiffOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  DiffReport rep;
  rep.before = before.label;
  rep.after = after.label;
  // Targets in the after side's order, then those only the before side has.
  std::vector<std::string> names;
  auto wanted = [&](const std::string& n) {
    return o.targets.empty() || std::find(o.targets.begin(), o.targets.end(), n) != o.targets.end();
  };
  for (const auto& t : after.policy->targets)
    if (wanted(t.name)) names.push_back(t.name);
  for (const auto& t : before.policy->targets)
    if (wanted(t.name) && !after.policy->find_target(t.name)) names.push_back(t.name);
  for (const auto& n : names) {
    rep.targets.push_back(diff_target(before, after, n, o, rep.queries));
    if (o.first_only && rep.changed(false)) break;
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace zp::verifier

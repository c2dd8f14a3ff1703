// SPDX-License-Identifier: GPL-2.0-or-later
#include "ir/evaluate.h"

#include <algorithm>
#include <optional>
#include <variant>

#include <fmt/core.h>

namespace zp::ir {
namespace {

constexpr size_t kMaxJumpDepth = 16;  // NFT_JUMP_STACK_SIZE
// Chains that goto each other in a loop never end; the kernel refuses to load them, the
// interpreter stops after this many rules.
constexpr size_t kMaxSteps = 1'000'000;

// The value a packet has in a field, as the kernel reads it.
std::optional<u128> read_field(const Packet& p, Field f) { return p.field(f); }

// What running one rule gives.
struct RuleResult {
  bool applied = false;
  bool limited = false;
  std::optional<Verdict> verdict;  // absent: go on with the next rule
};

class Interpreter {
 public:
  Interpreter(const Table& t, const Packet& p) : table_(t), packet_(p) {}

  Evaluation run() {
    std::vector<const Chain*> bases;
    for (const auto& c : table_.chains)
      if (c.base && c.base->hook == packet_.hook) bases.push_back(&c);
    std::stable_sort(bases.begin(), bases.end(),
                     [](const Chain* a, const Chain* b) { return a->base->priority < b->base->priority; });
    out_.outcome = Outcome::Accept;
    for (const Chain* base : bases) {
      run_base(*base);
      if (!out_.error.empty()) out_.outcome = Outcome::Drop;
      if (out_.outcome != Outcome::Accept) break;
    }
    return std::move(out_);
  }

 private:
  void fail(std::string message) {
    if (out_.error.empty()) out_.error = std::move(message);
  }

  bool match_holds(const Match& m, bool& limited) {
    return std::visit(
        [&](const auto& x) -> bool {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, FieldMatch>) {
            auto v = read_field(packet_, x.field);
            return v && in_ranges(*v, x.values) != x.negate;
          } else if constexpr (std::is_same_v<T, SetMatch>) {
            const Set* s = table_.find_set(x.set);
            if (!s) return fail(fmt::format("unknown set {}", x.set)), false;
            auto key = read_key(packet_, x.key);
            if (!key) return false;
            bool found = std::any_of(s->elements.begin(), s->elements.end(),
                                     [&](const Key& e) { return key_matches(*key, e); });
            return found != x.negate;
          } else if constexpr (std::is_same_v<T, CtStateMatch>) {
            return ((packet_.ct_state & x.states) != 0) != x.negate;
          } else {
            limited = true;
            return true;
          }
        },
        m);
  }

  RuleResult run_rule(const Rule& r) {
    RuleResult res;
    for (const auto& m : r.matches)
      if (!match_holds(m, res.limited)) return res;
    if (const auto* lookup = std::get_if<VmapLookup>(&r.action)) {
      const Map* map = table_.find_map(lookup->map);
      if (!map) return fail(fmt::format("unknown map {}", lookup->map)), res;
      auto key = read_key(packet_, lookup->key);
      if (!key) return res;
      for (const auto& e : map->elements)
        if (key_matches(*key, e.key)) {
          res.applied = true;
          res.verdict = e.verdict;
          return res;
        }
      return res;
    }
    res.applied = true;
    if (const auto* v = std::get_if<Verdict>(&r.action)) res.verdict = *v;
    // A translation ends the nat chain: the packet goes on, translated.
    // (In an inet table a statement of the other family does nothing: the next rule is tried.)
    if (const auto* n = std::get_if<Nat>(&r.action); n && (n->family == 0 || n->family == packet_.family)) {
      res.verdict = Verdict{};
      res.verdict->kind = VerdictKind::Accept;
      if (!nat_) nat_ = NatStep{{chain_name_, 0, r.id, res.limited}, *n, {}};
    }
    return res;
  }

  void finish(Outcome o, RejectWith with = RejectWith::IcmpxAdminProhibited) {
    out_.outcome = o;
    out_.reject = with;
  }

  // Runs one base chain and its jumps; sets out_.outcome.
  void run_base(const Chain& base) {
    struct Frame {
      const Chain* chain;
      size_t next;
    };
    std::vector<Frame> stack;  // return points of pending jumps
    const Chain* chain = &base;
    size_t i = 0;
    for (size_t steps = 0;; ++steps) {
      if (steps > kMaxSteps) return fail("the chains loop");
      if (i >= chain->rules.size()) {  // the end of a chain is an implicit return
        if (stack.empty()) return finish(base.base->policy_accept ? Outcome::Accept : Outcome::Drop);
        chain = stack.back().chain;
        i = stack.back().next;
        stack.pop_back();
        continue;
      }
      const Rule& rule = chain->rules[i];
      chain_name_ = chain->name;
      RuleResult res = run_rule(rule);
      if (!out_.error.empty()) return;
      if (nat_ && nat_->step.chain == chain->name && nat_->step.rule_id == rule.id) nat_->step.index = i;
      if (res.applied) out_.trace.push_back({chain->name, i, rule.id, res.limited});
      ++i;
      if (!res.verdict) continue;
      const Verdict& v = *res.verdict;
      switch (v.kind) {
        case VerdictKind::Accept: return finish(Outcome::Accept);
        case VerdictKind::Drop: return finish(Outcome::Drop);
        case VerdictKind::Reject: return finish(Outcome::Reject, v.reject);
        case VerdictKind::Continue: break;
        case VerdictKind::Return: i = chain->rules.size(); break;
        case VerdictKind::Jump:
        case VerdictKind::Goto: {
          const Chain* to = table_.find_chain(v.chain);
          if (!to) return fail(fmt::format("unknown chain {}", v.chain));
          if (v.kind == VerdictKind::Jump) {
            if (stack.size() >= kMaxJumpDepth) return fail("jumps nest deeper than 16 levels");
            stack.push_back({chain, i});
          }
          chain = to;
          i = 0;
          break;
        }
      }
    }
  }

  const Table& table_;
  const Packet& packet_;
  Evaluation out_;
  std::string chain_name_;

 public:
  std::optional<NatStep> nat_;
};

}  // namespace

bool in_ranges(u128 v, const std::vector<Range>& ranges) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const Range& r) { return r.lo <= v && v <= r.hi; });
}

std::optional<std::vector<u128>> read_key(const Packet& p, const std::vector<Field>& key) {
  std::vector<u128> out;
  for (Field f : key) {
    auto v = read_field(p, f);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

bool key_matches(const std::vector<u128>& values, const Key& element) {
  if (values.size() != element.size()) return false;
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] < element[i].lo || values[i] > element[i].hi) return false;
  return true;
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Accept: return "accept";
    case Outcome::Drop: return "drop";
    case Outcome::Reject: return "reject";
  }
  return "?";
}

Evaluation evaluate(const Ruleset& ruleset, const Packet& packet) {
  return Interpreter(ruleset.table, packet).run();
}

std::optional<NatStep> nat_translation(const Ruleset& ruleset, const Packet& packet, Hook hook) {
  if (packet.ct_state != kCtNew) return std::nullopt;  // conntrack translates the rest
  Packet at = packet;
  at.hook = hook;
  Interpreter in(ruleset.table, at);
  const Evaluation e = in.run();
  if (in.nat_)
    for (const auto& s : e.trace) {
      in.nat_->path.push_back(s);
      if (s.chain == in.nat_->step.chain && s.rule_id == in.nat_->step.rule_id && s.index == in.nat_->step.index) break;
    }
  return in.nat_;
}

Packet apply_nat(const Packet& p, const Nat& n, std::optional<u128> masquerade_address) {
  Packet out = p;
  switch (n.kind) {
    case NatKind::Dnat:
      out.daddr = n.addr;
      if (n.port) out.dport = *n.port;
      break;
    case NatKind::Snat: out.saddr = n.addr; break;
    case NatKind::Masquerade:
      if (masquerade_address) out.saddr = *masquerade_address;
      break;
  }
  return out;
}

}  // namespace zp::ir

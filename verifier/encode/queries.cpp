// SPDX-License-Identifier: GPL-2.0-or-later
// explain, the intents and the translation validation: each question becomes a Z3 query over the
// symbolic packet (a proof is an unsat negation; a model is a witness).
#include <chrono>
#include <stdexcept>

#include <fmt/core.h>

#include "verifier/encode/z3_encoding.h"
#include "verifier/encode/z3_pool.h"
#include "verifier/engine/prepared.h"
#include "verifier/engine/query_box.h"
#include "verifier/run_limits.h"

namespace zp::verifier {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Accept: return "accept";
    case Verdict::Drop: return "drop";
    case Verdict::Reject: return "reject";
  }
  return "?";
}

std::string_view to_string(Status s) {
  switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::Unknown: return "unknown";
    case Status::NotApplicable: return "not-applicable";
  }
  return "?";
}

int Report::exit_code(bool strict) const {
  bool fail = strict && !findings.empty(), unknown = false;
  for (const auto& i : intents) {
    fail = fail || i.status == Status::Fail || i.status == Status::NotApplicable;
    unknown = unknown || i.status == Status::Unknown;
  }
  for (const auto& v : validations) {
    fail = fail || v.status == Status::Fail;
    unknown = unknown || v.status == Status::Unknown;
  }
  // A run stopped by its time or memory limit proved nothing it did not answer: never 0.
  return fail ? 1 : unknown || run_limit_reached() ? 3 : 0;
}

namespace enc {

Verdict to_verdict(unsigned out) {
  return out == kOutAccept ? Verdict::Accept : out == kOutReject ? Verdict::Reject : Verdict::Drop;
}

void configure(z3::solver& s, uint64_t rlimit) {
  z3::params p(s.ctx());
  p.set("rlimit", static_cast<unsigned>(std::min<uint64_t>(rlimit, 0xffffffffu)));
  s.set(p);
}

z3::check_result solve(z3::solver& s) {
  if (run_limit_reached()) return z3::unknown;
  if (auto left = run_time_left_ms()) {
    if (*left == 0) {
      note_run_limit("time");
      return z3::unknown;
    }
    z3::params p(s.ctx());
    p.set("timeout", static_cast<unsigned>(std::min<uint64_t>(*left, 0xffffffffu)));
    s.set(p);
  }
  // The memory cap holds during the query only (run_limits.h); Z3 counts all its allocations.
  const uint64_t cap_mib = run_memory_limit_mib();
  if (cap_mib && Z3_get_estimated_alloc_size() >= cap_mib * 1024 * 1024) {
    note_run_limit("memory");
    return z3::unknown;
  }
  struct Cap {
    explicit Cap(uint64_t mib) : on(mib != 0) {
      if (on) z3::set_param("memory_max_size", std::to_string(mib).c_str());
    }
    ~Cap() {
      if (on) z3::set_param("memory_max_size", "0");
    }
    bool on;
  } cap(cap_mib);
  try {
    z3::check_result r = s.check();
    if (r == z3::unknown) {
      std::string why = s.reason_unknown();
      if (why.find("memory") != std::string::npos) note_run_limit("memory");
      else if (auto left = run_time_left_ms(); left && *left == 0) note_run_limit("time");
    }
    return r;
  } catch (const z3::exception& e) {
    // Z3 reports reaching memory_max_size as an error; anything else is a bug, not a limit.
    if (std::string(e.msg()).find("memory") == std::string::npos) throw;
    note_run_limit("memory");
    return z3::unknown;
  }
}

z3::check_result solve_with(z3::solver& s, const z3::expr& f, std::optional<z3::model>* model) {
  s.push();
  s.add(f);
  z3::check_result r = solve(s);
  if (r == z3::sat && model) *model = s.get_model();
  s.pop();
  return r;
}

namespace {
void add_iface_values(std::vector<u128>& out, bool& closed, Field f, const std::vector<Range>& rs) {
  if (f != Field::Iifname && f != Field::Oifname) return;
  for (const auto& r : rs) {
    if (r.lo != r.hi) closed = false;
    out.push_back(r.lo);
  }
}
}  // namespace

IfaceUniverse iface_universe(const policy::Policy& pol, const ir::Ruleset* rs) {
  IfaceUniverse u;
  auto add = [&](const std::string& n) {
    if (auto v = ifname_value(n)) u.names.push_back(*v);
  };
  add("lo");
  for (const auto& z : pol.zones)
    for (const auto& [n, l] : z.interfaces) add(n);
  for (const auto& t : pol.targets)
    for (const auto& b : t.interfaces) add(b.interface);
  if (rs) {
    for (const auto& ch : rs->table.chains)
      for (const auto& r : ch.rules)
        for (const auto& m : r.matches)
          if (auto* fm = std::get_if<ir::FieldMatch>(&m))
            add_iface_values(u.names, u.closed, fm->field, fm->values);
    for (const auto& s : rs->table.sets)
      for (const auto& e : s.elements)
        for (size_t i = 0; i < s.key.size() && i < e.size(); ++i)
          add_iface_values(u.names, u.closed, s.key[i], {e[i]});
    for (const auto& m : rs->table.maps)
      for (const auto& e : m.elements)
        for (size_t i = 0; i < m.key.size() && i < e.key.size(); ++i)
          add_iface_values(u.names, u.closed, m.key[i], {e.key[i]});
  }
  // One fresh name stands for every name nothing compares against.
  for (int i = 0;; ++i) {
    u128 fresh = *ifname_value(fmt::format("other{}", i));
    if (std::find(u.names.begin(), u.names.end(), fresh) == u.names.end()) {
      u.names.push_back(fresh);
      break;
    }
  }
  return u;
}

z3::expr iface_domain(const SymPacket& p, const IfaceUniverse& u) {
  z3::context& c = p.v6.ctx();
  if (!u.closed) return c.bool_val(true);
  auto dom = [&](const z3::expr& x) {
    std::vector<z3::expr> alts{x == 0};
    for (u128 n : u.names) alts.push_back(x == bv(c, n, 128));
    return mk_or(c, alts);
  };
  return dom(p.iif) && dom(p.oif);
}

std::map<std::string, bool> limit_values(const LimitVars& lv, const z3::model& m) {
  std::map<std::string, bool> out;
  for (const auto& [k, v] : lv.all()) out[k] = !m.eval(v, true).is_false();
  return out;
}

Explanation explain_with_limits(z3::context& c, const ir::Ruleset& rs, const ir::Packet& pkt,
                                const Options& o, const std::map<std::string, bool>& limits) {
  return explain_with_limits(c, PreparedRuleset(rs), pkt, o, limits);
}

Explanation explain_with_limits(z3::context& c, const PreparedRuleset& prep, const ir::Packet& pkt,
                                const Options& o, const std::map<std::string, bool>& limits) {
  Explanation ex;
  ex.packet = pkt;
  SymPacket p = make_packet(c, pkt.hook, "");
  LimitVars lv(c);
  Box box = Box::point(pkt);
  IrEncoder ir(c, prep, p, lv, o.slicing ? &box : nullptr);
  z3::expr v = ir.hook_verdict();
  // A concrete packet needs no search: the encoding's only constants are the packet's fields and
  // the rate limits' outcomes, so evaluating it under their values is its verdict. Evaluated
  // without model completion, a constant left open would stay symbolic: a verifier bug.
  z3::model m = packet_model(p, pkt, &lv, &limits);
  if (!m.eval(wellformed(p), false).is_true())
    throw std::invalid_argument(fmt::format("not a packet the kernel can see: {}", pkt.to_string()));
  if (!m.eval(v, false).is_numeral())
    throw std::logic_error("verifier: the encoding has a constant a concrete packet does not fix");
  unsigned solved = static_cast<unsigned>(model_value(m, v));
  unsigned walked = ir.trace(m, o.nft_text, ex.trace, ex.used_limits);
  if (solved != walked)
    throw std::logic_error("verifier: the trace disagrees with the encoded verdict");
  ex.verdict = to_verdict(solved);
  return ex;
}

Witness make_witness(const policy::Policy& pol, size_t target, const ir::Ruleset& rs,
                     const ir::Packet& pkt, const std::map<std::string, bool>& limits,
                     const Options& o, bool with_policy_verdict) {
  Witness w;
  w.target = pol.targets[target].name;
  z3::context c;
  w.ir = explain_with_limits(c, rs, pkt, o, limits);
  SymPacket p = make_packet(c, pkt.hook, "");
  LimitVars lv(c);
  PolicyEncoder pe(c, pol, target, p, lv);
  z3::expr v = pe.verdict();
  z3::solver s(c);
  configure(s, o.rlimit);
  s.add(equals(p, pkt));
  for (const auto& [k, var] : lv.all()) {
    auto it = limits.find(k);
    s.add(it == limits.end() || it->second ? var : !var);
  }
  if (solve(s) != z3::sat) return w;
  z3::model m = s.get_model();
  for (size_t i = 0; i < pol.rules.size(); ++i)
    if (m.eval(pe.rule_applies(i), true).is_true())
      w.policy_rules.push_back({"rule " + pol.rules[i].name, pol.rules[i].loc});
  if (with_policy_verdict) w.policy_verdict = to_verdict(static_cast<unsigned>(model_value(m, v)));
  return w;
}

}  // namespace enc

// One Z3 context serves every packet: creating one costs more than evaluating a packet.
struct Explainer::Context {
  explicit Context(const ir::Ruleset& rs) : prep(rs) {}
  PooledContext pooled;  // borrowed (z3_pool.h): one per target of a matrix or diff adds up
  z3::context& c = pooled.get();
  // Indexed once for every packet: indexing a 10,000-rule table took longer than explaining.
  PreparedRuleset prep;
};

Explainer::Explainer(const ir::Ruleset& ruleset, Options options)
    : options_(std::move(options)), z3_(std::make_unique<Context>(ruleset)) {}

Explainer::~Explainer() = default;

Explanation Explainer::explain(const ir::Packet& packet) const {
  return enc::explain_with_limits(z3_->c, z3_->prep, packet, options_, {});
}

Explanation Explainer::explain(const ir::Packet& packet, const std::map<std::string, bool>& unknowns) const {
  return enc::explain_with_limits(z3_->c, z3_->prep, packet, options_, unknowns);
}

Explanation explain(const ir::Ruleset& ruleset, const ir::Packet& packet, const Options& options) {
  return Explainer(ruleset, options).explain(packet);
}

}  // namespace zp::verifier

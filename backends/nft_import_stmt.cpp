// SPDX-License-Identifier: GPL-2.0-or-later
// One nft rule's expression list -> IR rules. Expressions run in order and the first verdict ends
// the rule, so what follows a verdict never runs and is not read. Statements that only count or
// log, or change state the model does not hold, are kept or noted; a statement that decides
// outside the model turns the rule into one IR rule per verdict it may give, each under an opaque
// match, which together allow each of those verdicts or going on.
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"
#include "backends/nft_names.h"

namespace zp::backends::import {

namespace {

// The IR counts at most 32 matches per rule (the verifier's bit masks).
constexpr size_t kMaxMatches = 32;

ir::Verdict verdict_of(ir::VerdictKind k) {
  ir::Verdict v;
  v.kind = k;
  return v;
}

// Accept, drop or going on: every outcome of a statement that ends in the kernel's verdict
// (queue, synproxy, an xt target). nft 1.0.6 lists `return` only as itself, so no unknown
// statement returns.
std::vector<ir::Verdict> any_outcome() { return {verdict_of(ir::VerdictKind::Accept), verdict_of(ir::VerdictKind::Drop)}; }

// Targets of iptables-nft rules (`xt target NAME`) that change the packet or log and go on.
bool xt_target_goes_on(const std::string& name) {
  static const std::set<std::string> names = {
      "LOG",  "NFLOG", "ULOG",  "TCPMSS",    "CHECKSUM", "MARK",       "CONNMARK", "CT",
      "NOTRACK", "TRACE", "TOS", "DSCP",     "TTL",      "HL",         "CLASSIFY", "SECMARK",
      "CONNSECMARK", "IDLETIMER", "LED", "AUDIT", "SET", "RATEEST", "TEE", "ECN", "TCPOPTSTRIP"};
  return names.count(name) > 0;
}

std::string verdict_text(const ir::Verdict& v) {
  switch (v.kind) {
    case ir::VerdictKind::Accept: return "accept";
    case ir::VerdictKind::Drop: return "drop";
    case ir::VerdictKind::Reject: return "reject";
    case ir::VerdictKind::Jump: return "jump " + v.chain;
    case ir::VerdictKind::Goto: return "goto " + v.chain;
    case ir::VerdictKind::Return: return "return";
    case ir::VerdictKind::Continue: return "continue";
  }
  return "?";
}

bool xt_nat_target(const std::string& name) {
  return name == "MASQUERADE" || name == "SNAT" || name == "DNAT" || name == "REDIRECT" || name == "NETMAP";
}

// A payload field whose rewrite changes what later matches of the model read (a raw payload may
// be any of them).
bool rewrites_modelled_field(const json& key) {
  if (!key.is_object() || key.size() != 1 || !key.contains("payload")) return false;
  const json& p = key["payload"];
  if (!p.is_object() || !p.contains("field")) return true;
  for (const char* f : {"saddr", "daddr", "sport", "dport", "protocol", "nexthdr", "type", "code"})
    if (p["field"] == f) return true;
  return false;
}

// A string attribute of an object, or "".
std::string text_of(const json& body, const char* key) {
  if (!body.is_object() || !body.contains(key) || !body[key].is_string()) return {};
  return body[key].get<std::string>();
}

class RuleImporter {
 public:
  RuleImporter(const RuleSite& site, TableScope& scope, RuleNotes& notes, ImportedRuleset& out)
      : site_(site), scope_(scope), notes_(notes), out_(out) {}

  std::vector<ir::Rule> run(const json& expr, const std::string& path) {
    if (!expr.is_array()) fail(path, "expected an array of expressions");
    for (size_t i = 0; i < expr.size() && !done_; ++i) item(expr[i], fmt::format("{}[{}]", path, i));
    drop_repeated_dependencies(matches_);
    cap_matches();
    std::vector<ir::Rule> rules;
    for (const auto& [state, v] : per_state_) {
      ir::Rule r{matches_, statements_, v, 0, {}, {}};
      r.matches.emplace_back(ir::CtStateMatch{state, false});
      rules.push_back(std::move(r));
    }
    if (!per_state_.empty()) return rules;
    if (!undecided_) return {ir::Rule{matches_, statements_, action_, 0, {}, {}}};
    for (const auto& v : undecided_verdicts_) {
      ir::Rule r{matches_, statements_, v, 0, {}, {}};
      r.matches.emplace_back(ir::OpaqueMatch{*undecided_});
      rules.push_back(std::move(r));
    }
    return rules;
  }

 private:
  void item(const json& e, const std::string& path) {
    auto [kind, body_ptr] = one_key(e, path);
    const json& body = *body_ptr;
    const std::string bpath = path + "." + kind;
    if (kind == "match") {
      if (!body.is_object()) fail(bpath, "expected an object");
      return import_match(body, bpath, site_, scope_, notes_, matches_);
    }
    if (kind == "limit") return limit(body);
    // Matches that depend on counts and state outside the packet.
    if (kind == "quota" || kind == "connlimit" || kind == "meter" || kind == "ct count")
      return opaque(stmt_text(kind, body));
    if (kind == "counter" || kind == "last") return counter(kind);
    if (kind == "log") return log(body);
    if (kind == "reject") return reject(body);
    if (auto v = read_verdict(e, path, scope_)) return verdict(*v, kind);
    if (kind == "vmap") return vmap(body, bpath);
    if (kind == "dnat" || kind == "snat" || kind == "masquerade" || kind == "redirect") return nat(kind, body);
    if (kind == "mangle") return mangle(body);
    if (kind == "xt") return xt(body);
    // Statements that end the rule when they fail, as a match does: adding to a full set, an
    // offload or a tproxy without a socket (the kernel's NFT_BREAK).
    if (((kind == "set" || kind == "map") && text_of(body, "op") != "delete") || kind == "flow" || kind == "tproxy") {
      matches_.emplace_back(notes_.opaque(stmt_text(kind, body), "it ends the rule when it fails"));
      if (kind == "tproxy") rewrite("tproxy sends packets to a local socket");
      return;
    }
    if (kind == "notrack" || kind == "set" || kind == "map" || kind == "ct helper" || kind == "ct timeout" ||
        kind == "ct expectation" || kind == "secmark" || kind == "dup")
      return notes_.add(fmt::format("{}: ignored, it decides no verdict", stmt_text(kind, body)));
    undecided(stmt_text(kind, body), any_outcome());  // queue, synproxy, fwd, unknown
  }

  void opaque(std::string text) { matches_.emplace_back(notes_.opaque(std::move(text), "")); }

  void counter(const std::string& kind) {
    if (kind == "counter") statements_.push_back(ir::Counter{});
  }

  void log(const json& body) {
    ir::Log log;
    if (body.is_object() && body.contains("prefix") && body["prefix"].is_string())
      log.prefix = body["prefix"].get<std::string>().substr(0, 127);
    if (body.is_object() && body.contains("group") && body["group"].is_number_unsigned() &&
        body["group"].get<uint64_t>() <= UINT16_MAX)
      log.group = static_cast<uint16_t>(body["group"].get<uint64_t>());
    statements_.push_back(std::move(log));
  }

  // `limit rate N/unit burst B packets` is a LimitMatch; `limit ... over`, byte rates and named
  // limits are opaque.
  void limit(const json& body) {
    auto opaque = [&] { this->opaque(stmt_text("limit", body)); };
    if (!body.is_object() || !body.contains("rate") || !body["rate"].is_number_unsigned()) return opaque();
    if (body.contains("inv") && body["inv"] != false) return opaque();
    if (body.contains("rate_unit") && body["rate_unit"] != "packets") return opaque();
    ir::LimitMatch m;
    m.rate = body["rate"].get<uint64_t>();
    const json per = body.value("per", json("second"));
    auto unit = per.is_string() ? time_unit(per.get<std::string>()) : std::nullopt;
    if (!unit || m.rate == 0) return opaque();
    m.per = *unit;
    if (body.contains("burst")) {
      if (!body["burst"].is_number_unsigned() || body["burst"].get<uint64_t>() > UINT32_MAX) return opaque();
      m.burst = static_cast<uint32_t>(body["burst"].get<uint64_t>());
    }
    matches_.emplace_back(std::in_place_type<ir::LimitMatch>, m);
  }

  static std::optional<ir::TimeUnit> time_unit(const std::string& s) {
    if (s == "second") return ir::TimeUnit::Second;
    if (s == "minute") return ir::TimeUnit::Minute;
    if (s == "hour") return ir::TimeUnit::Hour;
    if (s == "day") return ir::TimeUnit::Day;
    return std::nullopt;
  }

  // reject answers with a TCP reset, or an ICMP unreachable (port-unreachable by default).
  void reject(const json& body) {
    ir::Verdict v = verdict_of(ir::VerdictKind::Reject);
    v.reject = ir::RejectWith::IcmpxPortUnreachable;
    if (text_of(body, "type") == "tcp reset") v.reject = ir::RejectWith::TcpReset;
    else if (body.is_object() && body.contains("expr") && body["expr"] != "port-unreachable")
      v.reject = ir::RejectWith::IcmpxAdminProhibited;
    verdict(v, "reject");
  }

  void verdict(ir::Verdict v, const std::string& kind) {
    done_ = true;
    const bool drops = v.kind == ir::VerdictKind::Drop || v.kind == ir::VerdictKind::Reject;
    if (!site_.nat_base) {
      action_ = std::move(v);
      // A chain a nat chain jumps to: its translations are modelled (IrEncoder::nat_walk), a
      // packet it drops is not.
      if (drops && !site_.nat_hooks.empty()) unmodelled_nat(fmt::format("{} in a chain of a nat hook", kind));
      return;
    }
    // A nat base chain: the IR holds accept (no translation), going on, jumps and translations.
    switch (v.kind) {
      case ir::VerdictKind::Accept: action_ = v; return;
      case ir::VerdictKind::Continue: action_ = std::monostate{}; return;
      case ir::VerdictKind::Jump:
      case ir::VerdictKind::Goto: action_ = std::move(v); return;
      case ir::VerdictKind::Return:
        if (site_.policy_accept) return void(action_ = verdict_of(ir::VerdictKind::Accept));
        break;
      default: break;
    }
    // Kept as it is, so explain traces it; the verifier cannot judge the hook.
    action_ = std::move(v);
    unmodelled_nat(fmt::format("{} in a nat chain", kind));
  }

  void unmodelled_nat(const std::string& what) {
    for (ir::Hook h : site_.nat_hooks)
      out_.unmodelled.emplace_back(h, fmt::format("{}: {} is not modelled", site_.where, what));
    notes_.add(fmt::format("{}: not modelled, the hook's translations are unknown", what));
  }

  // A rewrite the model cannot follow: every later hook sees another packet.
  void rewrite(const std::string& what) {
    std::set<ir::Hook> hooks;
    for (ir::Hook h : site_.hooks)
      for (ir::Hook after : hooks_after(h)) hooks.insert(after);
    for (ir::Hook h : hooks) out_.unmodelled.emplace_back(h, fmt::format("{}: {}", site_.where, what));
    notes_.add(fmt::format("{}: not modelled", what));
  }

  void undecided(std::string text, std::vector<ir::Verdict> verdicts) {
    done_ = true;
    std::string outcomes;
    for (const auto& v : verdicts) outcomes += verdict_text(v) + ", ";
    notes_.add(fmt::format("{}: decides outside the model, taken as {}or going on", text, outcomes));
    undecided_ = text + " (decides outside the model)";
    undecided_verdicts_ = std::move(verdicts);
    if (site_.nat_base) unmodelled_nat(text);
  }

  void vmap(const json& body, const std::string& path) {
    const json& key_json = member(body, "key", path);
    const json& data = member(body, "data", path);
    if (ct_state_vmap(key_json, data, path)) return;
    const std::string text = fmt::format("{} vmap {}", expr_text(key_json), expr_text(data));
    std::string why;
    auto key = read_key(key_json, site_, why);
    std::vector<ir::Verdict> verdicts;  // of the map's elements, when known
    std::optional<std::string> map;
    if (data.is_string() && !data.get<std::string>().empty() && data.get<std::string>()[0] == '@') {
      auto found = scope_.lookup_map(data.get<std::string>().substr(1), key ? key->fields : std::vector<Field>{}, why);
      verdicts = std::move(found.verdicts);
      if (key) map = std::move(found.map);
    } else if (data.is_object() && data.size() == 1 && data.contains("set")) {
      map = anonymous_map(key ? &*key : nullptr, data["set"], path + ".data.set", verdicts, why);
    } else {
      why = "map " + expr_text(data);
    }
    if (map) {
      matches_.insert(matches_.end(), key->deps.begin(), key->deps.end());
      action_ = ir::VmapLookup{key->fields, *map};
      done_ = true;
      if (site_.nat_base) unmodelled_nat("a verdict map");
      return;
    }
    if (!why.empty()) notes_.add(opaque_note(text, why));
    // Not modelled: each verdict the map holds (or any outcome), under an opaque match. A map
    // element may return, which no other outcome covers.
    undecided(text, possible_verdicts(verdicts));
  }

  // `ct state vmap { established : accept, invalid : drop }`: a packet has exactly one state, so
  // the map is one rule per element (in any order), each matching its state.
  bool ct_state_vmap(const json& key, const json& data, const std::string& path) {
    if (site_.nat_base || !site_.ct_state_unknown.empty() || !is_ct_state(key)) return false;
    if (!data.is_object() || data.size() != 1 || !data.contains("set") || !data["set"].is_array()) return false;
    std::vector<std::pair<uint32_t, ir::Verdict>> states;
    uint32_t seen = 0;
    const json& items = data["set"];
    for (size_t i = 0; i < items.size(); ++i) {
      const json& e = items[i];
      if (!e.is_array() || e.size() != 2 || !e[0].is_string()) return false;
      auto bit = ct_state_bit(e[0].get<std::string>());
      auto v = read_verdict(e[1], fmt::format("{}.data.set[{}][1]", path, i), scope_);
      if (!bit || !v) return false;
      if (seen & *bit) continue;  // a key listed twice: the first element holds it
      seen |= *bit;
      states.emplace_back(*bit, *v);
    }
    if (states.empty()) return false;
    per_state_ = std::move(states);
    done_ = true;
    return true;
  }

  // An anonymous verdict map [[key, verdict], ...] as a synthetic map; nullopt (with `verdicts`
  // when they can be read) when its keys cannot.
  std::optional<std::string> anonymous_map(const KeyRef* key, const json& items, const std::string& path,
                                           std::vector<ir::Verdict>& verdicts, std::string& why) {
    auto not_understood = [&] {
      why = "map elements not understood";
      verdicts.clear();
      return std::nullopt;
    };
    if (!items.is_array()) return not_understood();
    std::vector<ir::MapElement> elements;
    bool keys_ok = key != nullptr;
    for (size_t i = 0; i < items.size(); ++i) {
      const json& e = items[i];
      if (!e.is_array() || e.size() != 2) return not_understood();
      auto v = read_verdict(e[1], fmt::format("{}[{}][1]", path, i), scope_);
      if (!v) return not_understood();
      verdicts.push_back(*v);
      if (!keys_ok) continue;
      auto k = read_element(key->fields, e[0], why);
      if (auto w = k ? by_index_wildcard(*key, *k) : std::nullopt) why = *w, k.reset();
      if (!k) keys_ok = false;
      else elements.push_back({std::move(*k), std::move(*v)});
    }
    if (!keys_ok || elements.empty()) return std::nullopt;
    verdicts.clear();
    return scope_.anonymous_map(key->fields, std::move(elements));
  }

  // dnat/snat to one address (and a dnat to one port), masquerade without options: ir::Nat.
  // Anything else translates in a way the IR cannot say: the rule still ends the nat chain.
  void nat(const std::string& kind, const json& body) {
    done_ = true;
    const std::string text = stmt_text(kind, body);
    if (!site_.nat_base && site_.nat_hooks.empty()) return undecided(text, any_outcome());  // not in a nat chain
    if (auto n = exact_nat(kind, body)) {
      action_ = *n;
      return;
    }
    action_ = verdict_of(ir::VerdictKind::Accept);
    // In an inet table `dnat ip to ...` does nothing to an IPv6 packet: the rule goes on for it.
    const std::string family = text_of(body, "family");
    if (site_.family == 0 && (family == "ip" || family == "ip6")) {
      u128 nfproto = family == "ip" ? kNfprotoIpv4 : kNfprotoIpv6;
      matches_.emplace_back(ir::FieldMatch{Field::Nfproto, {{nfproto, nfproto}}, false});
    }
    unmodelled_nat(text);
  }

  std::optional<ir::Nat> exact_nat(const std::string& kind, const json& body) const {
    ir::Nat n;
    if (kind == "masquerade") {
      if (!body.is_null() && !(body.is_object() && body.empty())) return std::nullopt;
      n.kind = ir::NatKind::Masquerade;
      return n;
    }
    if (kind != "dnat" && kind != "snat") return std::nullopt;
    n.kind = kind == "dnat" ? ir::NatKind::Dnat : ir::NatKind::Snat;
    if (!body.is_object() || !body.contains("addr") || !body["addr"].is_string()) return std::nullopt;
    for (const auto& [k, v] : body.items())
      if (k != "family" && k != "addr" && k != "port") return std::nullopt;  // flags, type_flags
    auto a = parse_address(body["addr"].get<std::string>());
    if (!a) return std::nullopt;
    int family = site_.family;
    if (body.contains("family")) {
      if (body["family"] == "ip") family = family == 6 ? -1 : 4;
      else if (body["family"] == "ip6") family = family == 4 ? -1 : 6;
      else return std::nullopt;
    }
    if (family == 0) family = a->family;  // inet: nft takes the family from the address
    if (family != a->family) return std::nullopt;
    n.family = family;
    n.addr = a->value;
    if (body.contains("port")) {
      const json& p = body["port"];
      if (n.kind != ir::NatKind::Dnat || !p.is_number_unsigned() || p.get<uint64_t>() > UINT16_MAX) return std::nullopt;
      n.port = static_cast<uint16_t>(p.get<uint64_t>());
    }
    return n;
  }

  // `meta mark set`, `ct mark set` (the mark matches were made opaque for the whole document),
  // and rewrites of header fields the model reads.
  void mangle(const json& body) {
    const json& key = body.is_object() && body.contains("key") ? body["key"] : body;
    if (rewrites_modelled_field(key)) return rewrite(fmt::format("{} set rewrites a header field", expr_text(key)));
    notes_.add(fmt::format("{} set: ignored, it decides no verdict", expr_text(key)));
  }

  // iptables-nft's compatibility expressions: a match is opaque, a target goes on, rejects, or
  // decides outside the model.
  void xt(const json& body) {
    const std::string type = text_of(body, "type"), name = text_of(body, "name");
    const std::string text = stmt_text("xt", body);
    if (type == "match") return opaque(text);
    if (type == "target" && xt_target_goes_on(name))
      return notes_.add(fmt::format("{}: ignored, it decides no verdict", text));
    if (type == "target" && name == "REJECT") {
      notes_.add(fmt::format("{}: taken as reject with port-unreachable (the kind of answer is not listed)", text));
      ir::Verdict v = verdict_of(ir::VerdictKind::Reject);
      v.reject = ir::RejectWith::IcmpxPortUnreachable;
      return verdict(v, "xt target REJECT");
    }
    if (type == "target" && xt_nat_target(name) && (site_.nat_base || !site_.nat_hooks.empty())) {
      done_ = true;
      action_ = verdict_of(ir::VerdictKind::Accept);
      return unmodelled_nat(text);
    }
    // TPROXY accepts a packet for a local socket, or drops it when there is none.
    if (type == "target" && name == "TPROXY") rewrite("xt target TPROXY sends packets to a local socket");
    if (type == "watcher") return notes_.add(fmt::format("{}: ignored, it decides no verdict", text));
    undecided(text, any_outcome());
  }

  // Keeps the first 31 matches and stands one opaque match for the rest: sound (either outcome
  // covers their conjunction) where the verifier counts matches in 32-bit masks.
  void cap_matches() {
    size_t limit = kMaxMatches - (undecided_ || !per_state_.empty() ? 1 : 0);
    if (matches_.size() <= limit) return;
    size_t rest = matches_.size() - (limit - 1);
    matches_.resize(limit - 1);
    matches_.emplace_back(notes_.opaque(fmt::format("{} further matches", rest), "more matches than one rule holds"));
  }

  const RuleSite& site_;
  TableScope& scope_;
  RuleNotes& notes_;
  ImportedRuleset& out_;
  std::vector<ir::Match> matches_;
  std::vector<ir::Statement> statements_;
  ir::Action action_;
  bool done_ = false;
  std::optional<std::string> undecided_;
  std::vector<ir::Verdict> undecided_verdicts_;
  std::vector<std::pair<uint32_t, ir::Verdict>> per_state_;  // a ct state vmap, by element
};

}  // namespace

std::vector<ir::Hook> hooks_after(ir::Hook h) {
  using H = ir::Hook;
  switch (h) {
    case H::Prerouting: return {H::Prerouting, H::Input, H::Forward, H::Postrouting};
    case H::Input: return {H::Input};
    case H::Forward: return {H::Forward, H::Postrouting};
    case H::Output: return {H::Output, H::Postrouting};
    case H::Postrouting: return {H::Postrouting};
  }
  return {};
}

std::vector<ir::Rule> import_rule(const json& expr, const std::string& path, const RuleSite& site,
                                  TableScope& scope, RuleNotes& notes, ImportedRuleset& out) {
  return RuleImporter(site, scope, notes, out).run(expr, path);
}

}  // namespace zp::backends::import

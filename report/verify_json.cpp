// SPDX-License-Identifier: GPL-2.0-or-later
// `verify --format json` ("schema": "zoneproof.verify/1") and the JSON of packets and traces.
#include <fmt/core.h>

#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {
std::string ct_name(uint32_t s) {
  switch (s) {
    case ir::kCtEstablished: return "established";
    case ir::kCtRelated: return "related";
    case ir::kCtInvalid: return "invalid";
    case ir::kCtUntracked: return "untracked";
    default: return "new";
  }
}
std::vector<std::string> origin_locations(const std::vector<ir::Origin>& os) {
  std::vector<std::string> out;
  for (const auto& o : os) out.push_back(ir::to_string(o.loc));
  return out;
}
}  // namespace

nlohmann::json packet_json(const ir::Packet& p) {
  nlohmann::json j;
  j["family"] = p.family == 6 ? "ipv6" : "ipv4";
  j["protocol"] = protocol_name(p.l4proto);
  j["saddr"] = format_address(p.saddr, p.family);
  j["daddr"] = format_address(p.daddr, p.family);
  bool icmp = (p.family == 4 && p.l4proto == kProtoIcmp) || (p.family == 6 && p.l4proto == kProtoIcmpv6);
  if (icmp) {
    j["icmp_type"] = p.icmp_type;
    j["icmp_code"] = p.icmp_code;
  } else if (ir::protocol_has_ports(p.l4proto)) {
    j["sport"] = p.sport;
    j["dport"] = p.dport;
  }
  if (!p.iif.empty()) j["iif"] = p.iif;
  if (!p.oif.empty()) j["oif"] = p.oif;
  j["ct"] = ct_name(p.ct_state);
  j["mark"] = p.mark;
  j["text"] = p.to_string();
  return j;
}

nlohmann::json trace_json(const std::vector<verifier::TraceStep>& trace) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : trace) {
    nlohmann::json j{{"chain", s.chain}, {"rule", s.rule}, {"nft", s.nft},
                     {"policy", origin_locations(s.origins)}};
    if (!s.note.empty()) j["note"] = s.note;
    for (const auto& o : s.origins)
      if (!o.meta.empty()) j["ownership"] = ownership_json(o.meta);
    arr.push_back(j);
  }
  return arr;
}

nlohmann::json witness_json(const verifier::Witness& w) {
  nlohmann::json j{{"target", w.target},
                   {"hook", std::string(ir::hook_name(w.ir.packet.hook))},
                   {"packet", packet_json(w.ir.packet)},
                   {"verdict", std::string(verifier::to_string(w.ir.verdict))},
                   {"trace", trace_json(w.ir.trace)}};
  if (w.policy_verdict) j["policy_verdict"] = std::string(verifier::to_string(*w.policy_verdict));
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& o : w.policy_rules) rules.push_back({{"rule", o.what}, {"location", ir::to_string(o.loc)}});
  j["policy_rules"] = rules;
  if (w.before_nat) j["before_nat"] = packet_json(*w.before_nat);
  if (!w.nat.empty()) j["nat"] = trace_json(w.nat);
  return j;
}

namespace {
// An end-to-end path: its hops in order, each with the witness packet as that hop sees it (on
// failure), so a script can tell which hop drops (reach) or that every hop accepts (isolate).
nlohmann::json path_json(const verifier::PathCheck& p) {
  nlohmann::json hops = nlohmann::json::array();
  for (size_t k = 0; k < p.hops.size(); ++k) {
    nlohmann::json hj{{"target", p.hops[k].target}, {"hook", std::string(ir::hook_name(p.hops[k].hook))}};
    if (k < p.witness.size()) hj["witness"] = witness_json(p.witness[k]);
    hops.push_back(hj);
  }
  return {{"path", path_text(p)}, {"hops", hops}, {"status", std::string(verifier::to_string(p.status))},
          {"message", p.message}};
}
}  // namespace

std::string verify_json(const verifier::Report& r, bool strict) {
  int code = r.exit_code(strict);
  nlohmann::json j;
  j["schema"] = "zoneproof.verify/1";
  j["policy"] = r.policy_file;
  j["status"] = code == 0 ? "pass" : code == 3 ? "unknown" : "fail";
  j["exit_code"] = code;
  j["scope"] = proof_scope(r);
  if (!r.model_notes.empty()) j["model_notes"] = r.model_notes;
  nlohmann::json intents = nlohmann::json::array();
  for (const auto& i : r.intents) {
    nlohmann::json ts = nlohmann::json::array();
    for (const auto& t : i.targets) {
      nlohmann::json hooks = nlohmann::json::array();
      for (auto h : t.hooks) hooks.push_back(std::string(ir::hook_name(h)));
      nlohmann::json tj{{"target", t.target}, {"hooks", hooks},
                        {"status", std::string(verifier::to_string(t.status))},
                        {"message", t.message}, {"limits_involved", t.limits_involved}};
      if (t.witness) tj["witness"] = witness_json(*t.witness);
      ts.push_back(tj);
    }
    nlohmann::json ps = nlohmann::json::array();
    for (const auto& p : i.paths) ps.push_back(path_json(p));
    intents.push_back({{"name", i.name}, {"kind", std::string(policy::to_string(i.kind))},
                       {"location", ir::to_string(i.loc)},
                       {"status", std::string(verifier::to_string(i.status))},
                       {"message", i.message}, {"targets", ts}, {"paths", ps}});
  }
  j["intents"] = intents;
  if (!r.not_judged.empty()) j["not_judged"] = r.not_judged;
  nlohmann::json tv = nlohmann::json::array();
  for (const auto& v : r.validations) {
    nlohmann::json vj{{"target", v.target}, {"hook", std::string(ir::hook_name(v.hook))},
                      {"status", std::string(verifier::to_string(v.status))}};
    if (v.witness) vj["witness"] = witness_json(*v.witness);
    if (!v.message.empty()) vj["message"] = v.message;
    tv.push_back(vj);
  }
  j["translation_validation"] = tv;
  nlohmann::json fw = nlohmann::json::array();
  for (const auto& f : r.forwards) {
    nlohmann::json fj{{"target", f.target}, {"forward", f.forward}, {"location", ir::to_string(f.loc)},
                      {"status", f.status == verifier::Status::Unknown ? "unknown" : "decided"},
                      {"exposed", f.exposed}};
    if (f.witness) fj["witness"] = witness_json(*f.witness);
    fw.push_back(std::move(fj));
  }
  j["forwards"] = fw;
  nlohmann::json fs = nlohmann::json::array();
  for (const auto& f : r.findings) {
    std::vector<std::string> related;
    for (const auto& l : f.related) related.push_back(ir::to_string(l));
    nlohmann::json fj{{"code", f.code}, {"check", f.check}, {"severity", "warning"},
                      {"location", ir::to_string(f.loc)}, {"message", f.message}, {"related", related}};
    if (f.witness) fj["witness"] = witness_json(*f.witness);
    fs.push_back(fj);
  }
  j["findings"] = fs;
  j["stats"] = {{"queries", r.stats.queries}, {"rules_total", r.stats.rules_total},
                {"rules_encoded", r.stats.rules_encoded}, {"seconds", r.stats.seconds}};
  return j.dump(2) + "\n";
}

}  // namespace zp::report

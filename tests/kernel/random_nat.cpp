// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/random_nat.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

#include "tests/kernel/rng.h"

namespace zpk {

namespace {

std::string list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return "[" + s + "]";
}

class NatGen {
 public:
  NatGen(uint64_t seed, const ZonePlan& plan, const GatewayShape& gw, const std::vector<std::string>& pool)
      : rng_(seed ^ 0x6e61745f7a6f6e65ull), plan_(plan), gw_(gw), pool_(pool) {}

  NatPart run() {
    NatPart out;
    std::string masq, snat, fwd;
    if (rng_.chance(0.85)) {
      size_t n = rng_.chance(0.3) ? 2 : 1;
      for (size_t i = 0; i < n; ++i) masq += masquerade();
    }
    if (rng_.chance(0.4)) snat = snat_entry();
    if (rng_.chance(0.7)) forwards(fwd, out.rules_yaml);
    if (masq.empty() && snat.empty() && fwd.empty()) masq = masquerade();
    out.target_yaml = "    nat:\n";
    if (!masq.empty()) out.target_yaml += "      masquerade:\n" + masq;
    if (!snat.empty()) out.target_yaml += "      snat:\n" + snat;
    if (!fwd.empty()) out.target_yaml += "      forwards:\n" + fwd;
    return out;
  }

 private:
  // Whether `zone` can be a `from` of a NAT entry of `family` (0: any): it has addresses of the
  // family, or it is classified by an interface.
  bool usable_from(const std::string& zone, int family) const {
    if (zone == "lan" || gw_.tunnel == zone) return true;
    for (const auto& e : plan_.entries)
      if (plan_.names.at(e.zone) == zone && (family == 0 || e.family == family)) return true;
    return false;
  }

  std::vector<std::string> all_zones() const {
    std::vector<std::string> z = plan_.names;
    for (const auto& [name, zones] : gw_.interfaces)
      if (std::find(zones.begin(), zones.end(), "lan") != zones.end()) z.push_back("lan");
    return z;
  }

  // Up to `max` source zones for a NAT entry of `family` leaving by `out` (zones behind other
  // interfaces, or classified by one); empty when none fits.
  std::vector<std::string> sources(const std::string& out, int family, size_t max) {
    std::vector<std::string> candidates;
    const std::vector<std::string>* on_out = nullptr;
    for (const auto& [name, zones] : gw_.interfaces)
      if (name == out) on_out = &zones;
    for (const auto& z : all_zones()) {
      bool behind_out = on_out && std::find(on_out->begin(), on_out->end(), z) != on_out->end();
      if (!behind_out && usable_from(z, family)) candidates.push_back(z);
    }
    std::vector<std::string> chosen;
    size_t n = rng_.between(1, max);
    for (size_t i = 0; i < n && !candidates.empty(); ++i) {
      size_t k = rng_.between(0, candidates.size() - 1);
      chosen.push_back(candidates[k]);
      candidates.erase(candidates.begin() + static_cast<long>(k));
    }
    return chosen;
  }

  const std::string& some_interface() {
    return rng_.chance(0.6) ? gw_.interfaces.front().first : rng_.pick(gw_.interfaces).first;
  }

  std::string masquerade() {
    const std::string out = some_interface();
    uint64_t k = rng_.between(0, 99);
    int family = k < 45 ? 4 : k < 80 ? 0 : 6;
    std::string s = fmt::format("        - {{ out: {}", out);
    if (rng_.chance(0.65)) {
      auto from = sources(out, family, 2);
      if (!from.empty()) s += ", from: " + list(from);
    }
    if (family != 4) s += family == 0 ? ", family: any" : ", family: ipv6";
    return s + " }\n";
  }

  std::string snat_entry() {
    const std::string out = rng_.pick(gw_.interfaces).first;
    const int family = rng_.chance(0.7) ? 4 : 6;
    // A public address, or a private one the world beyond still routes back (a carrier's).
    std::string to = family == 4 ? (rng_.chance(0.6) ? fmt::format("203.0.113.{}", rng_.between(100, 199))
                                                     : fmt::format("100.64.{}.{}", rng_.between(1, 99), rng_.between(1, 254)))
                                 : fmt::format("{}::{:x}", rng_.chance(0.6) ? "2001:db8:ffff" : "fd7a:5a", rng_.between(1, 0xffff));
    std::string s = fmt::format("        - {{ out: {}", out);
    if (rng_.chance(0.8)) {
      auto from = sources(out, family, 1);
      if (!from.empty()) s += ", from: " + list(from);
    }
    return s + fmt::format(", to: \"{}\" }}\n", to);
  }

  // Zones a forward can lead into: bound to exactly one interface (explain and the harness's
  // routes then agree where the translated packet goes), with addresses of their own.
  std::vector<size_t> forward_zones() const {
    std::map<std::string, int> bound;
    for (const auto& [name, zones] : gw_.interfaces)
      for (const auto& z : zones) ++bound[z];
    std::vector<size_t> out;
    for (size_t z = 0; z < plan_.names.size(); ++z) {
      const std::string& name = plan_.names[z];
      if (bound[name] == 1 && plan_.internet != z && gw_.tunnel != name) out.push_back(z);
    }
    return out;
  }

  void forwards(std::string& yaml, std::string& rules) {
    auto zones = forward_zones();
    if (zones.empty()) return;
    // Per public address: the services of the forwards on it (from the disjoint four), or
    // "exclusive" when one took another service.
    std::map<std::string, std::set<size_t>> shared;
    std::set<std::string> exclusive;
    std::vector<std::string> ons;
    size_t n = rng_.between(1, 3);
    for (size_t i = 1; i <= n; ++i) {
      size_t zone = rng_.pick(zones);
      bool v4 = usable_from(plan_.names[zone], 4), v6 = usable_from(plan_.names[zone], 6);
      int family = v4 && v6 ? (rng_.chance(0.7) ? 4 : 6) : v4 ? 4 : 6;
      auto to = address_owned_by(plan_, zone, family, rng_);
      if (!to) continue;
      const std::string to_text = zp::format_address(*to, family);
      if (std::find(gw_.addresses.begin(), gw_.addresses.end(), to_text) != gw_.addresses.end()) continue;
      // The public address: the gateway's own, an earlier forward's, or a fresh one.
      std::string on;
      const std::string* own = nullptr;
      for (const auto& a : gw_.addresses)
        if ((a.find(':') != std::string::npos) == (family == 6)) own = &a;
      std::vector<std::string> reusable;
      for (const auto& o : ons)
        if ((o.find(':') != std::string::npos) == (family == 6) && !exclusive.count(o) && shared[o].size() < 4)
          reusable.push_back(o);
      uint64_t k = rng_.between(0, 99);
      if (own && k < 40 && !exclusive.count(*own) && shared[*own].size() < 4) on = *own;
      else if (!reusable.empty() && k < 70) on = rng_.pick(reusable);
      else on = family == 4 ? fmt::format("203.0.113.{}", i) : fmt::format("2001:db8:ff::{}", i);
      std::string service;
      if (shared[on].empty() && !exclusive.count(on) && rng_.chance(0.4)) {
        // Alone on its address: any service with ports, a whole protocol now and then.
        service = rng_.chance(0.85) ? pool_.at(rng_.between(4, 6)) : (rng_.chance(0.5) ? "tcp" : "udp");
        exclusive.insert(on);
      } else {
        std::vector<size_t> free;
        for (size_t s = 0; s < 4; ++s)
          if (!shared[on].count(s)) free.push_back(s);
        size_t s = rng_.pick(free);
        shared[on].insert(s);
        service = pool_.at(s);
      }
      if (std::find(ons.begin(), ons.end(), on) == ons.end()) ons.push_back(on);
      std::optional<uint64_t> port;
      if (rng_.chance(0.5)) port = rng_.chance(0.6) ? rng_.between(1, 2000) : rng_.between(1, 65535);
      std::vector<std::string> from;
      if (rng_.chance(0.5)) {
        std::vector<std::string> candidates;
        for (const auto& z : all_zones())
          if (usable_from(z, family)) candidates.push_back(z);
        if (!candidates.empty()) from.push_back(rng_.pick(candidates));
      }
      yaml += fmt::format("        - {{ name: fw{}, service: [\"{}\"], on: \"{}\", to: \"{}\"{}{} }}\n", i, service,
                          on, to_text, port ? fmt::format(", port: {}", *port) : std::string{},
                          from.empty() ? std::string{} : ", from: " + list(from));
      if (rng_.chance(0.8)) {
        // The flow as the filter sees it: to the server's address and (translated) port.
        std::string proto = service.substr(0, service.find('/'));
        std::string allowed = port ? fmt::format("{}/{}", proto, *port) : service;
        rules += fmt::format("  - {{ name: nat{}, from: {}, to: [{}], allow: [\"{}\"] }}\n", i,
                             from.empty() ? "[any]" : list(from), plan_.names[zone], allowed);
      }
    }
  }

  Rng rng_;
  const ZonePlan& plan_;
  const GatewayShape& gw_;
  const std::vector<std::string>& pool_;
};

}  // namespace

NatPart random_nat(uint64_t seed, const ZonePlan& plan, const GatewayShape& gw, const std::vector<std::string>& pool) {
  if (gw.interfaces.empty()) return {};
  return NatGen(seed, plan, gw, pool).run();
}

}  // namespace zpk

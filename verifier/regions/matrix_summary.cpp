// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/matrix_summary.h"

#include <algorithm>
#include <tuple>

#include "verifier/engine/header_space.h"
#include "verifier/regions/print.h"

namespace zp::verifier {

namespace {

bool has_family(const MatrixEndpoint& e, int family, const policy::Policy& pol, const ZoneAddresses& zs) {
  switch (e.kind) {
    case MatrixEndpoint::Kind::Zone:
      return !pol.zones[e.index].interfaces.empty() || !zs.of(e.index, family).empty();
    case MatrixEndpoint::Kind::Self: {
      const auto& t = pol.targets[e.index];
      return t.addresses.empty() || !target_addresses(t, family).empty();
    }
    case MatrixEndpoint::Kind::NoZone: return !zs.none(family).empty();
  }
  return false;
}

// Whether a region is "these protocols × these destination ports" and nothing else, so that
// its ports can be listed per protocol together with other such regions.
bool per_protocol(const MatrixRegion& r) {
  if (r.box.has_icmp() || r.box.at(Dim::L4proto) == dim_full(Dim::L4proto, r.box.family)) return false;
  if (r.box.at(Dim::Sport) != dim_full(Dim::Sport, r.box.family)) return false;
  for (const auto& p : r.box.at(Dim::L4proto))
    if (p.hi - p.lo > 8) return false;
  return true;
}

}  // namespace

std::string region_detail(const std::vector<Range>& rs, const MatrixEndpoint& e, int family,
                          const policy::Policy& pol, const ZoneAddresses& zs) {
  std::vector<Range> scope = dim_full(Dim::Saddr, family);
  if (e.kind == MatrixEndpoint::Kind::Zone && pol.zones[e.index].interfaces.empty()) scope = zs.of(e.index, family);
  if (e.kind == MatrixEndpoint::Kind::NoZone) scope = zs.none(family);
  if (e.kind == MatrixEndpoint::Kind::Self && !target_addresses(pol.targets[e.index], family).empty())
    scope = target_addresses(pol.targets[e.index], family);
  if (covers(rs, scope)) return "";
  return ranges_text(Dim::Saddr, family, intersect(rs, scope), 8);
}

// "tcp 53,80,443; udp 53,123; icmp echo-request (ipv4)": ports gathered per protocol (exact:
// the regions are disjoint boxes), then equal words of IPv4 and IPv6 folded together.
std::string cell_summary(const MatrixCell& cell, const policy::Policy& pol, const ZoneAddresses& zs) {
  std::vector<std::pair<std::string, std::string>> items;  // words, families
  auto add = [&](const std::string& words, const std::string& fam) {
    auto it = std::find_if(items.begin(), items.end(), [&](const auto& x) { return x.first == words; });
    if (it == items.end()) items.push_back({words, fam});
    else if (it->second.find(fam) == std::string::npos) it->second += "+" + fam;
  };
  // (family, details, protocol) -> ports, in order of appearance.
  std::vector<std::tuple<int, std::string, u128, std::vector<Range>>> ports;
  std::vector<std::pair<const MatrixRegion*, std::string>> others;
  for (const auto& r : cell.regions) {
    std::string details;
    if (!r.from_detail.empty()) details += " from " + r.from_detail;
    if (!r.to_detail.empty()) details += " to " + r.to_detail;
    if (!r.extra.empty()) details += " (" + r.extra + ")";
    if (!per_protocol(r)) {
      others.push_back({&r, r.service + details});
      continue;
    }
    for (const auto& pr : r.box.at(Dim::L4proto))
      for (u128 proto = pr.lo; proto <= pr.hi; ++proto) {
        auto it = std::find_if(ports.begin(), ports.end(), [&](const auto& x) {
          return std::get<0>(x) == r.box.family && std::get<1>(x) == details && std::get<2>(x) == proto;
        });
        if (it == ports.end()) ports.push_back({r.box.family, details, proto, r.box.at(Dim::Dport)});
        else {
          auto& ps = std::get<3>(*it);
          ps.insert(ps.end(), r.box.at(Dim::Dport).begin(), r.box.at(Dim::Dport).end());
          ps = normalize(std::move(ps));
        }
      }
  }
  for (const auto& [fam, details, proto, ps] : ports) {
    std::string words = protocol_name(static_cast<uint8_t>(proto));
    // Appended piece by piece: g++ 12 -O3 flags `" " + std::string` with a false -Wrestrict.
    if (ps != dim_full(Dim::Dport, fam)) words.append(" ").append(ports_text(ps));
    add(words + details, fam == 6 ? "ipv6" : "ipv4");
  }
  // A service of several parts ("tcp 80,443; icmp") adds each: the same part of two regions
  // is said once.
  for (const auto& [r, words] : others) {
    const std::string fam = r->box.family == 6 ? "ipv6" : "ipv4";
    const std::string details = words.substr(r->service.size());
    for (size_t start = 0;;) {
      size_t end = r->service.find("; ", start);
      add(r->service.substr(start, end == std::string::npos ? std::string::npos : end - start) + details, fam);
      if (end == std::string::npos) break;
      start = end + 2;
    }
  }
  bool both = has_family(cell.from, 4, pol, zs) && has_family(cell.to, 4, pol, zs) &&
              has_family(cell.from, 6, pol, zs) && has_family(cell.to, 6, pol, zs);
  std::string out;
  for (const auto& [words, fam] : items) {
    out += (out.empty() ? "" : "; ") + words;
    if (both && fam.find('+') == std::string::npos) out += " (" + fam + ")";
  }
  return out;
}

bool region_order(const MatrixRegion& a, const MatrixRegion& b) {
  auto key = [](const MatrixRegion& r) {
    return std::make_tuple(r.box.has_icmp(), r.box.at(Dim::L4proto).front().lo, r.box.at(Dim::Dport).front().lo,
                           r.box.family);
  };
  return key(a) < key(b);
}

}  // namespace zp::verifier

// SPDX-License-Identifier: GPL-2.0-or-later
// The `nat` part of a gateway target (docs/language.md, "NAT"): masquerade, snat and port
// forwards. Names and families are checked here; what needs the whole policy (zones of `from`,
// the interfaces of the gateway, overlaps, rules that admit a forward) is in check_nat.cpp.
#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/load_sections.h"
#include "compiler/text_util.h"

namespace zp::load {
namespace {

using policy::PortForward;
using policy::SourceNat;

std::optional<policy::AddressRange> single_address(const Node& n, State& st, std::string_view what) {
  auto addrs = load_addresses(n, st, what);
  if (addrs.empty()) return std::nullopt;
  if (addrs.size() != 1 || addrs[0].range.lo != addrs[0].range.hi) {
    st.reader.diags().error(code::kNotSingleAddress, n.loc, fmt::format("{} is not a single address", what),
                            "NAT translates to one address, e.g. 203.0.113.10");
    return std::nullopt;
  }
  return addrs[0];
}

// `from` of a NAT entry: zones only (a NAT rule classifies the packet's source as rules do).
std::vector<policy::Endpoint> nat_sources(const Node& n, State& st, std::string_view what) {
  auto eps = load_endpoints(n, st, what);
  std::vector<policy::Endpoint> out;
  for (auto& e : eps) {
    if (e.kind == policy::Endpoint::Kind::Any) {
      st.reader.diags().error(code::kBadValue, e.loc, fmt::format("'any' in {}", what),
                              "leave 'from' out to translate every packet");
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void load_source_nat(const Node& n, SourceNat::Kind kind, policy::Target& t, State& st, const std::string& what) {
  const char* word = kind == SourceNat::Kind::Masquerade ? "masquerade" : "snat";
  const std::string list_what = fmt::format("'nat.{}' of {}", word, what);
  if (!st.reader.expect_seq(n, list_what, "a list of entries like { out: eth0, from: lan }")) return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& e = *n.items[i];
    const std::string ewhat = fmt::format("{} entry {} of {}", word, i + 1, what);
    if (!st.reader.expect_map(e, ewhat, "a mapping like { out: eth0, from: lan }")) continue;
    const bool clean = kind == SourceNat::Kind::Masquerade
                           ? st.reader.check_keys(e, ewhat, {"out", "from", "family"})
                           : st.reader.check_keys(e, ewhat, {"out", "from", "to"});
    SourceNat s;
    s.kind = kind;
    s.loc = e.loc;
    if (const Node* out = clean ? st.reader.require(e, "out", ewhat) : Reader::get(e, "out")) {
      if (!out->is_scalar()) {
        st.reader.wrong_type(*out, fmt::format("'out' of {}", ewhat), "an interface name");
      } else if (auto name = load_interface_name(*out, st, ewhat)) {
        s.out = *name;
        s.out_loc = out->loc;
      }
    }
    if (const Node* from = Reader::get(e, "from")) s.from = nat_sources(*from, st, fmt::format("'from' of {}", ewhat));
    if (kind == SourceNat::Kind::Snat) {
      if (const Node* to = clean ? st.reader.require(e, "to", ewhat) : Reader::get(e, "to")) {
        s.to = single_address(*to, st, fmt::format("'to' of {}", ewhat));
        if (s.to) s.family = s.to->family;
      }
    } else if (const Node* f = Reader::get(e, "family")) {
      if (auto fam = st.reader.choice<int>(*f, fmt::format("'family' of {}", ewhat),
                                           {{"ipv4", 4}, {"ipv6", 6}, {"any", 0}}))
        s.family = *fam;
    }
    if (s.out.empty() || (kind == SourceNat::Kind::Snat && !s.to)) continue;
    t.nat.source.push_back(std::move(s));
  }
}

void load_forwards(const Node& n, policy::Target& t, State& st, const std::string& what) {
  const std::string list_what = fmt::format("'nat.forwards' of {}", what);
  if (!st.reader.expect_seq(n, list_what, "a list of port forwards like { service: https, on: 203.0.113.10, to: 10.0.2.10 }"))
    return;
  for (size_t i = 0; i < n.items.size(); ++i) {
    const Node& e = *n.items[i];
    PortForward f;
    f.loc = e.loc;
    f.name = fmt::format("forward {}", i + 1);
    if (e.is_map())
      if (const Node* name = Reader::get(e, "name"))
        if (auto text = st.reader.string(*name, fmt::format("'name' of forward {} of {}", i + 1, what))) f.name = *text;
    const std::string ewhat = fmt::format("{} of {}", quote(f.name), what);
    if (!st.reader.expect_map(e, ewhat, "a mapping like { service: https, on: 203.0.113.10, to: 10.0.2.10 }")) continue;
    const bool clean = st.reader.check_keys(e, ewhat, {"name", "service", "on", "to", "port", "from"});
    bool ok = true;
    if (const Node* s = clean ? st.reader.require(e, "service", ewhat) : Reader::get(e, "service"))
      f.services = load_service_refs(*s, st, fmt::format("'service' of {}", ewhat));
    else
      ok = false;
    if (const Node* on = clean ? st.reader.require(e, "on", ewhat) : Reader::get(e, "on")) {
      f.on = load_addresses(*on, st, fmt::format("'on' of {}", ewhat));
      if (f.on.empty()) ok = false;
    } else {
      ok = false;
    }
    if (const Node* to = clean ? st.reader.require(e, "to", ewhat) : Reader::get(e, "to")) {
      auto a = single_address(*to, st, fmt::format("'to' of {}", ewhat));
      if (a) f.to = *a;
      else ok = false;
    } else {
      ok = false;
    }
    if (const Node* p = Reader::get(e, "port")) {
      if (auto v = st.reader.integer(*p, fmt::format("'port' of {}", ewhat), 1, 65535)) {
        f.port = static_cast<uint16_t>(*v);
        f.port_loc = p->loc;
      } else {
        ok = false;
      }
    }
    if (const Node* from = Reader::get(e, "from")) f.from = nat_sources(*from, st, fmt::format("'from' of {}", ewhat));
    if (!ok) continue;
    f.family = f.to.family;
    for (const auto& a : f.on)
      if (a.family != f.family) {
        st.reader.diags().error(code::kNatFamily, a.loc,
                                fmt::format("{} in 'on' of {} is IPv{}, but 'to' is IPv{}", quote(a.text), ewhat,
                                            a.family, f.family),
                                "a forward translates within one family (no NAT64 or NAT46)");
        ok = false;
      }
    if (ok) t.nat.forwards.push_back(std::move(f));
  }
}

}  // namespace

void load_nat(const Node& n, policy::Target& t, State& st, const std::string& what) {
  const std::string nwhat = fmt::format("'nat' of {}", what);
  if (!st.reader.expect_map(n, nwhat, "a mapping with 'masquerade', 'snat' or 'forwards'")) return;
  st.reader.check_keys(n, nwhat, {"masquerade", "snat", "forwards"});
  if (const Node* m = Reader::get(n, "masquerade")) load_source_nat(*m, SourceNat::Kind::Masquerade, t, st, what);
  if (const Node* s = Reader::get(n, "snat")) load_source_nat(*s, SourceNat::Kind::Snat, t, st, what);
  if (const Node* f = Reader::get(n, "forwards")) load_forwards(*f, t, st, what);
}

}  // namespace zp::load

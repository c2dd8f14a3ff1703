// SPDX-License-Identifier: GPL-2.0-or-later
#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/load_sections.h"
#include "compiler/text_util.h"

namespace zp::load {
namespace {

using policy::Target;

// Names nft 1.0.6 rejects as a table name (each checked with `nft -c`), and keywords of later
// nft versions, so a table name never depends on the nft release.
constexpr std::string_view kNftKeywords[] = {
    "accept", "add", "ah", "all", "and", "arp", "bridge", "cgroup", "chain", "comment", "comp",
    "constant", "continue", "counter", "cpu", "create", "ct", "day", "dccp", "define", "delete",
    "describe", "device", "devices", "dnat", "drop", "dst", "dup", "dynamic", "ecn", "element",
    "elements", "eq", "esp", "ether", "exists", "expires", "export", "exthdr", "fib", "flags",
    "flow", "flowtable", "flush", "frag", "fwd", "ge", "get", "goto", "gt", "handle", "hbh", "hook",
    "hour", "ibriport", "ibrname", "icmp", "icmpv6", "igmp", "iif", "iifgroup", "iifname",
    "iiftype", "import", "include", "index", "inet", "insert", "interval", "ip", "ip6", "ipsec",
    "jhash", "jump", "le", "limit", "list", "log", "lt", "map", "mark", "masquerade", "meta",
    "meter", "mh", "missing", "monitor", "ne", "netdev", "nftrace", "not", "notrack", "numgen",
    "obriport", "obrname", "offload", "oif", "oifgroup", "oifname", "oiftype", "or", "osf",
    "pkttype", "policy", "position", "priority", "queue", "quota", "random", "redefine",
    "redirect", "reject", "rename", "replace", "reset", "return", "rt", "rt0", "rt2", "rtclassid",
    "rule", "ruleset", "sctp", "secmark", "set", "size", "skgid", "skuid", "snat", "socket", "srh",
    "symhash", "synproxy", "table", "tcp", "th", "time", "timeout", "tproxy", "type", "typeof",
    "udp", "udplite", "undefine", "update", "vlan", "vmap", "xt"};
constexpr std::string_view kLaterNftKeywords[] = {"destroy", "gre", "gretap", "vxlan", "geneve",
                                                  "vni", "tunnel", "last"};

bool valid_table_syntax(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0])) return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  return true;
}

void load_table(const Node& n, Target& t, State& st, std::string_view what) {
  auto name = st.reader.string(n, fmt::format("'table' of {}", what));
  if (!name) return;
  if (!valid_table_syntax(*name)) {
    st.reader.diags().error(code::kBadTable, n.loc,
                            fmt::format("bad table name {} in {}", quote(*name), what),
                            "a table name is 1 to 32 characters: a letter, then letters, digits "
                            "or '_'");
    return;
  }
  if (is_nft_keyword(*name)) {
    st.reader.diags().error(code::kBadTable, n.loc,
                            fmt::format("table name {} in {} is an nft keyword", quote(*name), what),
                            "choose another name, e.g. zp_" + *name);
    return;
  }
  t.table = *name;
}

std::vector<policy::AddressRange> load_own_addresses(const Node& n, State& st, std::string_view what) {
  auto addresses = load_addresses(n, st, what);
  std::vector<policy::AddressRange> out;
  for (auto& a : addresses) {
    if (a.range.lo != a.range.hi) {
      st.reader.diags().error(code::kNotSingleAddress, a.loc,
                              fmt::format("{} in {} is not a single address", quote(a.text), what),
                              "a target's own addresses are single addresses like 10.0.3.10");
      continue;
    }
    out.push_back(std::move(a));
  }
  return out;
}

void load_gateway(const Node& n, Target& t, State& st, const std::string& what) {
  const bool clean =
      st.reader.check_keys(n, what, {"kind", "interfaces", "addresses", "table", "nat", "description"});
  if (const Node* ifs = clean ? st.reader.require(n, "interfaces", what) : Reader::get(n, "interfaces")) {
    if (st.reader.expect_map(*ifs, fmt::format("'interfaces' of {}", what),
                             "a mapping of interface names to zones")) {
      if (ifs->entries.empty())
        st.reader.diags().error(code::kWrongType, ifs->loc,
                                fmt::format("{} binds no interfaces", what),
                                "write e.g. 'interfaces: { eth0: internet, eth1: dmz }'");
      for (const auto& [key, value] : ifs->entries) {
        if (!key->is_scalar()) {
          st.reader.wrong_type(*key, fmt::format("'interfaces' of {}", what), "an interface name");
          continue;
        }
        auto ifname = load_interface_name(*key, st, what);
        if (!ifname) continue;
        policy::InterfaceBinding b;
        b.interface = *ifname;
        b.loc = key->loc;
        for (const Node* z : st.reader.scalar_or_list(
                 *value, fmt::format("interface {} of {}", quote(*ifname), what),
                 "a zone name or a list of zones"))
          b.zones.emplace_back(z->value, z->loc);
        t.interfaces.push_back(std::move(b));
      }
    }
  }
  if (const Node* a = Reader::get(n, "addresses"))
    t.addresses = load_own_addresses(*a, st, fmt::format("'addresses' of {}", what));
  if (const Node* nat = Reader::get(n, "nat")) load_nat(*nat, t, st, what);
}

void load_host(const Node& n, Target& t, State& st, const std::string& what) {
  if (const Node* nat = Reader::get(n, "nat"))
    st.reader.diags().error(code::kNatNotGateway, nat->loc, fmt::format("{} is a host: NAT is for gateways", what),
                            "a host's traffic is translated by the gateway it goes through; move 'nat' there");
  const bool clean = st.reader.check_keys(n, what, {"kind", "zone", "address", "addresses", "table", "nat",
                                                    "description"});
  if (const Node* z = clean ? st.reader.require(n, "zone", what) : Reader::get(n, "zone")) {
    if (auto name = st.reader.string(*z, fmt::format("'zone' of {}", what))) {
      t.zone = *name;
      t.zone_loc = z->loc;
    }
  }
  const Node* one = Reader::get(n, "address");
  const Node* many = Reader::get(n, "addresses");
  if (one && many) {
    st.reader.diags().error(code::kUnknownKey, many->loc,
                            fmt::format("{} has both 'address' and 'addresses'", what),
                            "list every address under 'addresses'");
  } else if (!one && !many && clean) {
    st.reader.diags().error(code::kMissingKey, n.loc,
                            fmt::format("missing key 'address' in {}", what),
                            "a host target needs its address, e.g. 'address: 10.0.3.10'");
  }
  if (one && one->is_scalar())
    t.addresses = load_own_addresses(*one, st, fmt::format("'address' of {}", what));
  else if (one)
    st.reader.wrong_type(*one, fmt::format("'address' of {}", what), "an address");
  else if (many)
    t.addresses = load_own_addresses(*many, st, fmt::format("'addresses' of {}", what));
}

void load_target(const Node& key, const Node& value, State& st) {
  auto name = st.reader.name(key, "target");
  if (!name) return;
  if (*name == "any") {
    st.reader.diags().error(code::kBadName, key.loc,
                            "'any' is reserved: in a rule it means every address",
                            "choose another name for this target");
    return;
  }
  const std::string what = fmt::format("target {}", quote(*name));
  if (!st.reader.expect_map(value, what, "a mapping with 'kind: gateway' or 'kind: host'")) return;
  Target t;
  t.name = *name;
  t.loc = key.loc;
  const Node* kind = st.reader.require(value, "kind", what);
  std::optional<Target::Kind> k;
  if (kind)
    k = st.reader.choice<Target::Kind>(*kind, fmt::format("'kind' of {}", what),
                                       {{"gateway", Target::Kind::Gateway},
                                        {"host", Target::Kind::Host}});
  if (!k) {
    st.reader.check_keys(value, what, {"kind", "interfaces", "zone", "address", "addresses",
                                       "table", "nat", "description"});
    return;
  }
  t.kind = *k;
  if (t.kind == Target::Kind::Gateway)
    load_gateway(value, t, st, what);
  else
    load_host(value, t, st, what);
  if (const Node* table = Reader::get(value, "table")) load_table(*table, t, st, what);
  if (const Node* d = Reader::get(value, "description"))
    st.reader.text(*d, fmt::format("'description' of {}", what));
  st.policy.targets.push_back(std::move(t));
}

}  // namespace

bool is_nft_keyword(std::string_view word) {
  for (auto k : kNftKeywords)
    if (k == word) return true;
  for (auto k : kLaterNftKeywords)
    if (k == word) return true;
  return false;
}

std::vector<std::string_view> nft_keywords_checked_with_nft() {
  return {std::begin(kNftKeywords), std::end(kNftKeywords)};
}

void load_targets(const Node& n, State& st) {
  if (n.is_null()) return;
  if (!st.reader.expect_map(n, "'targets'", "a mapping of target names to targets")) return;
  for (const auto& [key, value] : n.entries) load_target(*key, *value, st);
}

}  // namespace zp::load

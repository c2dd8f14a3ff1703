// SPDX-License-Identifier: GPL-2.0-or-later
// nft JSON expressions -> IR fields, values and verdicts.
#include <fmt/core.h>

#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends::json_expr {

void fail(const JsonPath& path, const std::string& message) { throw ReadError{path.str(), message}; }

const json& member(const json& obj, const char* key, const JsonPath& path) {
  if (!obj.is_object()) fail(path, "expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) fail(path, fmt::format("missing \"{}\"", key));
  return *it;
}

std::string string_at(const json& j, const JsonPath& path) {
  if (!j.is_string()) fail(path, fmt::format("expected a string, got {}", j.dump()));
  return j.get<std::string>();
}

int64_t integer_at(const json& j, const JsonPath& path) {
  if (!j.is_number_integer()) fail(path, fmt::format("expected an integer, got {}", j.dump()));
  return j.get<int64_t>();
}

void only_keys(const json& obj, std::initializer_list<const char*> allowed, const JsonPath& path) {
  if (!obj.is_object()) fail(path, fmt::format("expected an object, got {}", obj.dump()));
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (const char* a : allowed) known |= key == a;
    if (!known) fail(path, fmt::format("unsupported attribute \"{}\"", key));
  }
}

std::string single_key(const json& obj, const JsonPath& path) {
  if (!obj.is_object() || obj.size() != 1)
    fail(path, fmt::format("expected an object with one key, got {}", obj.dump()));
  return obj.begin().key();
}

namespace {

std::optional<Field> meta_field(std::string_view key) {
  if (key == "nfproto") return Field::Nfproto;
  if (key == "l4proto") return Field::L4proto;
  if (key == "iifname") return Field::Iifname;
  if (key == "oifname") return Field::Oifname;
  if (key == "mark") return Field::Mark;
  return std::nullopt;
}

std::optional<FieldRef> payload_field(std::string_view proto, std::string_view field) {
  using F = Field;
  if (proto == "ip" && field == "saddr") return FieldRef{F::Ip4Saddr, {}};
  if (proto == "ip" && field == "daddr") return FieldRef{F::Ip4Daddr, {}};
  if (proto == "ip6" && field == "saddr") return FieldRef{F::Ip6Saddr, {}};
  if (proto == "ip6" && field == "daddr") return FieldRef{F::Ip6Daddr, {}};
  if (proto == "icmp" && field == "type") return FieldRef{F::IcmpType, {}};
  if (proto == "icmp" && field == "code") return FieldRef{F::IcmpCode, {}};
  if (proto == "icmpv6" && field == "type") return FieldRef{F::Icmp6Type, {}};
  if (proto == "icmpv6" && field == "code") return FieldRef{F::Icmp6Code, {}};
  if (field != "sport" && field != "dport") return std::nullopt;
  F f = field == "sport" ? F::Sport : F::Dport;
  if (proto == "th") return FieldRef{f, {}};
  // The protocols whose headers start with the ports; nft names the payload after the protocol
  // the rule has matched before.
  for (std::string_view p : {"tcp", "udp", "udplite", "sctp", "dccp"})
    if (proto == p) return FieldRef{f, l4proto_from_name(p)};
  return std::nullopt;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// A named value of a symbolic field.
std::optional<u128> symbol_value(Field f, const std::string& s) {
  std::optional<uint8_t> v;
  switch (f) {
    case Field::Nfproto:
      if (s == "ipv4") v = kNfprotoIpv4;
      if (s == "ipv6") v = kNfprotoIpv6;
      break;
    case Field::L4proto: v = l4proto_from_name(s); break;
    case Field::IcmpType: v = icmp_type_number(s); break;
    case Field::Icmp6Type: v = icmpv6_type_number(s); break;
    case Field::IcmpCode: v = icmp_code_number(s); break;
    case Field::Icmp6Code: v = icmpv6_code_number(s); break;
    default: break;
  }
  if (v) return *v;
  return std::nullopt;
}

u128 single_value(Field f, const json& j, const JsonPath& path) {
  if (j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0)) {
    if (field_is_address(f) || field_is_ifname(f))
      fail(path, fmt::format("{} needs a string value, got {}", field_nft_name(f), j.dump()));
    u128 v = j.get<uint64_t>();
    if (v > field_max(f)) fail(path, fmt::format("{} out of range for {}", j.dump(), field_nft_name(f)));
    return v;
  }
  if (!j.is_string()) fail(path, fmt::format("unsupported value {} for {}", j.dump(), field_nft_name(f)));
  std::string s = j.get<std::string>();
  if (field_is_address(f)) {
    auto a = parse_address(s);
    if (!a || a->family != field_family(f))
      fail(path, fmt::format("\"{}\" is not an IPv{} address", s, field_family(f)));
    return a->value;
  }
  if (field_is_ifname(f)) {
    auto r = ifname_range(s);
    if (!r || r->lo != r->hi) fail(path, fmt::format("\"{}\" is not an interface name", s));
    return r->lo;
  }
  if (auto v = symbol_value(f, s)) return *v;
  if (f == Field::L4proto && all_digits(s) && s.size() <= 3 && std::stoi(s) <= 255)
    return static_cast<u128>(std::stoi(s));
  fail(path, fmt::format("unknown value \"{}\" for {}", s, field_nft_name(f)));
}

}  // namespace

FieldRef read_field_expr(const json& j, const JsonPath& path) {
  if (j.is_object() && j.contains("meta")) {
    only_keys(j, {"meta"}, path);
    const json& m = j["meta"];
    const JsonPath mpath = path.key("meta");
    only_keys(m, {"key"}, mpath);
    std::string key = string_at(member(m, "key", mpath), mpath.key("key"));
    if (auto f = meta_field(key)) return {*f, {}};
    fail(path, fmt::format("unsupported meta key \"{}\"", key));
  }
  if (j.is_object() && j.contains("payload")) {
    only_keys(j, {"payload"}, path);
    const json& p = j["payload"];
    const JsonPath ppath = path.key("payload");
    if (!p.is_object() || !p.contains("protocol"))
      fail(ppath, fmt::format("unsupported raw payload expression {}", p.dump()));
    only_keys(p, {"protocol", "field"}, ppath);
    std::string proto = string_at(member(p, "protocol", ppath), ppath.key("protocol"));
    std::string field = string_at(member(p, "field", ppath), ppath.key("field"));
    if (auto f = payload_field(proto, field)) return *f;
    fail(path, fmt::format("unsupported payload field \"{} {}\"", proto, field));
  }
  fail(path, fmt::format("unsupported expression {}", j.dump()));
}

std::vector<FieldRef> read_key_expr(const json& j, const JsonPath& path) {
  if (j.is_object() && j.contains("concat")) {
    only_keys(j, {"concat"}, path);
    const json& parts = j["concat"];
    const JsonPath cpath = path.key("concat");
    if (!parts.is_array() || parts.size() < 2) fail(cpath, "expected an array of at least two");
    std::vector<FieldRef> out;
    for (size_t i = 0; i < parts.size(); ++i) out.push_back(read_field_expr(parts[i], cpath.at(i)));
    return out;
  }
  return {read_field_expr(j, path)};
}

Range read_range(Field f, const json& j, const JsonPath& path) {
  if (j.is_object() && j.contains("range")) {
    only_keys(j, {"range"}, path);
    const json& r = j["range"];
    const JsonPath rpath = path.key("range");
    if (!r.is_array() || r.size() != 2) fail(rpath, "expected [low, high]");
    Range out{single_value(f, r[0], rpath.at(0)), single_value(f, r[1], rpath.at(1))};
    if (out.lo > out.hi) fail(rpath, "low end above high end");
    return out;
  }
  if (j.is_object() && j.contains("prefix")) {
    only_keys(j, {"prefix"}, path);
    const json& p = j["prefix"];
    const JsonPath ppath = path.key("prefix");
    only_keys(p, {"addr", "len"}, ppath);
    // nft lists prefixes of addresses, and of marks inside sets ("0x00000100/24").
    if (field_is_ifname(f)) fail(path, fmt::format("a prefix is no value of {}", field_nft_name(f)));
    u128 addr = single_value(f, member(p, "addr", ppath), ppath.key("addr"));
    int64_t len = integer_at(member(p, "len", ppath), ppath.key("len"));
    if (len < 0 || len > field_bits(f)) fail(ppath.key("len"), fmt::format("bad prefix length {}", len));
    Range r = prefix_range(addr, static_cast<int>(len), field_bits(f));
    if (r.lo != addr) fail(ppath, "prefix with host bits set");
    return r;
  }
  if (field_is_ifname(f) && j.is_string()) {
    auto r = ifname_range(j.get<std::string>());
    if (!r) fail(path, fmt::format("{} is not an interface name or wildcard", j.dump()));
    return *r;
  }
  u128 v = single_value(f, j, path);
  return {v, v};
}

std::vector<Range> read_values(Field f, const json& j, const JsonPath& path) {
  if (j.is_object() && j.contains("set")) {
    only_keys(j, {"set"}, path);
    const json& items = j["set"];
    const JsonPath spath = path.key("set");
    if (!items.is_array()) {
      // nft writes a one-element anonymous set as the element itself.
      return {read_range(f, items, spath)};
    }
    if (items.empty()) fail(spath, "empty set");
    std::vector<Range> out;
    for (size_t i = 0; i < items.size(); ++i) out.push_back(read_range(f, items[i], spath.at(i)));
    return out;
  }
  return {read_range(f, j, path)};
}

ir::Key read_element(const std::vector<Field>& key, const json& j, const JsonPath& path) {
  // Elements with attributes are wrapped: {"elem":{"val":...}}. The only attribute read is the
  // count of a map that counts (its packets are state, not ruleset).
  const bool wrapped = j.is_object() && j.contains("elem");
  const JsonPath wpath = path.key("elem");
  const JsonPath vpath = wpath.key("val");
  const json* e = &j;
  if (wrapped) {
    only_keys(j, {"elem"}, path);
    only_keys(j["elem"], {"val", "counter"}, wpath);
    e = &member(j["elem"], "val", wpath);
  }
  const JsonPath& epath = wrapped ? vpath : path;
  if (key.size() == 1) return {read_range(key[0], *e, epath)};
  if (!e->is_object() || !e->contains("concat")) fail(epath, "expected a {\"concat\": [...]} element");
  only_keys(*e, {"concat"}, epath);
  const json& parts = (*e)["concat"];
  const JsonPath cpath = epath.key("concat");
  if (!parts.is_array() || parts.size() != key.size())
    fail(cpath, fmt::format("expected {} components", key.size()));
  ir::Key out;
  for (size_t i = 0; i < key.size(); ++i) out.push_back(read_range(key[i], parts[i], cpath.at(i)));
  return out;
}

std::optional<ir::Verdict> read_verdict(const json& j, const JsonPath& path) {
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  const std::string& kind = j.begin().key();
  const json& body = j.begin().value();
  const JsonPath bpath = path.key(kind);
  ir::Verdict v;
  auto simple = [&](ir::VerdictKind k) {
    if (!body.is_null()) fail(bpath, "expected null");
    v.kind = k;
    return v;
  };
  if (kind == "accept") return simple(ir::VerdictKind::Accept);
  if (kind == "drop") return simple(ir::VerdictKind::Drop);
  if (kind == "return") return simple(ir::VerdictKind::Return);
  if (kind == "continue") return simple(ir::VerdictKind::Continue);
  if (kind == "jump" || kind == "goto") {
    only_keys(body, {"target"}, bpath);
    v.kind = kind == "jump" ? ir::VerdictKind::Jump : ir::VerdictKind::Goto;
    v.chain = string_at(member(body, "target", bpath), bpath.key("target"));
    return v;
  }
  if (kind != "reject") return std::nullopt;
  v.kind = ir::VerdictKind::Reject;
  // A bare reject in the inet family answers with icmpx port-unreachable.
  v.reject = ir::RejectWith::IcmpxPortUnreachable;
  if (body.is_null() || (body.is_object() && body.empty())) return v;
  only_keys(body, {"type", "expr"}, bpath);
  std::string type = string_at(member(body, "type", bpath), bpath.key("type"));
  if (type == "tcp reset") {
    if (body.contains("expr")) fail(bpath, "tcp reset takes no expr");
    v.reject = ir::RejectWith::TcpReset;
    return v;
  }
  if (type != "icmpx") fail(bpath.key("type"), fmt::format("unsupported reject type \"{}\"", type));
  if (!body.contains("expr")) return v;
  std::string code = string_at(body["expr"], bpath.key("expr"));
  if (code == "admin-prohibited") v.reject = ir::RejectWith::IcmpxAdminProhibited;
  else if (code != "port-unreachable")
    fail(bpath.key("expr"), fmt::format("unsupported icmpx reject code \"{}\"", code));
  return v;
}

std::optional<Field> field_of_set_type(std::string_view type) {
  using F = Field;
  // ipv4_addr, ipv6_addr, inet_service and ifname serve two fields each; the first use of a set
  // decides (see from_nft_json); these are the defaults.
  for (F f : {F::Nfproto, F::L4proto, F::Ip4Saddr, F::Ip6Saddr, F::Dport, F::IcmpType, F::IcmpCode,
              F::Icmp6Type, F::Icmp6Code, F::Iifname, F::Mark})
    if (field_set_type(f) == type) return f;
  return std::nullopt;
}

}  // namespace zp::backends::json_expr

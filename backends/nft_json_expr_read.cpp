// SPDX-License-Identifier: GPL-2.0-or-later
// nft JSON expressions -> IR fields, values and verdicts.
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "backends/json_node.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends::json_expr {

void fail(const JsonPath& path, const std::string& message) { throw ReadError{path.str(), message}; }

template <class Json>
MemberOf<Json> member(const Json& obj, const char* key, const JsonPath& path) {
  if (!obj.is_object()) fail(path, "expected an object");
  if (!obj.contains(key)) fail(path, fmt::format("missing \"{}\"", key));
  return obj[key];
}

template <class Json>
std::string string_at(const Json& j, const JsonPath& path) {
  if (!j.is_string()) fail(path, fmt::format("expected a string, got {}", j.dump()));
  return j.template get<std::string>();
}

template <class Json>
int64_t integer_at(const Json& j, const JsonPath& path) {
  if (!j.is_number_integer()) fail(path, fmt::format("expected an integer, got {}", j.dump()));
  return j.template get<int64_t>();
}

template <class Json>
void only_keys(const Json& obj, std::initializer_list<const char*> allowed, const JsonPath& path) {
  if (!obj.is_object()) fail(path, fmt::format("expected an object, got {}", obj.dump()));
  // Each key is allowed, so a key seen twice is among the first allowed.size() + 1.
  std::string_view seen[16];
  size_t count = 0;
  for (const auto& [key, value] : obj.items()) {
    const std::string_view k(key);
    bool known = false;
    for (const char* a : allowed) known |= k == a;
    if (!known) fail(path, fmt::format("unsupported attribute \"{}\"", k));
    for (size_t i = 0; i < count; ++i)
      if (seen[i] == k) fail(path, fmt::format("attribute \"{}\" given twice", k));
    if (count < std::size(seen)) seen[count++] = k;
  }
}

template <class Json>
std::string single_key(const Json& obj, const JsonPath& path) {
  if (!obj.is_object() || obj.size() != 1)
    fail(path, fmt::format("expected an object with one key, got {}", obj.dump()));
  for (const auto& [key, value] : obj.items()) return std::string(key);
  return {};  // not reached: one key
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

template <class Json>
u128 single_value(Field f, const Json& j, const JsonPath& path) {
  if (j.is_number_unsigned() || (j.is_number_integer() && j.template get<int64_t>() >= 0)) {
    if (field_is_address(f) || field_is_ifname(f))
      fail(path, fmt::format("{} needs a string value, got {}", field_nft_name(f), j.dump()));
    u128 v = j.template get<uint64_t>();
    if (v > field_max(f)) fail(path, fmt::format("{} out of range for {}", j.dump(), field_nft_name(f)));
    return v;
  }
  if (!j.is_string()) fail(path, fmt::format("unsupported value {} for {}", j.dump(), field_nft_name(f)));
  std::string s = j.template get<std::string>();
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

FieldRef read_field_expr(const JsonNode& j, const JsonPath& path) {
  if (j.is_object() && j.contains("meta")) {
    only_keys(j, {"meta"}, path);
    const JsonNode m = j["meta"];
    const JsonPath mpath = path.key("meta");
    only_keys(m, {"key"}, mpath);
    std::string key = string_at(member(m, "key", mpath), mpath.key("key"));
    if (auto f = meta_field(key)) return {*f, {}};
    fail(path, fmt::format("unsupported meta key \"{}\"", key));
  }
  if (j.is_object() && j.contains("payload")) {
    only_keys(j, {"payload"}, path);
    const JsonNode p = j["payload"];
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

std::vector<FieldRef> read_key_expr(const JsonNode& j, const JsonPath& path) {
  if (j.is_object() && j.contains("concat")) {
    only_keys(j, {"concat"}, path);
    const JsonNode parts = j["concat"];
    const JsonPath cpath = path.key("concat");
    if (!parts.is_array() || parts.size() < 2) fail(cpath, "expected an array of at least two");
    std::vector<FieldRef> out;
    size_t i = 0;
    for (JsonNode part : parts.elements()) out.push_back(read_field_expr(part, cpath.at(i++)));
    return out;
  }
  return {read_field_expr(j, path)};
}

template <class Json>
Range read_range(Field f, const Json& j, const JsonPath& path) {
  if (j.is_object() && j.contains("range")) {
    only_keys(j, {"range"}, path);
    MemberOf<Json> r = j["range"];
    const JsonPath rpath = path.key("range");
    if (!r.is_array() || r.size() != 2) fail(rpath, "expected [low, high]");
    Range out{single_value(f, r[0], rpath.at(0)), single_value(f, r[1], rpath.at(1))};
    if (out.lo > out.hi) fail(rpath, "low end above high end");
    return out;
  }
  if (j.is_object() && j.contains("prefix")) {
    only_keys(j, {"prefix"}, path);
    MemberOf<Json> p = j["prefix"];
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
    auto r = ifname_range(j.template get<std::string>());
    if (!r) fail(path, fmt::format("{} is not an interface name or wildcard", j.dump()));
    return *r;
  }
  u128 v = single_value(f, j, path);
  return {v, v};
}

std::vector<Range> read_values(Field f, const JsonNode& j, const JsonPath& path) {
  if (j.is_object() && j.contains("set")) {
    only_keys(j, {"set"}, path);
    const JsonNode items = j["set"];
    const JsonPath spath = path.key("set");
    if (!items.is_array()) {
      // nft writes a one-element anonymous set as the element itself.
      return {read_range(f, items, spath)};
    }
    if (items.empty()) fail(spath, "empty set");
    std::vector<Range> out;
    size_t i = 0;
    for (JsonNode item : items.elements()) out.push_back(read_range(f, item, spath.at(i++)));
    return out;
  }
  return {read_range(f, j, path)};
}

ir::Key read_element(const std::vector<Field>& key, const JsonNode& j, const JsonPath& path) {
  // Elements with attributes are wrapped: {"elem":{"val":...}}. The only attribute read is the
  // count of a map that counts (its packets are state, not ruleset).
  const bool wrapped = j.is_object() && j.contains("elem");
  const JsonPath wpath = path.key("elem");
  const JsonPath vpath = wpath.key("val");
  JsonNode e = j;
  if (wrapped) {
    only_keys(j, {"elem"}, path);
    only_keys(j["elem"], {"val", "counter"}, wpath);
    e = member(j["elem"], "val", wpath);
  }
  const JsonPath& epath = wrapped ? vpath : path;
  if (key.size() == 1) return {read_range(key[0], e, epath)};
  if (!e.is_object() || !e.contains("concat")) fail(epath, "expected a {\"concat\": [...]} element");
  only_keys(e, {"concat"}, epath);
  const JsonNode parts = e["concat"];
  const JsonPath cpath = epath.key("concat");
  if (!parts.is_array() || parts.size() != key.size())
    fail(cpath, fmt::format("expected {} components", key.size()));
  ir::Key out;
  size_t i = 0;
  for (JsonNode part : parts.elements()) {
    out.push_back(read_range(key[i], part, cpath.at(i)));
    ++i;
  }
  return out;
}

std::optional<ir::Verdict> read_verdict(const JsonNode& j, const JsonPath& path) {
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  const std::string kind = single_key(j, path);
  const JsonNode body = j[kind];
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

// The node types the templates above read: simdjson's (the reader) and nlohmann's (the importer).
template MemberOf<JsonNode> member(const JsonNode&, const char*, const JsonPath&);
template std::string string_at(const JsonNode&, const JsonPath&);
template int64_t integer_at(const JsonNode&, const JsonPath&);
template void only_keys(const JsonNode&, std::initializer_list<const char*>, const JsonPath&);
template std::string single_key(const JsonNode&, const JsonPath&);
template Range read_range(Field, const JsonNode&, const JsonPath&);
template MemberOf<nlohmann::json> member(const nlohmann::json&, const char*, const JsonPath&);
template std::string string_at(const nlohmann::json&, const JsonPath&);
template int64_t integer_at(const nlohmann::json&, const JsonPath&);
template void only_keys(const nlohmann::json&, std::initializer_list<const char*>, const JsonPath&);
template std::string single_key(const nlohmann::json&, const JsonPath&);
template Range read_range(Field, const nlohmann::json&, const JsonPath&);

}  // namespace zp::backends::json_expr

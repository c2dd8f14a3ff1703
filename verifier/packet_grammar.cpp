// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/packet_grammar.h"

#include <charconv>
#include <tuple>
#include <vector>

#include <fmt/core.h>

#include "verifier/engine/query_box.h"

namespace zp::verifier {
namespace {

struct Token {
  std::string text;
  int column;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    out.push_back({std::string(s.substr(i, j - i)), static_cast<int>(i + 1)});
    i = j;
  }
  return out;
}

struct Failure {
  std::string message;
  int column;
};

template <typename T>
std::optional<T> number(std::string_view s, T max) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v > max) return std::nullopt;
  return static_cast<T>(v);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : toks_(tokenize(text)), end_col_(static_cast<int>(text.size()) + 1) {}

  PacketSpec parse() {
    PacketSpec spec;
    ir::Packet& p = spec.packet;
    std::string kind = next("a protocol: tcp, udp, sctp, icmp, icmpv6 or proto NAME|NUM").text;
    if (auto proto = protocol_number(kind); proto && ir::protocol_has_ports(*proto)) {
      p.l4proto = *proto;
      auto [sa, sf, sport] = endpoint_with_port(&spec.sport_given);
      arrow();
      auto [da, df, dport] = endpoint_with_port();
      set_addresses(p, sa, sf, da, df);
      p.sport = sport;
      p.dport = dport;
    } else if (kind == "icmp" || kind == "icmpv6") {
      bool v6 = kind == "icmpv6";
      p.l4proto = v6 ? kProtoIcmpv6 : kProtoIcmp;
      icmp_type(p, v6);
      auto [sa, sf] = address();
      arrow();
      auto [da, df] = address();
      set_addresses(p, sa, sf, da, df);
      if (p.family != (v6 ? 6 : 4))
        fail(fmt::format("{} needs {} addresses", kind, v6 ? "IPv6" : "IPv4"), col_of(pos_ - 1));
    } else if (kind == "proto") {
      Token t = next("a protocol name or number");
      auto n = protocol_number(t.text);
      if (!n) n = number<uint8_t>(t.text, 255);
      if (!n) fail(fmt::format("unknown protocol '{}'", t.text), t.column);
      p.l4proto = *n;
      auto [sa, sf] = address();
      arrow();
      auto [da, df] = address();
      set_addresses(p, sa, sf, da, df);
    } else {
      fail(fmt::format("expected a protocol (tcp, udp, sctp, icmp, icmpv6, proto N), got '{}'", kind),
           toks_[0].column);
    }
    bool ct_given = false;
    while (pos_ < toks_.size()) options(spec, ct_given);
    bool nd = p.family == 6 && p.l4proto == kProtoIcmpv6 &&
              ((p.icmp_type >= 130 && p.icmp_type <= 136) || p.icmp_type == 143);
    if (nd && !ct_given) p.ct_state = ir::kCtUntracked;
    if (nd && p.ct_state != ir::kCtUntracked)
      fail("conntrack never tracks ICMPv6 neighbour discovery or MLD: its state is 'untracked'",
           toks_[0].column);
    return spec;
  }

 private:
  [[noreturn]] void fail(std::string msg, int col) { throw Failure{std::move(msg), col}; }
  int col_of(size_t i) const { return i < toks_.size() ? toks_[i].column : end_col_; }

  Token next(const std::string& what) {
    if (pos_ >= toks_.size()) fail("expected " + what, end_col_);
    return toks_[pos_++];
  }

  void arrow() {
    Token t = next("'->'");
    if (t.text != "->") fail(fmt::format("expected '->', got '{}'", t.text), t.column);
  }

  static void set_addresses(ir::Packet& p, u128 sa, int sf, u128 da, int df) {
    p.saddr = sa;
    p.daddr = da;
    p.family = sf;
    if (sf != df) throw Failure{"source and destination addresses are of different families", 0};
  }

  std::tuple<u128, int> parse_addr(std::string_view text, int column, bool brackets_ok) {
    std::string_view a = text;
    if (brackets_ok && a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
    auto parsed = parse_address(a);
    if (!parsed) fail(fmt::format("expected an IPv4 or IPv6 address, got '{}'", text), column);
    return {parsed->value, parsed->family};
  }

  std::tuple<u128, int> address() {
    Token t = next("an address");
    return parse_addr(t.text, t.column, true);
  }

  // ADDRESS:PORT; with `port_given` (the source), the port may be left out: ADDRESS or [ADDRESS]
  // stands for a client's ephemeral port (kDefaultSourcePort).
  std::tuple<u128, int, uint16_t> endpoint_with_port(bool* port_given = nullptr) {
    Token t = next("ADDRESS:PORT");
    std::string_view s = t.text;
    size_t colon = std::string_view::npos;
    if (!s.empty() && s.front() == '[') {
      size_t close = s.find(']');
      if (close == std::string_view::npos) fail("missing ']' after an IPv6 address", t.column);
      if (port_given && close + 1 == s.size()) return without_port(t, port_given);
      if (close + 1 >= s.size() || s[close + 1] != ':')
        fail("expected ':PORT' after ']'", t.column + static_cast<int>(close) + 1);
      colon = close + 1;
    } else {
      colon = s.rfind(':');
      if (colon == std::string_view::npos && port_given) return without_port(t, port_given);
      if (colon == std::string_view::npos)
        fail(fmt::format("expected ADDRESS:PORT, got '{}' (write IPv6 as [ADDRESS]:PORT)", s), t.column);
      if (s.find(':') != colon)
        fail(port_given ? "write an IPv6 address in brackets: [ADDRESS]:PORT, or [ADDRESS] for an ephemeral port"
                        : "write an IPv6 address in brackets: [ADDRESS]:PORT",
             t.column);
    }
    auto [addr, fam] = parse_addr(s.substr(0, colon), t.column, true);
    auto port = number<uint16_t>(s.substr(colon + 1), 65535);
    if (!port)
      fail(fmt::format("expected a port number 0-65535 after ':', got '{}'", s.substr(colon + 1)),
           t.column + static_cast<int>(colon) + 1);
    return {addr, fam, *port};
  }

  std::tuple<u128, int, uint16_t> without_port(const Token& t, bool* port_given) {
    auto [addr, fam] = parse_addr(t.text, t.column, true);
    *port_given = false;
    return {addr, fam, kDefaultSourcePort};
  }

  void icmp_type(ir::Packet& p, bool v6) {
    Token t = next(v6 ? "an ICMPv6 type" : "an ICMP type");
    std::string_view s = t.text;
    size_t slash = s.find('/');
    std::string_view type = s.substr(0, slash);
    auto n = v6 ? icmpv6_type_number(type) : icmp_type_number(type);
    if (!n) n = number<uint8_t>(type, 255);
    if (!n) fail(fmt::format("unknown {} type '{}'", v6 ? "ICMPv6" : "ICMP", type), t.column);
    p.icmp_type = *n;
    if (slash != std::string_view::npos) {
      auto code = number<uint8_t>(s.substr(slash + 1), 255);
      if (!code) fail("expected an ICMP code 0-255 after '/'", t.column + static_cast<int>(slash) + 1);
      p.icmp_code = *code;
    }
  }

  void options(PacketSpec& spec, bool& ct_given) {
    Token key = next("an option");
    ir::Packet& p = spec.packet;
    if (key.text == "iif" || key.text == "oif") {
      Token v = next("an interface name");
      if (!ifname_value(v.text)) fail("an interface name has 1 to 15 bytes", v.column);
      (key.text == "iif" ? p.iif : p.oif) = v.text;
      (key.text == "iif" ? spec.iif_given : spec.oif_given) = true;
    } else if (key.text == "ct") {
      Token v = next("a conntrack state");
      static const std::pair<const char*, uint32_t> states[] = {
          {"new", ir::kCtNew}, {"established", ir::kCtEstablished}, {"related", ir::kCtRelated},
          {"invalid", ir::kCtInvalid}, {"untracked", ir::kCtUntracked}};
      bool ok = false;
      for (auto [n, s] : states)
        if (v.text == n) p.ct_state = s, ok = true;
      if (!ok) fail(fmt::format("expected new, established, related, invalid or untracked, got '{}'", v.text), v.column);
      ct_given = true;
    } else if (key.text == "hook") {
      Token v = next("a hook");
      if (v.text == "forward") p.hook = ir::Hook::Forward;
      else if (v.text == "input") p.hook = ir::Hook::Input;
      else if (v.text == "output") p.hook = ir::Hook::Output;
      else fail(fmt::format("expected forward, input or output, got '{}'", v.text), v.column);
      spec.hook_given = true;
    } else if (key.text == "mark") {
      Token v = next("a mark");
      auto m = number<uint32_t>(v.text, 0xffffffffu);
      if (!m) fail(fmt::format("expected a 32-bit mark, got '{}'", v.text), v.column);
      p.mark = *m;
    } else {
      fail(fmt::format("expected iif, oif, ct, hook or mark, got '{}'", key.text), key.column);
    }
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int end_col_;
};

}  // namespace

PacketParse parse_packet(std::string_view text) {
  PacketParse out;
  try {
    out.spec = Parser(text).parse();
  } catch (const Failure& f) {
    out.error = f.message;
    out.column = f.column == 0 ? 1 : f.column;
  }
  return out;
}

std::optional<size_t> zone_of_address(const policy::Policy& pol, u128 addr, int family) {
  std::optional<size_t> best;
  u128 best_size = 0;
  for (size_t z = 0; z < pol.zones.size(); ++z)
    for (const auto& a : pol.zones[z].addresses)
      if (a.family == family && a.range.lo <= addr && addr <= a.range.hi &&
          (!best || a.range.hi - a.range.lo < best_size)) {
        best = z;
        best_size = a.range.hi - a.range.lo;
      }
  return best;
}

namespace {
bool own_address(const policy::Target& t, u128 addr, int family) {
  for (const auto& a : t.addresses)
    if (a.family == family && a.range.lo <= addr && addr <= a.range.hi) return true;
  return false;
}

// The interface bound to the zone of `addr` on a gateway, when exactly one is.
std::string bound_iface(const policy::Policy& pol, const policy::Target& t, u128 addr, int family) {
  auto z = zone_of_address(pol, addr, family);
  if (!z) return {};
  auto names = bound_interfaces(t, *z);
  return names.size() == 1 ? names[0] : std::string{};
}
}  // namespace

std::string complete_packet(PacketSpec& spec, const policy::Policy& pol, size_t target) {
  const auto& t = pol.targets[target];
  ir::Packet& p = spec.packet;
  bool host = t.kind == policy::Target::Kind::Host;
  if (!spec.hook_given) {
    // An output interface says the packet is routed on (a port forward of the address).
    if (own_address(t, p.daddr, p.family) && !(spec.oif_given && !host)) p.hook = ir::Hook::Input;
    else if (own_address(t, p.saddr, p.family)) p.hook = ir::Hook::Output;
    else if (!host) p.hook = ir::Hook::Forward;
    else
      return fmt::format("the packet is neither to nor from host {}; add 'hook input' or 'hook output'",
                         t.name);
  }
  if (p.hook == ir::Hook::Output && spec.iif_given) return "a packet at output has no input interface";
  if (p.hook == ir::Hook::Input && spec.oif_given) return "a packet at input has no output interface";
  if (p.hook != ir::Hook::Output && p.iif.empty()) {
    p.iif = host ? "eth0" : bound_iface(pol, t, p.saddr, p.family);
    if (p.iif.empty())
      return fmt::format("cannot tell the input interface on {}: add 'iif NAME'", t.name);
  }
  if (p.hook != ir::Hook::Input && p.oif.empty()) {
    p.oif = host ? "eth0" : bound_iface(pol, t, p.daddr, p.family);
    if (p.oif.empty())
      return fmt::format("cannot tell the output interface on {}: add 'oif NAME'", t.name);
  }
  return {};
}

}  // namespace zp::verifier

// SPDX-License-Identifier: GPL-2.0-or-later
#include <fmt/core.h>

#include "compiler/address_parse.h"
#include "compiler/error_codes.h"
#include "compiler/load_sections.h"
#include "compiler/text_util.h"

namespace zp::load {

std::vector<policy::AddressRange> load_addresses(const Node& n, State& st, std::string_view what) {
  std::vector<policy::AddressRange> out;
  const auto items = st.reader.scalar_or_list(n, what, "a list of addresses");
  for (const Node* item : items) {
    AddressParse p = parse_address_range(item->value);
    if (!p.range) {
      st.reader.diags().error(p.error_code, item->loc, p.error, p.hint);
      continue;
    }
    if (!p.warning.empty())
      st.reader.diags().warning(code::kHostBits, item->loc, p.warning,
                                "write the network address to silence this warning");
    p.range->loc = item->loc;
    out.push_back(std::move(*p.range));
  }
  return out;
}

std::optional<std::string> load_interface_name(const Node& n, State& st, std::string_view what) {
  const std::string& name = n.value;
  std::string problem;
  if (name.empty()) {
    problem = "is empty";
  } else if (name.size() > 15) {
    problem = fmt::format("is {} bytes long (at most 15)", name.size());
  } else if (name == "." || name == "..") {
    problem = "is not allowed";
  } else {
    for (char ch : name) {
      auto c = static_cast<unsigned char>(ch);
      // The kernel (dev_valid_name) would take other bytes, but nft's netlink and text forms
      // of an interface name are written as printable ASCII only: refuse here what `compile`
      // could not write.
      if (c >= 0x80) {
        problem = "contains a non-ASCII character";
        break;
      }
      if (c <= 0x20 || c == 0x7f || c == '/' || c == ':' || c == '"' || c == '\'' || c == '`' ||
          c == '\\' || c == '*') {
        problem = c == '*' ? "contains '*' (interface wildcards are not supported)"
                           : fmt::format("contains {}", c <= 0x20 || c == 0x7f
                                                            ? "whitespace or a control character"
                                                            : fmt::format("'{}'", ch));
        break;
      }
    }
  }
  if (problem.empty()) return name;
  st.reader.diags().error(code::kBadInterface, n.loc,
                          fmt::format("interface name {} in {} {}", quote(name), what, problem),
                          "interface names are 1 to 15 bytes of printable ASCII without '/', ':', "
                          "spaces, quotes, '\\' or '*' (the kernel refuses '/', ':' and whitespace; "
                          "zoneproof writes ASCII only)");
  return std::nullopt;
}

namespace {

void load_zone(const Node& key, const Node& value, State& st) {
  auto name = st.reader.name(key, "zone");
  if (!name) return;
  if (*name == "any") {
    st.reader.diags().error(code::kBadName, key.loc,
                            "'any' is reserved: it means every address, in a zone or not",
                            "choose another name for this zone");
    return;
  }
  const std::string what = fmt::format("zone {}", quote(*name));
  if (!st.reader.expect_map(value, what, "a mapping with 'addresses' and/or 'interfaces'")) return;
  const bool known_keys =
      st.reader.check_keys(value, what, {"addresses", "interfaces", "trust", "description"});

  policy::Zone z;
  z.name = *name;
  z.loc = key.loc;
  const Node* addresses = Reader::get(value, "addresses");
  const Node* interfaces = Reader::get(value, "interfaces");
  if (addresses) z.addresses = load_addresses(*addresses, st, fmt::format("'addresses' of {}", what));
  if (interfaces) {
    for (const Node* i : st.reader.scalar_or_list(*interfaces, fmt::format("'interfaces' of {}", what),
                                                  "a list of interface names"))
      if (auto ifname = load_interface_name(*i, st, what)) z.interfaces.emplace_back(*ifname, i->loc);
  }
  if (!addresses && !interfaces && known_keys)  // a misspelt key is reported already
    st.reader.diags().error(code::kEmptyZone, key.loc,
                            fmt::format("{} is empty: it has neither addresses nor interfaces", what),
                            "add 'addresses: [...]' or 'interfaces: [...]'");
  if (const Node* t = Reader::get(value, "trust")) {
    using policy::Trust;
    if (auto trust = st.reader.choice<Trust>(*t, fmt::format("'trust' of {}", what),
                                             {{"untrusted", Trust::Untrusted},
                                              {"internal", Trust::Internal},
                                              {"restricted", Trust::Restricted}}))
      z.trust = *trust;
  }
  if (const Node* d = Reader::get(value, "description"))
    if (auto text = st.reader.text(*d, fmt::format("'description' of {}", what)))
      z.description = *text;
  st.policy.zones.push_back(std::move(z));
}

}  // namespace

void load_zones(const Node& n, State& st) {
  st.saw_zones = true;
  if (n.is_null()) return;
  if (!st.reader.expect_map(n, "'zones'", "a mapping of zone names to zones")) return;
  for (const auto& [key, value] : n.entries) load_zone(*key, *value, st);
}

}  // namespace zp::load

// SPDX-License-Identifier: GPL-2.0-or-later
#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/load_sections.h"
#include "compiler/service_spec.h"
#include "compiler/text_util.h"

namespace zp::load {
namespace {

// A service name must not read as an inline spec, or a rule naming it would mean something else.
bool valid_service_name(const Node& key, const std::string& name, State& st) {
  std::string problem;
  if (name == "any")
    problem = "'any' is reserved: it means every packet";
  else if (is_bare_protocol(name))
    problem = fmt::format("{} is reserved: in a rule it means every {} packet", quote(name), name);
  else if (name.find('/') != std::string::npos)
    problem = fmt::format("service name {} contains '/', which marks an inline spec like tcp/443",
                          quote(name));
  if (problem.empty()) return true;
  st.reader.diags().error(code::kBadName, key.loc, problem, "choose another name for this service");
  return false;
}

std::optional<policy::ServiceEntry> load_spec(const Node& n, State& st, std::string_view what) {
  if (!is_inline_spec(n.value)) {
    std::vector<std::string> bare{"tcp", "udp", "sctp", "udplite", "dccp", "icmp", "icmpv6", "any"};
    std::string guess = did_you_mean(n.value, bare);
    st.reader.diags().error(
        code::kBadSpec, n.loc, fmt::format("{} is not a port spec in {}", quote(n.value), what),
        guess.empty() ? "a service lists specs like tcp/80 or udp/53; it cannot name another service"
                      : fmt::format("did you mean '{}'?", guess));
    return std::nullopt;
  }
  SpecParse p = parse_service_spec(n.value);
  if (!p.entry) {
    st.reader.diags().error(p.error_code, n.loc, p.error, p.hint);
    return std::nullopt;
  }
  p.entry->loc = n.loc;
  return p.entry;
}

void load_service(const Node& key, const Node& value, State& st, bool from_catalog) {
  auto name = st.reader.name(key, "service");
  if (!name || !valid_service_name(key, *name, st)) return;
  const std::string what = fmt::format("service {}", quote(*name));
  policy::Service s;
  s.name = *name;
  s.loc = key.loc;
  s.from_catalog = from_catalog;
  const Node* ports = &value;
  if (value.is_map()) {
    const bool clean = st.reader.check_keys(value, what, {"ports", "description"});
    if (const Node* d = Reader::get(value, "description"))
      if (auto text = st.reader.text(*d, fmt::format("'description' of {}", what)))
        s.description = *text;
    ports = clean ? st.reader.require(value, "ports", what) : Reader::get(value, "ports");
  }
  if (ports) {
    for (const Node* item :
         st.reader.scalar_or_list(*ports, what, "a spec like tcp/443, a list of specs, or a mapping "
                                                "with 'ports'"))
      if (auto entry = load_spec(*item, st, what)) s.entries.push_back(std::move(*entry));
  }
  st.policy.services.push_back(std::move(s));
}

}  // namespace

void load_services(const Node& n, State& st, bool from_catalog) {
  if (n.is_null()) return;
  if (!st.reader.expect_map(n, "'services'", "a mapping of service names to services")) return;
  for (const auto& [key, value] : n.entries) load_service(*key, *value, st, from_catalog);
}

}  // namespace zp::load

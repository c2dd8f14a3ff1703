// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/local_routes.h"

#include <algorithm>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "pipeline/subprocess.h"
#include "verifier/engine/header_space.h"

namespace zp::pipeline {

namespace {

constexpr std::string_view kFibLocal = "fib daddr type local";
constexpr std::string_view kFibNotLocal = "fib daddr type != local";

std::string ranges_text(const std::vector<Range>& rs) {
  std::string out;
  for (const auto& r : rs) out += (out.empty() ? "" : ", ") + format_field_range(Field::Ip4Daddr, r);
  return out.empty() ? "none" : out;
}

}  // namespace

std::optional<std::vector<Range>> local_ipv4_destinations_from(const std::string& ip_json, std::string& error) {
  auto j = nlohmann::json::parse(ip_json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    error = "`ip -j -4 route show table local` printed no JSON list";
    return std::nullopt;
  }
  struct Entry {
    Range range;
    int len;
    bool local;
  };
  std::vector<Entry> entries;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("dst") || !e["dst"].is_string()) continue;
    const std::string dst = e["dst"].get<std::string>();
    const std::string type = e.value("type", "");
    const auto slash = dst.find('/');
    auto a = parse_address(dst.substr(0, slash));
    if (!a || a->family != 4) {
      error = fmt::format("cannot read the local route to {}", dst);
      return std::nullopt;
    }
    int len = 32;
    if (slash != std::string::npos) {
      try {
        len = std::stoi(dst.substr(slash + 1));
      } catch (const std::exception&) {
        len = -1;
      }
      if (len < 0 || len > 32) {
        error = fmt::format("cannot read the local route to {}", dst);
        return std::nullopt;
      }
    }
    entries.push_back({prefix_range(a->value, len, 32), len, type == "local"});
  }
  // Prefixes nest or are disjoint: painting the shorter first, the longer over them, leaves each
  // address with the type of its longest match.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.len < y.len; });
  std::vector<Range> local;
  for (const auto& e : entries) {
    local = verifier::subtract(local, {e.range});
    if (e.local) local = verifier::normalize([&] {
        auto v = local;
        v.push_back(e.range);
        return v;
      }());
  }
  // Decided before the table is looked at: 0.0.0.0/8 and 255.255.255.255 broadcast, 224/4 multicast.
  return verifier::subtract(local, {prefix_range(0, 8, 32), prefix_range(0xe0000000u, 4, 32),
                                    prefix_range(0xffffffffu, 32, 32)});
}

std::optional<std::vector<Range>> local_ipv4_destinations(std::string& error) {
  std::string out, err;
  int rc = run_program({"ip", "-j", "-4", "route", "show", "table", "local"}, out, err);
  if (rc != 0) {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    error = rc == 127 ? "cannot run `ip`: it is not installed (Debian package iproute2)"
                      : fmt::format("`ip -j -4 route show table local` failed: {}", err);
    return std::nullopt;
  }
  return local_ipv4_destinations_from(out, error);
}

bool mentions_fib_daddr_local(const backends::ImportedRuleset& imported) {
  for (const auto& c : imported.ruleset.table.chains) {
    if (c.name.rfind("ip ", 0) != 0) continue;
    for (const auto& r : c.rules)
      for (const auto& m : r.matches)
        if (const auto* o = std::get_if<ir::OpaqueMatch>(&m); o && (o->text == kFibLocal || o->text == kFibNotLocal))
          return true;
  }
  return false;
}

size_t decide_fib_daddr_local(backends::ImportedRuleset& imported, const std::vector<Range>& local) {
  size_t decided = 0;
  std::vector<std::string> where;  // the rules decided, as the notes name them
  for (auto& c : imported.ruleset.table.chains) {
    if (c.name.rfind("ip ", 0) != 0) continue;  // a table of family ip: IPv4 packets only
    for (auto& r : c.rules) {
      bool changed = false;
      for (auto& m : r.matches) {
        const auto* o = std::get_if<ir::OpaqueMatch>(&m);
        if (!o || (o->text != kFibLocal && o->text != kFibNotLocal)) continue;
        const bool negate = o->text == kFibNotLocal;
        m = ir::FieldMatch{Field::Ip4Daddr, local, negate};
        changed = true;
        ++decided;
      }
      // The origin says "ip nat PREROUTING handle 3"; the notes, "table ip nat chain PREROUTING handle 3".
      if (changed && !r.origins.empty()) {
        const std::string& what = r.origins.front().what;
        std::vector<std::string> w;
        for (size_t at = 0; at <= what.size();) {
          size_t sp = std::min(what.find(' ', at), what.size());
          w.push_back(what.substr(at, sp - at));
          at = sp + 1;
        }
        if (w.size() == 5 && w[3] == "handle")
          where.push_back(fmt::format("table {} {} chain {} handle {}", w[0], w[1], w[2], w[4]));
      }
    }
  }
  if (decided == 0) return 0;
  std::erase_if(imported.notes, [&](const backends::ImportNote& n) {
    const bool fib = n.what.rfind(std::string(kFibLocal) + ":", 0) == 0 || n.what.rfind(std::string(kFibNotLocal) + ":", 0) == 0;
    return fib && std::find(where.begin(), where.end(), n.where) != where.end();
  });
  imported.notes.push_back({"fib daddr type local",
                            fmt::format("in ip tables, taken from the kernel's local routes as they are now ({}): "
                                        "exact while the machine's addresses stay",
                                        ranges_text(local))});
  return decided;
}

}  // namespace zp::pipeline

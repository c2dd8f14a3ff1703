// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/local_routes.h"

#include <algorithm>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "compiler/address_parse.h"
#include "pipeline/subprocess.h"
#include "verifier/engine/header_space.h"

namespace zp::pipeline {

namespace {

constexpr std::string_view kFibLocal = "fib daddr type local";
constexpr std::string_view kFibNotLocal = "fib daddr type != local";

bool is_fib_local(const ir::Match& m) {
  const auto* o = std::get_if<ir::OpaqueMatch>(&m);
  return o && (o->text == kFibLocal || o->text == kFibNotLocal);
}

std::string ranges_text(Field f, const std::vector<Range>& rs) {
  std::string out;
  for (const auto& r : rs) out += (out.empty() ? "" : ", ") + format_field_range(f, r);
  return out.empty() ? "none" : out;
}

// The family of a chain's table: its name is "<family> <table> <chain>".
std::string_view table_family(const std::string& chain) {
  return std::string_view(chain).substr(0, chain.find(' '));
}

ir::Match nfproto(int family) {
  const u128 v = family == 4 ? kNfprotoIpv4 : kNfprotoIpv6;
  return ir::FieldMatch{Field::Nfproto, {{v, v}}, false};
}

// What is left open of a rule once decided: a family nothing is known of, IPv6 destinations
// looked up per interface.
enum OpenPart : unsigned { kOpenFamily = 1, kOpenDestinations = 2 };

// The rules `r` becomes for packets of `family` once its match `at` (a fib daddr local match)
// is decided by `known`, or is kept open where `known` is nullopt.
std::vector<ir::Rule> decided_for(const ir::Rule& r, size_t at, int family, bool add_nfproto,
                                  const std::optional<LocalDestinations>& known, unsigned& open_left) {
  const bool negate = std::get<ir::OpaqueMatch>(r.matches[at]).text == kFibNotLocal;
  const Field daddr = family == 4 ? Field::Ip4Daddr : Field::Ip6Daddr;
  auto copy = [&] {
    ir::Rule c = r;
    if (add_nfproto) c.matches.push_back(nfproto(family));
    return c;
  };
  std::vector<ir::Rule> out;
  if (!known) {
    open_left |= kOpenFamily;
    out.push_back(copy());
    return out;
  }
  // Where the table decides: `local` holds on `known.local`, `!= local` off it and off the open part.
  const std::vector<Range> values =
      negate ? verifier::normalize([&] {
        auto v = known->local;
        v.insert(v.end(), known->open.begin(), known->open.end());
        return v;
      }())
             : known->local;
  if (!values.empty()) {
    ir::Rule c = copy();
    c.matches[at] = ir::FieldMatch{daddr, values, negate};
    out.push_back(std::move(c));
  } else if (negate) {  // nothing local, nothing open: `!= local` holds for the whole family
    ir::Rule c = copy();
    c.matches[at] = nfproto(family);
    out.push_back(std::move(c));
  }
  if (!known->open.empty()) {  // the open part keeps the match, on its destinations only
    open_left |= kOpenDestinations;
    ir::Rule c = copy();
    c.matches.push_back(ir::FieldMatch{daddr, known->open, false});
    out.push_back(std::move(c));
  }
  return out;
}

// "ip nat PREROUTING handle 3" (a rule's origin) -> "table ip nat chain PREROUTING handle 3" (a note's place).
std::optional<std::string> note_place(const ir::Rule& r) {
  if (r.origins.empty()) return std::nullopt;
  const std::string& what = r.origins.front().what;
  std::vector<std::string> w;
  for (size_t at = 0; at <= what.size();) {
    size_t sp = std::min(what.find(' ', at), what.size());
    w.push_back(what.substr(at, sp - at));
    at = sp + 1;
  }
  if (w.size() != 5 || w[3] != "handle") return std::nullopt;
  return fmt::format("table {} {} chain {} handle {}", w[0], w[1], w[2], w[4]);
}

// A route's "dst" ("192.0.2.20", "127.0.0.0/8", "ff00::/8"), read as a policy's address is: its
// addresses and prefix length, of `family` (0: either). A range or a prefix with host bits set
// is no route `ip` prints.
std::optional<std::pair<Range, int>> route_destination(const std::string& dst, int family, std::string& error) {
  const AddressParse parsed = parse_address_range(dst);
  std::optional<int> len;
  if (parsed.range && (family == 0 || parsed.range->family == family) && parsed.warning.empty())
    len = range_prefix_len(parsed.range->range, parsed.range->family == 4 ? 32 : 128);
  if (!len) {
    error = fmt::format("cannot read the local route to {}", dst);
    return std::nullopt;
  }
  return std::pair{parsed.range->range, *len};
}

}  // namespace

std::optional<LocalDestinations> local_destinations_from(const std::string& ip_json, int family, std::string& error) {
  const std::string listing = fmt::format("`ip -j -{} route show table local`", family);
  auto j = nlohmann::json::parse(ip_json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    error = listing + " printed no JSON list";
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
    auto dst = route_destination(e["dst"].get<std::string>(), family, error);
    if (!dst) return std::nullopt;
    const bool local =
        e.contains("type") && e["type"].is_string() && e["type"].get_ref<const std::string&>() == "local";
    entries.push_back({dst->first, dst->second, local});
  }
  // Prefixes nest or are disjoint: painting the shorter first, the longer over them, leaves each
  // address with the type of its longest match.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.len < y.len; });
  LocalDestinations out;
  for (const auto& e : entries) {
    out.local = verifier::subtract(out.local, {e.range});
    if (e.local) out.local = verifier::normalize([&] {
        auto v = out.local;
        v.push_back(e.range);
        return v;
      }());
  }
  if (family == 4) {
    // Decided before the table is looked at: 0.0.0.0/8 and 255.255.255.255 broadcast, 224/4 multicast.
    out.local = verifier::subtract(out.local, {prefix_range(0, 8, 32), prefix_range(0xe0000000u, 4, 32),
                                               prefix_range(0xffffffffu, 32, 32)});
    return out;
  }
  // fe80::/10 and ff00::/8 are looked up on the packet's interface; a local prefix's first
  // address is anycast to the kernel's lookup unless a longer route says otherwise.
  out.open = {prefix_range(u128(0xfe80) << 112, 10, 128), prefix_range(u128(0xff) << 120, 8, 128)};
  for (const auto& e : entries)
    if (e.local && e.len < 127) out.open.push_back({e.range.lo, e.range.lo});
  out.open = verifier::normalize(out.open);
  out.local = verifier::subtract(out.local, out.open);
  return out;
}

std::optional<LocalDestinations> local_destinations(int family, std::string& error) {
  std::string out, err;
  const std::string flag = fmt::format("-{}", family);
  int rc = run_program({"ip", "-j", flag, "route", "show", "table", "local"}, out, err);
  if (rc != 0) {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    error = rc == 127 ? "cannot run `ip`: it is not installed (Debian package iproute2)"
                      : fmt::format("`ip -j {} route show table local` failed: {}", flag, err);
    return std::nullopt;
  }
  return local_destinations_from(out, family, error);
}

std::optional<MachineLocalDestinations> local_destinations_from_listings(const std::string& text,
                                                                       std::string& error) {
  nlohmann::json by_family[2] = {nlohmann::json::array(), nlohmann::json::array()};
  size_t line_no = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      error = fmt::format("line {}: expected a JSON list, as `ip -j route show table local` prints it", line_no);
      return std::nullopt;
    }
    for (const auto& e : j) {
      const auto* dst = e.is_object() && e.contains("dst") && e["dst"].is_string() ? &e["dst"] : nullptr;
      if (!dst) continue;
      const std::string d = dst->get<std::string>();
      if (!route_destination(d, 0, error)) {
        error = fmt::format("line {}: {}", line_no, error);
        return std::nullopt;
      }
      // Only what is read is kept: a copy of the whole entry would recurse into whatever it nests.
      nlohmann::json kept = {{"dst", d}};
      if (e.contains("type") && e["type"].is_string()) kept["type"] = e["type"];
      by_family[d.find(':') != std::string::npos].push_back(std::move(kept));
    }
  }
  MachineLocalDestinations out;
  for (int family : {4, 6}) {
    const auto& listed = by_family[family == 6];
    if (listed.empty()) continue;
    auto d = local_destinations_from(listed.dump(), family, error);
    if (!d) return std::nullopt;
    (family == 4 ? out.v4 : out.v6) = std::move(d);
  }
  return out;
}

bool mentions_fib_daddr_local(const backends::ImportedRuleset& imported) {
  for (const auto& c : imported.ruleset.table.chains)
    for (const auto& r : c.rules)
      if (std::any_of(r.matches.begin(), r.matches.end(), is_fib_local)) return true;
  return false;
}

size_t decide_fib_daddr_local(backends::ImportedRuleset& imported, const std::optional<LocalDestinations>& v4,
                              const std::optional<LocalDestinations>& v6, const std::string& source) {
  size_t decided = 0;
  // The places of the rules decided whole, and of those left open only on IPv6 destinations
  // looked up per interface, as the notes name them.
  std::vector<std::string> whole, but_per_interface;
  bool decided_v4 = false, decided_v6 = false;
  for (auto& c : imported.ruleset.table.chains) {
    const std::string_view family = table_family(c.name);
    std::vector<int> families;
    if ((family == "ip" || family == "inet") && v4) families.push_back(4);
    if ((family == "ip6" || family == "inet") && v6) families.push_back(6);
    if (families.empty()) continue;  // nothing known decides this table's matches
    // An inet table's family not known stays a copy of its own, the match open.
    if (family == "inet" && families.size() == 1) families.push_back(families[0] == 4 ? 6 : 4);
    struct Copy {
      ir::Rule rule;
      int family;  // 0: not yet split by family
    };
    std::vector<ir::Rule> rules;
    for (auto& r : c.rules) {
      std::vector<size_t> fib_at;
      for (size_t i = 0; i < r.matches.size(); ++i)
        if (is_fib_local(r.matches[i])) fib_at.push_back(i);
      if (fib_at.empty()) {
        rules.push_back(std::move(r));
        continue;
      }
      const auto place = note_place(r);
      std::vector<Copy> work{{std::move(r), families.size() == 1 ? families[0] : 0}};
      unsigned open_left = 0;
      for (size_t at : fib_at) {
        std::vector<Copy> next;
        for (const auto& w : work) {
          const std::vector<int> fams = w.family ? std::vector<int>{w.family} : families;
          for (int f : fams) {
            const auto& known = f == 4 ? v4 : v6;
            if (known) (f == 4 ? decided_v4 : decided_v6) = true;
            for (auto& m : decided_for(w.rule, at, f, w.family == 0 && fams.size() > 1, known, open_left))
              next.push_back({std::move(m), f});
          }
        }
        work = std::move(next);
        ++decided;
      }
      if (place && open_left == 0) whole.push_back(*place);
      if (place && open_left == kOpenDestinations) but_per_interface.push_back(*place);
      for (auto& w : work) rules.push_back(std::move(w.rule));
    }
    c.rules = std::move(rules);
  }
  if (decided == 0) return 0;
  auto listed = [](const std::vector<std::string>& places, const std::string& where) {
    return std::find(places.begin(), places.end(), where) != places.end();
  };
  auto is_fib_note = [](const backends::ImportNote& n) {
    return n.what.rfind(std::string(kFibLocal) + ":", 0) == 0 || n.what.rfind(std::string(kFibNotLocal) + ":", 0) == 0;
  };
  std::erase_if(imported.notes,
                [&](const backends::ImportNote& n) { return is_fib_note(n) && listed(whole, n.where); });
  for (auto& n : imported.notes)
    if (is_fib_note(n) && listed(but_per_interface, n.where))
      n.what = n.what.substr(0, n.what.find(':')) +
               ": decided but for link-local and multicast IPv6 destinations, taken as either outcome";
  std::vector<std::string> parts;
  if (decided_v4)
    parts.push_back(fmt::format("for IPv4 in ip and inet tables ({})", ranges_text(Field::Ip4Daddr, v4->local)));
  if (decided_v6)
    parts.push_back(fmt::format("for IPv6 in ip6 and inet tables ({}), but for link-local and multicast "
                                "destinations, looked up on the packet's interface: {}",
                                ranges_text(Field::Ip6Daddr, v6->local), ranges_text(Field::Ip6Daddr, v6->open)));
  std::string how;
  for (const auto& p : parts) how += (how.empty() ? "" : "; ") + p;
  imported.notes.push_back({"fib daddr type local",
                            fmt::format("decided from {} {}: exact while the machine's addresses stay", source, how)});
  return decided;
}

}  // namespace zp::pipeline

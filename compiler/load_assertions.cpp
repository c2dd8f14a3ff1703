// SPDX-License-Identifier: GPL-2.0-or-later
#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/load_sections.h"
#include "compiler/text_util.h"

namespace zp::load {
namespace {

using policy::Assertion;

struct KindWord {
  std::string_view word;
  Assertion::Kind kind;
};
constexpr KindWord kKinds[] = {{"reach", Assertion::Kind::Reach},
                               {"isolate", Assertion::Kind::Isolate},
                               {"deny", Assertion::Kind::Isolate},
                               {"only", Assertion::Kind::Only},
                               {"manage", Assertion::Kind::Manage}};

void load_body(const Node& body, std::string_view kind_word, Assertion& a, State& st,
               const std::string& what) {
  const std::string bwhat = fmt::format("'{}' of {}", kind_word, what);
  if (!st.reader.expect_map(body, bwhat, "a mapping with 'from' and 'to'")) return;
  const bool clean =
      st.reader.check_keys(body, bwhat, {"from", "to", "service", "services", "family", "targets"});
  const Node* from = Reader::get(body, "from");
  const Node* to = Reader::get(body, "to");
  if (!from && clean) st.reader.require(body, "from", bwhat);
  if (!to && clean) st.reader.require(body, "to", bwhat);
  if (from) a.from = load_endpoints(*from, st, fmt::format("'from' of {}", what));
  if (to) a.to = load_endpoints(*to, st, fmt::format("'to' of {}", what));
  const Node* one = Reader::get(body, "service");
  const Node* many = Reader::get(body, "services");
  if (one && many)
    st.reader.diags().error(code::kUnknownKey, many->loc,
                            fmt::format("{} has both 'service' and 'services'", what),
                            "list every service under 'services'");
  if (const Node* s = one ? one : many)
    a.services = load_service_refs(*s, st, fmt::format("'{}' of {}", one ? "service" : "services", what));
  else if (a.kind == Assertion::Kind::Manage && clean)
    st.reader.diags().error(code::kMissingKey, body.loc,
                            fmt::format("missing key 'service' in {}", bwhat),
                            "say how the target is managed, e.g. 'service: ssh'");
  if (const Node* f = Reader::get(body, "family")) {
    if (auto fam = st.reader.choice<int>(*f, fmt::format("'family' of {}", what),
                                         {{"ipv4", 4}, {"ipv6", 6}, {"any", 0}}))
      a.family = *fam;
  }
  if (const Node* t = Reader::get(body, "targets")) {
    for (const Node* item : st.reader.scalar_or_list(*t, fmt::format("'targets' of {}", what),
                                                     "a target name or a list of targets"))
    {
      a.targets.push_back(item->value);
      a.target_locs.push_back(item->loc);
    }
  }
}

void load_assertion(const Node& n, size_t index, State& st) {
  std::string what = fmt::format("assertion {}", index);
  if (!st.reader.expect_map(n, what, "a mapping with 'name' and one of 'reach', 'isolate', 'deny', "
                                     "'only' or 'manage'"))
    return;
  Assertion a;
  a.loc = n.loc;
  bool named = false;
  if (const Node* name = Reader::get(n, "name")) {
    if (auto text = st.reader.text(*name, fmt::format("'name' of {}", what))) {
      if (text->empty() || find_control_char(*text) != std::string::npos) {
        st.reader.diags().error(code::kBadName, name->loc,
                                fmt::format("bad assertion name {}", quote(*text)),
                                "names may contain any printable character");
      } else {
        a.name = *text;
        named = true;
        what = fmt::format("assertion {}", quote(a.name));
      }
    }
  }
  if (!named) a.name = fmt::format("assertion {}", index);
  const bool clean =
      st.reader.check_keys(n, what, {"name", "reach", "isolate", "deny", "only", "manage"});
  const Node* body = nullptr;
  std::string_view body_word;
  for (const auto& k : kKinds) {
    const Node* v = Reader::get(n, k.word);
    if (!v) continue;
    if (body) {
      st.reader.diags().error(code::kAssertionKind, v->loc,
                              fmt::format("{} has both '{}' and '{}'", what, body_word, k.word),
                              "an assertion states one intent; split it into two");
      continue;
    }
    body = v;
    body_word = k.word;
    a.kind = k.kind;
  }
  if (!body && clean) {
    st.reader.diags().error(code::kAssertionKind, n.loc, fmt::format("{} states no intent", what),
                            "add one of 'reach', 'isolate', 'deny', 'only' or 'manage'");
  } else if (body) {
    load_body(*body, body_word, a, st, what);
  }
  st.policy.assertions.push_back(std::move(a));
  st.assertion_named.push_back(named);
}

}  // namespace

void load_assertions(const Node& n, State& st) {
  if (n.is_null()) return;
  if (!st.reader.expect_seq(n, "'assertions'", "a list of assertions")) return;
  for (size_t i = 0; i < n.items.size(); ++i) load_assertion(*n.items[i], i + 1, st);
}

}  // namespace zp::load

// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_naming.h"

#include <algorithm>

#include <fmt/core.h>

namespace zp::lower {
namespace {

std::string_view hook_tag(ir::Hook hook) {
  switch (hook) {
    case ir::Hook::Forward: return "f";
    case ir::Hook::Input: return "i";
    case ir::Hook::Output: return "o";
    case ir::Hook::Prerouting: return "pre";
    case ir::Hook::Postrouting: return "post";
  }
  return "x";
}

std::string class_suffix(int cls) {
  if (cls == kNoneClass) return "sn";
  if (cls == kSelfClass) return "st";
  return fmt::format("s{}", cls);
}

std::string_view family_tag(int family) { return family == 4 ? "4" : family == 6 ? "6" : "if"; }

// Length of the longest prefix of `text` of at most `max_bytes` that ends on a character
// boundary (a byte that is not a UTF-8 continuation byte follows it).
size_t utf8_cut(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

std::string base_chain_name(ir::Hook hook) {
  switch (hook) {
    case ir::Hook::Forward: return "zp_fwd";
    case ir::Hook::Input: return "zp_in";
    case ir::Hook::Output: return "zp_out";
    default: return fmt::format("zp_{}", hook_tag(hook));
  }
}

std::string source_chain_name(ir::Hook hook, int source_class) {
  return fmt::format("zp_{}_{}", hook_tag(hook), class_suffix(source_class));
}

std::string leaf_chain_name(ir::Hook hook, size_t leaf) {
  return fmt::format("zp_{}_l{}", hook_tag(hook), leaf);
}

std::string pair_chain_name(ir::Hook hook, size_t pair) {
  return fmt::format("zp_{}_p{}", hook_tag(hook), pair);
}

std::string group_chain_name(ir::Hook hook, int source_class, int destination_class,
                             policy::Action action) {
  std::string src = source_class == kNoneClass ? "any" : class_suffix(source_class);
  std::string dst = destination_class == kNoneClass ? std::string("any")
                                                    : fmt::format("d{}", class_suffix(destination_class).substr(1));
  return fmt::format("zp_{}_{}_{}_{}", hook_tag(hook), src, dst, policy::to_string(action));
}

std::string action_map_name(ir::Hook hook, int family, int source_class, policy::Action action) {
  std::string src = source_class == kNoneClass ? "any" : class_suffix(source_class);
  return fmt::format("zp_{}_dst{}_{}_{}", hook_tag(hook), family_tag(family), src, policy::to_string(action));
}

std::string source_map_name(ir::Hook hook, int family) {
  return fmt::format("zp_{}_src{}", hook_tag(hook), family_tag(family));
}

std::string destination_map_name(ir::Hook hook, int family, int source_class) {
  return fmt::format("zp_{}_dst{}_{}", hook_tag(hook), family_tag(family), class_suffix(source_class));
}

uint64_t fnv1a64(std::string_view text, uint64_t h) {
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string rule_counter_name(std::string_view rule_name) {
  return fmt::format("zp_r_{:016x}", fnv1a64(rule_name));
}

std::string service_counter_name(std::string_view rule_name, std::string_view service_text) {
  // The unit separator cannot occur in either name (both are free of control characters).
  return fmt::format("zp_s_{:016x}", fnv1a64(service_text, fnv1a64("\x1f", fnv1a64(rule_name))));
}

std::string default_chain_name(ir::Hook hook, int source_class, int destination_class) {
  return fmt::format("zp_{}_{}_d{}_default", hook_tag(hook), class_suffix(source_class),
                     class_suffix(destination_class).substr(1));
}

std::string default_map_name(ir::Hook hook, int family, int source_class) {
  return fmt::format("zp_{}_dst{}_{}_default", hook_tag(hook), family_tag(family), class_suffix(source_class));
}

std::string spoof_set_name(size_t interface_index, int family) {
  return fmt::format("zp_spoof{}_i{}", family_tag(family), interface_index);
}

ir::SourceLoc defaults_loc(const policy::Policy& policy) {
  if (policy.defaults.loc.line != 0) return policy.defaults.loc;
  return ir::SourceLoc{policy.file, 0, 0};
}

std::string safe_text(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool harmful = c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '$';
    out += harmful ? '_' : ch;
  }
  out.resize(utf8_cut(out, max_bytes));
  return out;
}

std::string log_prefix(std::string_view verdict, std::string_view pair, std::string_view rule) {
  const size_t fixed = std::string_view("zp   : ").size() + verdict.size();
  // The pair takes at most half of what is left, so the rule's name is never cut away.
  std::string p = safe_text(pair, (kLogPrefixBytes - fixed) / 2);
  std::replace(p.begin(), p.end(), ' ', '_');  // one word, for the readers' patterns
  std::string r = safe_text(rule, kLogPrefixBytes - fixed - p.size());
  return fmt::format("zp {} {} {}: ", verdict, p, r);
}

}  // namespace zp::lower

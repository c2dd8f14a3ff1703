// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/load_fields.h"

#include <algorithm>

#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp::load {
namespace {

std::string words_text(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += (i + 1 == words.size()) ? " or " : ", ";
    out += fmt::format("'{}'", words[i]);
  }
  return out;
}

}  // namespace

void Reader::wrong_type(const Node& n, std::string_view what, std::string_view expected) {
  diags_.error(code::kWrongType, n.loc,
               fmt::format("expected {} for {}, got {}", expected, what, yaml::describe(n)));
}

bool Reader::expect_map(const Node& n, std::string_view what, std::string_view expected) {
  if (n.is_map()) return true;
  wrong_type(n, what, expected);
  return false;
}

bool Reader::expect_seq(const Node& n, std::string_view what, std::string_view expected) {
  if (n.is_seq()) return true;
  wrong_type(n, what, expected);
  return false;
}

bool Reader::check_keys(const Node& map, std::string_view what,
                        std::initializer_list<std::string_view> known) {
  std::vector<std::string> words(known.begin(), known.end());
  bool clean = true;
  for (const auto& [key, value] : map.entries) {
    if (!key->is_scalar()) {
      diags_.error(code::kWrongType, key->loc,
                   fmt::format("expected a key (a string) in {}, got {}", what,
                               yaml::describe(*key)));
      clean = false;
      continue;
    }
    if (std::find(words.begin(), words.end(), key->value) != words.end()) continue;
    clean = false;
    std::string guess = did_you_mean(key->value, words);
    diags_.error(code::kUnknownKey, key->loc,
                 fmt::format("unknown key {} in {}", quote(key->value), what),
                 guess.empty() ? fmt::format("expected {}", words_text(words))
                               : fmt::format("did you mean '{}'?", guess));
  }
  return clean;
}

const Node* Reader::get(const Node& map, std::string_view key) {
  for (const auto& [k, v] : map.entries)
    if (k->is_scalar() && k->value == key) return v.get();
  return nullptr;
}

const Node* Reader::require(const Node& map, std::string_view key, std::string_view what) {
  if (const Node* v = get(map, key)) return v;
  diags_.error(code::kMissingKey, map.loc, fmt::format("missing key '{}' in {}", key, what));
  return nullptr;
}

std::optional<std::string> Reader::string(const Node& n, std::string_view what) {
  if (n.is_scalar()) return n.value;
  wrong_type(n, what, "a string");
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const Node& n, std::string_view what) {
  if (n.is_scalar() && n.plain) {
    if (n.value == "true" || n.value == "True" || n.value == "TRUE") return true;
    if (n.value == "false" || n.value == "False" || n.value == "FALSE") return false;
  }
  wrong_type(n, what, "true or false");
  return std::nullopt;
}

std::optional<uint64_t> Reader::integer(const Node& n, std::string_view what, uint64_t min,
                                        uint64_t max) {
  if (n.is_scalar() && n.plain && !n.value.empty() && n.value.size() <= 19 &&
      n.value.find_first_not_of("0123456789") == std::string::npos) {
    uint64_t v = std::stoull(n.value);
    if (v >= min && v <= max) return v;
  }
  wrong_type(n, what, fmt::format("a whole number from {} to {}", min, max));
  return std::nullopt;
}

void Reader::bad_choice(const Node& n, std::string_view what,
                        const std::vector<std::string>& words) {
  std::string guess = n.is_scalar() ? did_you_mean(n.value, words) : std::string();
  diags_.error(code::kBadValue, n.loc,
               fmt::format("expected {} for {}, got {}", words_text(words), what,
                           yaml::describe(n)),
               guess.empty() ? std::string() : fmt::format("did you mean '{}'?", guess));
}

std::vector<const Node*> Reader::scalar_or_list(const Node& n, std::string_view what,
                                                std::string_view expected) {
  std::vector<const Node*> out;
  if (n.is_scalar()) {
    out.push_back(&n);
    return out;
  }
  if (!n.is_seq()) {
    wrong_type(n, what, expected);
    return out;
  }
  if (n.items.empty()) {
    diags_.error(code::kWrongType, n.loc,
                 fmt::format("expected {} for {}, got an empty list", expected, what));
    return out;
  }
  for (const auto& item : n.items) {
    if (item->is_scalar())
      out.push_back(item.get());
    else
      wrong_type(*item, what, "a string");
  }
  return out;
}

std::optional<std::string> Reader::name(const Node& key, std::string_view kind) {
  if (!key.is_scalar()) {
    diags_.error(code::kWrongType, key.loc,
                 fmt::format("expected a {} name (a string), got {}", kind, yaml::describe(key)));
    return std::nullopt;
  }
  if (key.value.empty()) {
    diags_.error(code::kBadName, key.loc, fmt::format("empty {} name", kind));
    return std::nullopt;
  }
  if (find_control_char(key.value) != std::string::npos) {
    diags_.error(code::kBadName, key.loc,
                 fmt::format("{} name {} contains a control character", kind, quote(key.value)),
                 "names may contain any printable character");
    return std::nullopt;
  }
  if (!no_bidi_control(key.value, fmt::format("{} name", kind), key.loc)) return std::nullopt;
  return key.value;
}

bool Reader::no_bidi_control(const std::string& text, std::string_view what, const ir::SourceLoc& loc) {
  const size_t at = find_bidi_control(text);
  if (at == std::string::npos) return true;
  diags_.error(code::kBadName, loc,
               fmt::format("{} {} contains the bidirectional control character {}", what,
                           quote(text), code_point_at(text, at)),
               "it would reach rule comments and log prefixes, where it can make a rule read "
               "differently from what it is; remove it");
  return false;
}

std::optional<std::string> Reader::text(const Node& n, std::string_view what) {
  auto out = string(n, what);
  if (!out) return out;
  if (size_t at = find_bidi_control(*out); at != std::string::npos)
    diags_.warning(code::kBidiText, n.loc,
                   fmt::format("{} contains the bidirectional control character {}", what,
                               code_point_at(*out, at)),
                   "it can make the text display differently from what it is; remove it");
  return out;
}

}  // namespace zp::load

// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/xt_translation.h"

#include <map>
#include <set>
#include <tuple>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "backends/nft_names.h"
#include "pipeline/nft_library.h"
#include "pipeline/scratch_namespace.h"

namespace zp::pipeline {

namespace {

using json = nlohmann::json;
using TableKey = std::pair<std::string, std::string>;                    // family, table
using ChainKey = std::tuple<std::string, std::string, std::string>;      // family, table, chain

bool holds_xt(const json& rule) {
  if (!rule.contains("expr") || !rule["expr"].is_array()) return false;
  for (const auto& e : rule["expr"])
    if (e.is_object() && e.contains("xt")) return true;
  return false;
}

// A rule's expressions without what changes from one listing to the next (counters' values).
json without_counts(const json& rule) {
  json out = rule.value("expr", json::array());
  for (auto& e : out)
    if (e.is_object() && e.contains("counter")) e["counter"] = nullptr;
  return out;
}

bool known_family(const std::string& f) {
  return f == "ip" || f == "ip6" || f == "inet" || f == "arp" || f == "bridge" || f == "netdev";
}

ChainKey chain_of(const json& rule) {
  return {rule.value("family", ""), rule.value("table", ""), rule.value("chain", "")};
}

// The rules of a listing by chain, in the order nft lists them (the chain's order).
std::map<ChainKey, std::vector<json*>> rules_by_chain(json& listing, const std::set<TableKey>& tables) {
  std::map<ChainKey, std::vector<json*>> out;
  for (auto& o : listing["nftables"]) {
    if (!o.is_object() || !o.contains("rule") || !o["rule"].is_object()) continue;
    json& r = o["rule"];
    ChainKey k = chain_of(r);
    if (tables.count({std::get<0>(k), std::get<1>(k)})) out[k].push_back(&r);
  }
  return out;
}

}  // namespace

XtTranslation translate_xt(const std::string& json_listing) {
  XtTranslation out{json_listing, {}, 0};
  json live = json::parse(json_listing, nullptr, false);
  if (live.is_discarded() || !live.is_object() || !live.contains("nftables") || !live["nftables"].is_array())
    return out;  // the importer says what is wrong with it
  std::set<TableKey> tables;
  for (const auto& o : live["nftables"])
    if (o.is_object() && o.contains("rule") && o["rule"].is_object() && holds_xt(o["rule"]))
      tables.insert({o["rule"].value("family", ""), o["rule"].value("table", "")});
  if (tables.empty()) return out;

  auto note_all = [&](const std::string& why) {
    for (const auto& [family, table] : tables)
      out.notes.push_back({fmt::format("table {} {}", family, table),
                           fmt::format("iptables-nft's translation of its xt expressions could not be read "
                                       "(they are taken as either outcome): {}",
                                       why)});
  };
  std::string text;
  for (const auto& [family, table] : tables) {
    // The names come from the kernel, where anyone with CAP_NET_ADMIN in this namespace chose
    // them, and nft splits a command at `;` and line breaks (nft 1.0.6 reads no quoted table
    // name): only a name nft reads back as one identifier is put into a command.
    if (!known_family(family) || !backends::is_valid_identifier(table)) {
      note_all(fmt::format("table {} {}: nft's command line cannot name it", family, table));
      return out;
    }
    NftResult listed = run_nft(fmt::format("list table {} {}", family, table), NftOutput::Text);
    if (!listed.ok) {
      note_all(fmt::format("`nft list table {} {}` failed: {}", family, table, listed.error));
      return out;
    }
    text += listed.out;
  }
  std::string error;
  auto translated_text = listed_in_scratch_namespace(text, "the tables' text listing", error);
  json translated = translated_text ? json::parse(*translated_text, nullptr, false) : json();
  if (!translated_text || translated.is_discarded() || !translated.contains("nftables")) {
    note_all(translated_text ? "nft's listing of it is not JSON" : error);
    return out;
  }
  auto live_rules = rules_by_chain(live, tables);
  auto read_back = rules_by_chain(translated, tables);
  // Both listings must hold the same rules: a table another program changed in between keeps
  // its xt expressions.
  std::set<TableKey> changed;
  for (const auto& [k, rules] : live_rules) {
    auto it = read_back.find(k);
    bool same = it != read_back.end() && it->second.size() == rules.size();
    // A rule without xt reads back as it was listed (a rule replaced in between would not).
    for (size_t i = 0; same && i < rules.size(); ++i)
      if (!holds_xt(*rules[i])) same = without_counts(*rules[i]) == without_counts(*it->second[i]);
    if (!same) changed.insert({std::get<0>(k), std::get<1>(k)});
  }
  for (const auto& [k, rules] : read_back)
    if (!live_rules.count(k)) changed.insert({std::get<0>(k), std::get<1>(k)});
  for (const auto& [k, rules] : live_rules) {
    if (changed.count({std::get<0>(k), std::get<1>(k)})) continue;
    const auto& back = read_back.at(k);
    for (size_t i = 0; i < rules.size(); ++i) {
      // A match iptables cannot translate stays `xt` in the text too (and nft would refuse it).
      if (!holds_xt(*rules[i]) || holds_xt(*back[i])) continue;
      (*rules[i])["expr"] = (*back[i])["expr"];
      ++out.rules;
    }
  }
  for (const auto& [family, table] : changed)
    out.notes.push_back({fmt::format("table {} {}", family, table),
                         "changed between its JSON and text listings: its xt expressions are taken as either "
                         "outcome"});
  out.listing = live.dump();
  return out;
}

}  // namespace zp::pipeline
